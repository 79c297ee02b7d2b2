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

export type Dependency = 'database' | 'redis' | 'docker' | 'kubernetes';

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
