import { HttpException, HttpStatus } from '@nestjs/common';
import {
  ConflictError,
  DependencyUnavailableError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  ProviderError,
  QuotaExceededError,
  RateLimitedError,
  UnauthenticatedError,
} from '@labfleet/domain';
import { databaseOutage } from './database-outage';
import { isUnstorableText } from './unstorable-text';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  dependency?: string;
  limit?: string;
  limitValue?: number | readonly string[];
  current?: number;
  retryAt?: string;
}

const seconds = (until: Date): number => Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));

/** The HTTP answer to an error: status, JSON body and, where waiting helps, Retry-After seconds. */
export function toErrorBody(e: unknown): { body: ErrorBody; retryAfter?: number } {
  const plain = (statusCode: number, message: string) => ({ body: { statusCode, error: httpName(statusCode), message } });
  if (e instanceof HttpException) {
    const res = e.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: string | string[] }).message ?? e.message);
    return { body: { statusCode: e.getStatus(), error: httpName(e.getStatus()), message } };
  }
  if (e instanceof NotFoundError) return plain(404, e.message);
  if (e instanceof InvalidInputError) return plain(400, e.message);
  if (e instanceof UnauthenticatedError) return plain(401, e.message);
  if (e instanceof ForbiddenError) return plain(403, e.message);
  if (e instanceof ConflictError) return plain(409, e.message);
  if (e instanceof RateLimitedError) return { ...plain(429, e.message), retryAfter: e.retryAfterSeconds };
  if (e instanceof QuotaExceededError) {
    const { status, message, limit, limitValue, current, retryAt } = e.refusal;
    return {
      body: { statusCode: status, error: httpName(status), message, limit, limitValue, current, retryAt: retryAt?.toISOString() },
      retryAfter: retryAt ? seconds(retryAt) : undefined,
    };
  }
  if (e instanceof DependencyUnavailableError) {
    return { body: { statusCode: 503, error: 'Service Unavailable', message: e.message, dependency: e.dependency }, retryAfter: 5 };
  }
  if (e instanceof ProviderError) return plain(502, `the lab backend failed: ${e.message}`);
  const clientError = exposedClientError(e);
  if (clientError) return plain(clientError.status, clientError.message);
  if (isUnstorableText(e)) return plain(400, 'text in the request holds a NUL character (\\u0000), which cannot be stored or looked up');
  const outage = databaseOutage(e);
  if (outage) return { body: { statusCode: 503, error: 'Service Unavailable', message: `database is unavailable: ${outage}`, dependency: 'database' }, retryAfter: 5 };
  return plain(500, 'unexpected error; see the server log');
}
/**
 * An http-errors error the body parsers raise (too large, bad charset, too deep...): `expose`
 * marks its message as written for the client.
 */
function exposedClientError(e: unknown): { status: number; message: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  const { status, expose } = e as Error & { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500 ? { status, message: e.message } : undefined;
}

/** `Not Found`, `Too Many Requests`: the reason phrase from Nest's status enum. */
function httpName(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : 'Error';
}
