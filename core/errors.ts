/**
 * What went wrong, in the domain's terms. Services throw these; the API maps each kind to one HTTP status once
 * (hub/api/problem.ts), so no domain knows about HTTP.
 */
export type DomainErrorKind =
  /** The request itself is wrong: a value out of range, a missing field (400). */
  | 'invalid'
  /** Not allowed for this person, whatever the state (403). */
  | 'forbidden'
  /** The thing named does not exist (404). */
  | 'not-found'
  /** It was good once and is no longer: an expired approval link (410). */
  | 'expired'
  /** Not possible now: the state forbids it, a duplicate, the last admin (409); `allowed` says what is. */
  | 'conflict'
  /** Too big (413). */
  | 'too-large'
  /** A kind of content the hub does not take (415). */
  | 'unsupported'
  /** Too many, too often: a quota or a rate (429). */
  | 'too-many'
  /** A dependency is not there now: a device link down, storage off (503). */
  | 'unavailable'
  /** A device or service answered, but wrongly: a refused write, a read-back mismatch (502). */
  | 'upstream';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** Extra facts a client may act on, e.g. `allowed` (the actions possible now) or `retryAfterS`. */
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', message, details);
export const forbidden = (message: string, details?: Record<string, unknown>) =>
  new DomainError('forbidden', message, details);
export const notFound = (what: string, id: string | number) =>
  new DomainError('not-found', `no ${what} "${id}"`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', message, details);
export const tooLarge = (message: string) => new DomainError('too-large', message);
export const unsupported = (message: string) => new DomainError('unsupported', message);
export const unavailable = (message: string, details?: Record<string, unknown>) =>
  new DomainError('unavailable', message, details);
