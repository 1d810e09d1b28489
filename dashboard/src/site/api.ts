/**
 * The session/CSRF client: every API call goes through `api`, with JSON in and out, the session's CSRF token
 * on unsafe methods, and problem+json errors as ApiError. It keeps the logged-in session and its epoch.
 */

const API = '/api/v1';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The logged-in session (GET /auth/session, hub/api/auth-routes.ts). */
export interface Session {
  user: { id: number; username: string; displayName?: string; roles: string[] };
  permissions: string[];
  csrfToken: string;
  expiresAt?: number | null;
}

/** A problem+json answer (hub/api/problem.ts). */
export interface Problem {
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiOptions {
  method?: Method;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with its content type (a photo). */
  raw?: { data: Blob; type: string };
  /** The login and the session check at start: a 401 is an ApiError, the session is not ended. */
  anonymous?: boolean;
}

/** An error answer from the API, with the problem+json fields the hub sends. */
export class ApiError extends Error {
  status: number;
  title: string | undefined;
  detail: string | undefined;
  problem: Problem | undefined;
  /** Seconds, from the Retry-After header. */
  retryAfter: number | undefined;

  constructor(path: string, status: number, problem: Problem | undefined, retryAfter: number | undefined) {
    super(`${path}: HTTP ${status}${problem?.detail ? ` ${problem.detail}` : ''}`);
    this.status = status;
    this.title = problem?.title;
    this.detail = problem?.detail;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** Thrown for a 401 after the login form has been brought back: callers just stop. */
export class SessionEnded extends Error {}

let session: Session | null = null;
/**
 * Bumped whenever a session ends or starts: an answer or timer from an earlier session compares its epoch
 * and drops itself, so nothing of the previous user's data lands on the page after a logout.
 */
let epoch = 0;
let unauthorized: () => void = () => undefined;

/** The current session, or null. */
export const currentSession = (): Session | null => session;
export const currentEpoch = (): number => epoch;

/** A session starts (null: it ended): a new epoch. */
export function setSession(info: Session | null): void {
  session = info;
  epoch++;
}

/** The same session with new permissions: the epoch stays. */
export function updateSession(info: Session): void {
  session = info;
}

/** What a 401 does (the session is over): set once by the session module. */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/**
 * Every API call goes through here: JSON in and out, the CSRF token on unsafe methods, and a 401 means the
 * session is over (expired, logged out elsewhere, user disabled): back to the login form rather than an
 * error and a retry loop. `anonymous` calls (login, the session check at start) get a 401 as an ApiError.
 */
export async function api<T = unknown>(
  path: string,
  { method = 'GET', body, raw, anonymous = false }: ApiOptions = {},
): Promise<T> {
  const callEpoch = epoch;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (raw) headers['content-type'] = raw.type;
  else if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE_METHODS.has(method) && session?.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  const res = await fetch(API + path, {
    method,
    headers,
    body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 401 && !anonymous) {
    // An answer to a request of an earlier session must not end the one that replaced it.
    if (callEpoch === epoch) unauthorized();
    throw new SessionEnded(`${path}: HTTP 401`);
  }
  if (!res.ok) {
    let problem: Problem | undefined;
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = undefined;
    }
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new ApiError(path, res.status, problem, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  return res.status === 204 ? (undefined as T) : (res.json() as Promise<T>);
}
