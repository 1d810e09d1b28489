import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { linkChoicePage, linkErrorPage, linkResultPage } from '../../domains/visitors/link-page.js';
import { pageLanguage } from '../../domains/visitors/page-language.js';
import type { PassService } from '../../domains/visitors/pass-service.js';
import { PASS_STATES, type PassView } from '../../domains/visitors/pass-types.js';
import type { Language } from '../../platform/people/people-types.js';
import { personOf } from './access.js';
import { linkCall, sendHtml, wantsHtml } from './signed-link.js';

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
/** fastify's router refuses path parameters over 100 characters (maxParamLength): links are shorter. */
const TokenParams = z.strictObject({ token: z.string().min(1).max(100) });
/** The link pages' language (zh-CN or en); anything else falls back to the browser's. */
const LangQuery = z.object({ lang: z.string().max(20).optional().describe('zh-CN or en') });
const optionalComment = z.strictObject({ comment: z.string().trim().max(2_000).optional() });
const requiredComment = z.strictObject({
  comment: z.string({ error: 'say why (comment)' }).trim().min(1, { error: 'say why (comment)' }).max(2_000),
});
const ms = z.coerce.number().int().nonnegative().max(8.64e15).describe('ms since the epoch');

/** A time as ms since the epoch, or an ISO 8601 date-time with its offset (what a web form sends). */
const instant = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })], {
    error: 'expected ms since the epoch or an ISO 8601 time with its offset, e.g. 2025-03-01T09:00:00+08:00',
  })
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

const Registration = z.strictObject({
  name: z.string().trim().min(1, { error: "expected the visitor's name" }).max(100),
  phone: z.string().trim().min(5, { error: 'expected a phone number' }).max(32),
  idNumber: z.string().trim().min(4).max(40).optional().describe('stored only hashed and masked'),
  company: z.string().trim().max(100).optional(),
  host: z.string().trim().min(1, { error: 'expected the username of the person visited' }).max(64),
  purpose: z.string().trim().min(1, { error: 'expected the purpose of the visit' }).max(200),
  validFrom: instant,
  validUntil: instant,
  maxEntries: z.number().int().min(0).max(1_000).optional().describe('0: any number within the window'),
  gates: z
    .array(z.string().max(64))
    .min(1, { error: 'name at least one gate, or leave gates out for every visitor gate' })
    .max(50)
    .optional()
    .describe('gate asset ids; default every visitor gate'),
});

/** The public link routes: enough for a host's clicks, too few to guess tokens or flood the hub. */
const LINK_RATE = { max: 30, timeWindow: 60_000 };

export interface VisitorRouteServices {
  passes: PassService;
  /** The site's time zone, for the link pages. */
  timeZone: string;
  /** The link pages' language when neither ?lang nor the browser's Accept-Language says; default en. */
  defaultLanguage?: Language;
}

/** Visitors: registration, passes and their lifecycle, the host's signed link, the export of records. */
export async function visitorRoutes(app: FastifyInstance, s: VisitorRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];
  const { passes, timeZone } = s;

  // The link page's form posts `decision=approve` (no script on that page); parsed for these routes only.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1_024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const who = personOf;
  /** The pass if the caller may see it; 404 alike for one that does not exist and one that is not theirs. */
  const visible = (id: number, req: FastifyRequest): PassView => passes.visible(id, who(req));
  const detail = (p: PassView, req: FastifyRequest) => ({ pass: p, actions: passes.actionsFor(p, who(req)) });
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  api.post(
    '/api/v1/visitors',
    {
      config: { access: 'passes:register' },
      schema: {
        tags,
        summary:
          'Register a visitor (web form, kiosk): the host is asked to approve, or the pass is issued at once when visitors.requireHostApproval is false (then the code is in this response, once)',
        body: Registration,
      },
    },
    async (req, reply) => {
      const result = passes.register(who(req), req.body);
      noStore(reply);
      return reply.code(201).send({ ...result, actions: passes.actionsFor(result.pass, who(req)) });
    },
  );

  api.get(
    '/api/v1/passes',
    {
      config: { access: ['passes:register', 'passes:manage'] },
      schema: {
        tags,
        summary:
          'Passes, newest first, each with the actions the caller may take now: security sees all, anyone else those they host or registered; from/to select passes whose window overlaps [from, to)',
        querystring: z.strictObject({
          state: z.enum(PASS_STATES).optional(),
          host: z.string().max(64).optional(),
          from: ms.optional(),
          to: ms.optional(),
          before: z.coerce.number().int().positive().optional().describe('page: passes older than this id'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      const { before, ...q } = req.query;
      const caller = who(req);
      const list = passes.list({ ...q, beforeId: before }, caller);
      const withActions = list.map((p) => ({ ...p, actions: passes.actionsFor(p, caller) }));
      return { passes: withActions, next: list.length === q.limit ? list.at(-1)?.id : undefined };
    },
  );

  api.get(
    '/api/v1/passes/:id',
    {
      config: { access: ['passes:register', 'passes:manage'] },
      schema: {
        tags,
        summary: 'One pass and the actions the caller may take now (never its code)',
        params: IdParams,
      },
    },
    async (req) => detail(visible(req.params.id, req), req),
  );

  api.post(
    '/api/v1/passes/:id/approve',
    {
      config: { access: ['passes:register', 'passes:manage'] },
      schema: {
        tags,
        summary:
          'Approve (its host, or security): requested → approved; the response carries the code and QR payload, shown this once',
        params: IdParams,
        body: optionalComment,
      },
    },
    async (req, reply) => {
      visible(req.params.id, req);
      const issued = passes.approve(req.params.id, who(req), req.body?.comment);
      noStore(reply);
      return { ...issued, actions: passes.actionsFor(issued.pass, who(req)) };
    },
  );

  for (const [action, summary] of [
    ['decline', 'Decline with a reason (its host, or security): requested → declined'],
    ['revoke', 'Revoke with a reason (security, or its host): approved → revoked; gates refuse it from now'],
  ] as const)
    api.post(
      `/api/v1/passes/:id/${action}`,
      {
        config: { access: ['passes:register', 'passes:manage'] },
        schema: {
          tags,
          summary: `${summary}; 409 names the allowed actions`,
          params: IdParams,
          body: requiredComment,
        },
      },
      async (req) => {
        visible(req.params.id, req);
        const p = passes[action](req.params.id, who(req), req.body.comment);
        return detail(p, req);
      },
    );

  api.post(
    '/api/v1/passes/:id/cancel',
    {
      config: { access: 'passes:register' },
      schema: {
        tags,
        summary:
          'Cancel (its host or registrant): a request, or an approved pass before its window and before use; 409 names the allowed actions',
        params: IdParams,
        body: optionalComment,
      },
    },
    async (req) => {
      visible(req.params.id, req);
      const p = passes.cancel(req.params.id, who(req), req.body?.comment);
      return detail(p, req);
    },
  );

  // ─── the host's signed link: public, the token is the credential ───────────────────────────────────────

  const langOf = (req: FastifyRequest) =>
    pageLanguage(
      (req.query as { lang?: string })?.lang,
      req.headers['accept-language'],
      s.defaultLanguage ?? 'en',
    );
  const pageOpts = (req: FastifyRequest) => ({
    lang: langOf(req),
    timeZone,
    path: req.url.split('?')[0],
  });
  /** The service's refusals as a page for a browser; a script gets problem+json from the error handler. */
  const errorPage = (req: FastifyRequest) => (status: number, text: string) =>
    linkErrorPage(status, text, langOf(req));

  api.get(
    '/api/v1/passes/link/:token',
    {
      config: { access: 'public', rateLimit: LINK_RATE },
      schema: {
        tags,
        summary:
          "The host's approve/decline link: the visitor (masked) and the choice (a page for a browser, JSON otherwise)",
        params: TokenParams,
        querystring: LangQuery,
      },
    },
    async (req, reply) =>
      linkCall(
        req,
        reply,
        () => {
          const { pass, host, expiresAt } = passes.openLink(req.params.token);
          // what the host may do through it: a visitor they registered as their own host, only decline
          const choices = passes
            .actionsFor(pass, host)
            .filter((a): a is 'approve' | 'decline' => a === 'approve' || a === 'decline');
          if (wantsHtml(req)) return sendHtml(reply, linkChoicePage(pass, pageOpts(req), choices));
          return { pass: linkSummary(pass), choices, expiresAt };
        },
        errorPage(req),
      ),
  );

  api.post(
    '/api/v1/passes/link/:token',
    {
      config: { access: 'public', rateLimit: LINK_RATE },
      schema: {
        tags,
        summary:
          "Apply the host's decision from the link (JSON or the page's form); an approval returns the code, this once",
        params: TokenParams,
        querystring: LangQuery,
        body: z.strictObject({ decision: z.enum(['approve', 'decline']) }),
      },
    },
    async (req, reply) =>
      linkCall(
        req,
        reply,
        () => {
          const { pass, code, qr } = passes.decideByLink(req.params.token, req.body.decision, req.ip);
          if (wantsHtml(req))
            return sendHtml(reply, linkResultPage(pass, pageOpts(req), code, pass.createdBy === 'kiosk'));
          return { pass: linkSummary(pass), code, qr };
        },
        errorPage(req),
      ),
  );

  // ─── export ─────────────────────────────────────────────────────────────────────────────────────────────

  api.get(
    '/api/v1/visitors/export.csv',
    {
      config: { access: 'passes:manage' },
      schema: {
        tags,
        summary:
          'Visitor records (masked fields only) of passes whose window overlaps [from, to), as CSV with a header row; audited',
        querystring: z.strictObject({
          from: ms.optional(),
          to: ms.optional(),
        }),
      },
    },
    async (req, reply) => {
      const csv = passes.exportCsv(who(req), req.query.from, req.query.to);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="visitors.csv"')
        .header('cache-control', 'no-store')
        .send(csv);
    },
  );
}

/** What an anonymous holder of the link sees: who, when, why; masked, without the registrant or comments. */
function linkSummary(p: PassView) {
  return {
    id: p.id,
    state: p.state,
    visitorName: p.visitorName,
    company: p.company,
    phoneMasked: p.phoneMasked,
    host: p.host,
    purpose: p.purpose,
    validFrom: p.validFrom,
    validUntil: p.validUntil,
    maxEntries: p.maxEntries,
  };
}
