import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, type DomainErrorKind } from '../../core/errors.js';

/** RFC 9457 problem details; `errors` lists the failing input paths. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  /** Extension members (RFC 9457 §3.2), e.g. a conflict's allowed actions. */
  [extension: string]: unknown;
}

/**
 * A problem only HTTP has, raised by the API layer itself: not logged in (401), too many requests (429), a device's diagnostic read failing. Everything a service refuses is a DomainError.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    /** Extra members for clients that act on them (RFC 9457 extensions). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

/** Each kind of domain error as HTTP: the one place that knows. */
const STATUS: Record<DomainErrorKind, [number, string]> = {
  invalid: [400, 'Bad Request'],
  forbidden: [403, 'Forbidden'],
  'not-found': [404, 'Not Found'],
  conflict: [409, 'Conflict'],
  expired: [410, 'Gone'],
  'too-large': [413, 'Payload Too Large'],
  unsupported: [415, 'Unsupported Media Type'],
  'too-many': [429, 'Too Many Requests'],
  unavailable: [503, 'Service Unavailable'],
  upstream: [502, 'Bad Gateway'],
};

/** A domain error as problem details. */
export function problemOfDomainError(err: DomainError): Problem {
  const [status, title] = STATUS[err.kind];
  return { ...err.details, type: 'about:blank', title, status, detail: err.message };
}

/** Every error leaves the API as application/problem+json. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpProblem | DomainError, req, reply) => {
    let problem: Problem;
    if (err instanceof DomainError) {
      problem = problemOfDomainError(err);
      if (typeof err.details?.retryAfterS === 'number')
        reply.header('retry-after', String(err.details.retryAfterS));
    } else if (err instanceof HttpProblem) {
      problem = {
        ...err.extensions,
        type: 'about:blank',
        title: err.title,
        status: err.status,
        detail: err.detail,
      };
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      problem = {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: `invalid ${err.validationContext ?? 'input'}`,
        errors: err.validation.map((v) => ({
          path: `${err.validationContext ?? ''}${v.instancePath.replaceAll('/', '.')}`,
          message: v.message ?? 'invalid',
        })),
      };
    } else {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) req.log.error({ err }, 'request failed');
      problem = {
        type: 'about:blank',
        title: status >= 500 ? 'Internal Server Error' : (err.code ?? 'Error'),
        status,
        detail: status >= 500 ? 'see the hub log' : err.message,
      };
    }
    problem.instance = req.url;
    return reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no route ${req.method} ${req.url}`,
        instance: req.url,
      }),
  );
}

export const unauthorized = (detail: string) => new HttpProblem(401, 'Unauthorized', detail);
