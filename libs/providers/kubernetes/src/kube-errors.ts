import { DependencyUnavailableError, ProviderError, tolerateStatuses } from '@labfleet/domain';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The HTTP status of a failed call: `code` on the generated clients' ApiException, `statusCode` on a watch's error. */
export function statusOf(e: unknown): number | undefined {
  const { code, statusCode } = (e ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** The API server's `Status.message`; ApiException carries the body parsed or as text. */
export function messageOf(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  const parsed = typeof body === 'string' ? safeParse(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Turns a Kubernetes client error into the domain's: an API server out of reach is a dependency
 * outage; 5xx, 429 and a namespace still terminating are worth retrying; other 4xx are not.
 */
export function toProviderError(e: unknown, what: string): Error {
  if (e instanceof ProviderError || e instanceof DependencyUnavailableError) return e;
  const code = (e as { code?: unknown })?.code;
  const message = messageOf(e);
  if ((typeof code === 'string' && UNREACHABLE.has(code)) || (e as { type?: string })?.type === 'system') {
    return new DependencyUnavailableError('kubernetes', `${what}: ${message}`);
  }
  const status = statusOf(e);
  const retryable = status === undefined || status >= 500 || status === 429 || /being terminated/.test(message);
  return new ProviderError(`${what}: ${message}`, retryable);
}

/** An API call where these HTTP statuses (404 gone, 409 already exists) are fine. */
export const tolerate = <T>(call: Promise<T>, statuses: number[]): Promise<T | undefined> => tolerateStatuses(call, statuses, statusOf);

/** Tries, 100 ms apart, while a new quota's usage is still unknown. */
const QUOTA_SYNC_ATTEMPTS = 50;

/** A ResourceQuota refused the object: `403 … exceeded quota: …`. */
export const isQuotaExceeded = (e: unknown): boolean => statusOf(e) === 403 && /exceeded quota/.test(messageOf(e));

/**
 * Creates an object, or finds it made already: undefined when it exists. A real API server runs
 * admission (ResourceQuota) before its existence check, so re-creating an object a quota counts
 * (the lab's pods, its Service) answers `403 exceeded quota`, not `409`: then the object is read
 * back, and the 403 stands only when there is none.
 */
export async function createUnlessExists<T>(create: () => Promise<T>, read: () => Promise<unknown>): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await create();
    } catch (e) {
      if (statusOf(e) === 409) return undefined;
      if (isQuotaExceeded(e) && (await tolerate(read(), [404])) !== undefined) return undefined;
      // A new quota admits what it counts only once the quota controller has computed its usage (milliseconds).
      if (statusOf(e) === 403 && /status unknown for quota/.test(messageOf(e)) && attempt < QUOTA_SYNC_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw e;
    }
  }
}
