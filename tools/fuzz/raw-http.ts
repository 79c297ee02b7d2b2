/**
 * Sends a request exactly as generated: headers in order, duplicates kept, no Host or length added,
 * the path not normalised (fetch would refuse or tidy most of what the fuzzer sends).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FuzzRequest } from './fuzz-requests';

export interface Answer {
  /** The HTTP status, or 0 when no answer came (the error says why). */
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
  readonly error?: string;
}

/** Answers are read up to this many bytes: enough for any error body and for a leak search. */
const MAX_BODY = 4 * 1024 * 1024;

export function sendRaw(baseUrl: string, req: FuzzRequest, agent: Agent, timeoutMs = 30_000): Promise<Answer> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Omit<Answer, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, ms: performance.now() - started });
    };
    const r = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.target, headers: req.headers.flat(), agent, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        // A response cut short (a stream that failed midway) is an answer with what came.
        res.on('error', (e) => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error: `response cut: ${e.message}` }));
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', (e) => done({ status: 0, headers: {}, body: '', error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }));
    r.end(req.body ?? undefined);
  });
}
