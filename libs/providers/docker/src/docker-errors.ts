import { ConflictError, DependencyUnavailableError, ProviderError, tolerateStatuses } from '@labfleet/domain';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EACCES']);

/** dockerode reports HTTP answers as `statusCode` and socket trouble as `code`. */
export const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number })?.statusCode;

/** Turns an engine error into the domain's: engine unreachable → 503-class, 5xx → retryable. */
export function toProviderError(e: unknown, what: string): Error {
  if (e instanceof ProviderError || e instanceof DependencyUnavailableError || e instanceof ConflictError) return e;
  const code = (e as { code?: string })?.code;
  const message = (e as { json?: { message?: string } })?.json?.message ?? (e instanceof Error ? e.message : String(e));
  if (code && UNREACHABLE.has(code)) return new DependencyUnavailableError('docker', `${what}: ${message}`);
  const status = statusOf(e);
  return new ProviderError(`${what}: ${message}`, status === undefined || status >= 500);
}

/** An engine call where these HTTP statuses (404 gone, 304 already done, 409 exists) are fine. */
export const tolerate = <T>(call: Promise<T>, statuses: number[]): Promise<T | undefined> => tolerateStatuses(call, statuses, statusOf);
