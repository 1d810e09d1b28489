import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors.js';
import { problemOfDomainError } from './problem.js';

/**
 * The signed links in messages (a host's approve/decline, an on-call acknowledge) answer a browser with a page
 * and a script with JSON: a GET by its Accept header, a POST by the page's form content type.
 */
export const wantsHtml = (req: FastifyRequest): boolean =>
  req.method === 'GET'
    ? (req.headers.accept ?? '').includes('text/html')
    : (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

export const sendHtml = (reply: FastifyReply, body: string) =>
  reply.type('text/html; charset=utf-8').send(body);

/**
 * Runs a link's handler, never cached. A refusal (a DomainError) goes to a browser as the page `errorPage`
 * draws, with the refusal's status; to a script as problem+json (the error handler's).
 */
export async function linkCall<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  fn: () => T,
  errorPage: (status: number, text: string) => string,
) {
  reply.header('cache-control', 'no-store');
  try {
    return fn();
  } catch (err) {
    if (!wantsHtml(req) || !(err instanceof DomainError)) throw err;
    const problem = problemOfDomainError(err);
    return sendHtml(reply.code(problem.status), errorPage(problem.status, problem.detail ?? problem.title));
  }
}
