import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { ackErrorPage, ackPage, pageLanguage } from '../../domains/people/ack-page.js';
import type { AckLinkOpened } from '../../domains/people/alert-ack.js';
import type { Oncall } from '../../domains/people/oncall.js';
import { localText } from '../../domains/people/rota.js';
import type { Language } from '../../platform/people/people-types.js';
import { personOf } from './access.js';
import { linkCall, sendHtml, wantsHtml } from './signed-link.js';

const ms = z.coerce.number().int().nonnegative().max(8.64e15);
/** A time as ms since the epoch, or an ISO 8601 date-time with its offset (what a web form sends). */
const instant = z
  .union([z.number().int().nonnegative().max(8.64e15), z.iso.datetime({ offset: true })], {
    error: 'expected ms since the epoch or an ISO 8601 time with its offset, e.g. 2026-03-01T09:00:00+08:00',
  })
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));
const OverrideBody = z.strictObject({
  team: z.string().trim().min(1).max(64),
  username: z.string().trim().min(1).max(64),
  from: instant,
  to: instant,
  note: z.string().trim().max(500).optional(),
});
const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
/** fastify's router refuses path parameters over 100 characters (maxParamLength): links are shorter. */
const TokenParams = z.strictObject({ token: z.string().min(1).max(100) });
/** The public acknowledge link: enough for a person's clicks, too few to guess tokens or flood the hub. */
const LINK_RATE = { max: 30, timeWindow: 60_000 };

export interface OncallRouteServices {
  oncall: Oncall;
  site: SiteModel;
  now: () => number;
  /** A person's language (their profile), for the acknowledge page. */
  languageOf(username: string): Language | undefined;
}

/** On-call: rotas and who is on now, overrides, an alert's escalation, and the signed acknowledge link. */
export async function oncallRoutes(app: FastifyInstance, s: OncallRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['on-call'];
  const { rotas, routing, ack } = s.oncall;
  const tz = s.site.site.timezone;

  // The acknowledge page's form posts `ack=1` (no script on that page); parsed for these routes only.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1_024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  api.get(
    '/api/v1/oncall',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary:
          "Every team's rota: who is on call now (override included), the next in the rota, the supervisor, this week's handover and the next, and the coming weeks",
        querystring: z.strictObject({
          weeks: z.coerce.number().int().min(1).max(12).default(4).describe('weeks to list'),
        }),
      },
    },
    async (req) => {
      const now = s.now();
      return { now, timeZone: tz, rotas: rotas.board(now, req.query.weeks), overrides: rotas.overrides(now) };
    },
  );

  api.get(
    '/api/v1/oncall/at',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Who is on call for each team (or one team) at time t',
        querystring: z.strictObject({
          t: ms.describe('ms since the epoch'),
          team: z.string().max(64).optional(),
        }),
      },
    },
    async (req) => {
      const teams = req.query.team ? [req.query.team] : rotas.teams();
      const onCall = teams.map((team) => {
        const who = rotas.onCall(team, req.query.t);
        if (!who) throw notFound('on-call rota for team', team);
        return who;
      });
      return { t: req.query.t, onCall };
    },
  );

  api.get(
    '/api/v1/oncall/overrides',
    {
      config: { access: 'site:read' },
      schema: {
        tags,
        summary: 'Overrides that have not ended (or ended after `since`), by start',
        querystring: z.strictObject({ since: ms.optional().describe('ms since the epoch; default now') }),
      },
    },
    async (req) => ({ overrides: rotas.overrides(req.query.since ?? s.now()) }),
  );

  api.post(
    '/api/v1/oncall/overrides',
    {
      config: { access: 'oncall:manage' },
      schema: {
        tags,
        summary:
          "Someone covers a team's on-call from–to (at most 62 days); the newest override wins; audited",
        body: OverrideBody,
      },
    },
    async (req, reply) => reply.code(201).send(rotas.addOverride(personOf(req), req.body)),
  );

  api.put(
    '/api/v1/oncall/overrides/:id',
    {
      config: { access: 'oncall:manage' },
      schema: {
        tags,
        summary: 'Change an override (team, who, from–to, note), checked like a new one; audited',
        params: IdParams,
        body: OverrideBody,
      },
    },
    async (req) => rotas.updateOverride(personOf(req), req.params.id, req.body),
  );

  api.delete(
    '/api/v1/oncall/overrides/:id',
    {
      config: { access: 'oncall:manage' },
      schema: { tags, summary: 'Remove an override; audited', params: IdParams },
    },
    async (req) => rotas.removeOverride(personOf(req), req.params.id),
  );

  api.get(
    '/api/v1/oncall/escalations',
    {
      config: { access: 'oncall:manage' },
      schema: {
        tags,
        summary:
          'Escalation chains in a state (default running: escalating now), newest first, each with its alert, who was told and when the next step is due',
        querystring: z.strictObject({
          state: z.enum(['running', 'acknowledged', 'cleared', 'exhausted', 'unrouted']).default('running'),
          alert: z.coerce
            .number()
            .int()
            .positive()
            .optional()
            .describe("one alert's chain, whatever its state (an empty list when it has none)"),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => {
      if (req.query.alert === undefined)
        return { escalations: routing.escalations(req.query.state, req.query.limit) };
      const one = routing.escalation(req.query.alert);
      return { escalations: one ? [{ ...one, alert: s.oncall.routing.alertOf(req.query.alert) }] : [] };
    },
  );

  api.get(
    '/api/v1/oncall/escalations/:id',
    {
      config: { access: 'oncall:manage' },
      schema: {
        tags,
        summary:
          "An alert's escalation: its chain, where it stands (running, acknowledged, cleared, exhausted, unrouted), the next step's due time, and who was told at each step",
        params: IdParams,
      },
    },
    async (req) => {
      const e = routing.escalation(req.params.id);
      if (!e) throw notFound('escalation for alert', req.params.id);
      return e;
    },
  );

  // ─── the signed acknowledge link: public, the token is the credential ──────────────────────────────────

  const langOf = (req: FastifyRequest, username?: string): Language =>
    pageLanguage(
      (req.query as { lang?: string } | undefined)?.lang,
      username ? s.languageOf(username) : undefined,
      req.headers['accept-language'],
      s.site.config.people.defaultLanguage,
    );
  const when = (t: number) => localText(t, tz);
  const assetName = (o: AckLinkOpened) => s.site.assetById.get(o.alert.assetId)?.name ?? o.alert.assetId;
  const summary = (o: AckLinkOpened) => ({
    alert: {
      id: o.alert.id,
      assetId: o.alert.assetId,
      severity: o.alert.severity,
      message: o.alert.message,
      state: o.alert.state,
      raisedAt: o.alert.raisedAt,
      ackedAt: o.alert.ackedAt,
      ackedBy: o.alert.ackedBy,
    },
    username: o.username,
    canAck: o.canAck,
    expiresAt: o.expiresAt,
  });
  /** The refusals as a page for a browser (in its language); a script gets problem+json. */
  const errorPage = (req: FastifyRequest) => (status: number, text: string) =>
    ackErrorPage(langOf(req), status, text);
  const LangQuery = z.strictObject({ lang: z.enum(['en', 'zh-CN']).optional() });

  api.get(
    '/api/v1/oncall/ack/:token',
    {
      config: { access: 'public', rateLimit: LINK_RATE },
      schema: {
        tags,
        summary:
          'The acknowledge link of an on-call message: the alert and a button (a page in zh-CN or English for a browser, JSON otherwise)',
        params: TokenParams,
        querystring: LangQuery,
      },
    },
    async (req, reply) =>
      linkCall(
        req,
        reply,
        () => {
          const opened = ack.open(req.params.token);
          if (wantsHtml(req))
            return sendHtml(reply, ackPage(opened, langOf(req, opened.username), when, assetName(opened)));
          return summary(opened);
        },
        errorPage(req),
      ),
  );

  api.post(
    '/api/v1/oncall/ack/:token',
    {
      config: { access: 'public', rateLimit: LINK_RATE },
      schema: {
        tags,
        summary:
          'Acknowledge the alert as the person the link was sent to (audited as them, via the signed link); stops its escalation',
        params: TokenParams,
        querystring: LangQuery,
        body: z.strictObject({ ack: z.literal('1').optional() }).optional(),
      },
    },
    async (req, reply) =>
      linkCall(
        req,
        reply,
        () => {
          const done = ack.ack(req.params.token, req.ip);
          if (wantsHtml(req))
            return sendHtml(reply, ackPage(done, langOf(req, done.username), when, assetName(done), true));
          return summary(done);
        },
        errorPage(req),
      ),
  );
}
