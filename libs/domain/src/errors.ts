import type { QuotaRefusal } from './quota';

/** A lab, template or other object that does not exist (or is not yours): HTTP 404. */
export class NotFoundError extends Error {
  constructor(readonly kind: string, readonly id: string) {
    super(`${kind} '${id}' not found`);
    this.name = 'NotFoundError';
  }
}

/** Input that names something invalid (unknown template, bad node): HTTP 400. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** The request conflicts with the lab's current state: HTTP 409. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export type Dependency = 'database' | 'redis' | 'docker' | 'kubernetes' | 'identity-provider';

/** A backing service is down or not answering in time: HTTP 503, and jobs retry. */
export class DependencyUnavailableError extends Error {
  constructor(readonly dependency: Dependency, detail: string) {
    super(`${dependency} is unavailable: ${detail}`);
    this.name = 'DependencyUnavailableError';
  }
}

/** A backend refused or failed an operation. `retryable` says whether trying again can help. */
export class ProviderError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** No or bad credentials: HTTP 401. */
export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/** You may see the object but not do this to it (a student changing a course's quotas): HTTP 403. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** Too many requests, or a lock after failed logins: HTTP 429 with Retry-After. */
export class RateLimitedError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** A course limit says no: HTTP 409 or 429, with a body naming the limit and when it frees up. */
export class QuotaExceededError extends Error {
  constructor(readonly refusal: QuotaRefusal) {
    super(refusal.message);
    this.name = 'QuotaExceededError';
  }
}
