import { LabStatus, MirrorWarmup } from '@labfleet/contracts';
import { eventually } from './eventually';

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A small HTTP client for Labfleet's REST API, as any user's script would use it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, raw?: string, contentType = 'application/json'): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  csv<T = any>(path: string, text: string) {
    return this.request<T>('POST', path, undefined, text, 'text/csv');
  }

  /** The lab once its status is one of `wanted`; fails naming the status it was left in. */
  waitForLab(id: string, wanted: LabStatus[], timeoutMs = 60_000): Promise<any> {
    return eventually(
      async () => {
        const { status, body } = await this.get(`/api/v1/labs/${id}`);
        if (status !== 200 || !wanted.includes(body.status)) throw new Error(`lab ${id} is ${JSON.stringify(body)}`);
        return body;
      },
      { timeoutMs, what: `lab ${id} to be ${wanted.join(' or ')}` },
    );
  }

  /**
   * `/health`'s mirror part once the worker's warm-up has finished (labs do not wait for it; a
   * test that pulls images in a lab does). Fails naming what was still pending.
   */
  waitForMirror(timeoutMs = 300_000): Promise<MirrorWarmup> {
    return eventually(
      async () => {
        const { mirror } = (await this.get('/health')).body as { mirror: MirrorWarmup | null };
        if (!mirror || mirror.warming) throw new Error(`mirror warm-up: ${JSON.stringify(mirror)}`);
        return mirror;
      },
      { timeoutMs, intervalMs: 250, what: 'the image mirror to be warm' },
    );
  }

  /** Runs a command in a lab and returns the exec result (fails the test on a non-200). */
  async exec(id: string, command: string[], options: { node?: string; timeoutSeconds?: number } = {}): Promise<any> {
    const res = await this.post(`/api/v1/labs/${id}/exec`, { command, ...options });
    if (res.status !== 200) throw new Error(`exec ${command.join(' ')}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  sh(id: string, script: string, timeoutSeconds = 120, node?: string): Promise<any> {
    return this.exec(id, ['sh', '-c', script], { timeoutSeconds, node });
  }
}
