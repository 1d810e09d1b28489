import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import { KIOSK_SCRIPT_PATH, kioskPage, posterPage } from '../../domains/visitors/kiosk-page.js';
import { KIOSK_SCRIPT } from '../../domains/visitors/kiosk-script.js';
import { pageLanguage } from '../../domains/visitors/page-language.js';
import { qrGonePage, qrPage } from '../../domains/visitors/qr-page.js';
import type { SelfService } from '../../domains/visitors/self-service.js';
import type { SelfServiceConfig } from '../../domains/visitors/self-service-schema.js';
import { LANGUAGES, type Language } from '../../platform/people/people-types.js';
import type { UserStore } from '../../platform/security/user-store.js';

export interface KioskRouteServices {
  selfService: SelfService;
  config: SelfServiceConfig;
  users: UserStore;
  /** A page's language when neither ?lang nor the browser says. */
  defaultLanguage: Language;
  /** visitors.publicUrl: the poster's QR opens <publicUrl>/visit. */
  publicUrl?: string;
}

const LangQuery = z.object({ lang: z.string().max(20).optional().describe('zh-CN or en') });
const PAGE_RATE = { max: 60, timeWindow: 60_000 };
/** A registration is a few hundred bytes; nothing bigger is read. */
const VISIT_BODY_LIMIT = 4_096;

const PublicVisit = z.strictObject({
  name: z.string().trim().min(1, { error: "expected the visitor's name" }).max(100),
  phone: z.string().trim().min(5, { error: 'expected a mobile number' }).max(32),
  email: z.string().trim().max(254).optional(),
  company: z.string().trim().max(100).optional(),
  purpose: z.string().trim().min(1, { error: 'expected the purpose of the visit' }).max(200),
  from: z.string().max(20).describe("the site's wall-clock time, 2026-03-01T09:00"),
  until: z.string().max(20).describe("the site's wall-clock time, 2026-03-01T11:00"),
  host: z
    .string()
    .min(1, { error: 'pick your host from the search' })
    .max(400)
    .describe('a token from the host search'),
  language: z.enum(LANGUAGES).default('zh-CN').describe('the language the visitor is told their code in'),
});

/**
 * Visitor self-service (visitors.selfService), all public: the registration page and its script, the host
 * search, the registration, and the visitor's QR page. Off (404) unless enabled; every route rate-limited per
 * client address; the search answers display names and opaque tokens only.
 */
export async function kioskRoutes(app: FastifyInstance, s: KioskRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];
  const { selfService, config } = s;
  const perSeconds = (r: { max: number; perSeconds: number }) => ({
    max: r.max,
    timeWindow: r.perSeconds * 1_000,
  });
  const langOf = (req: FastifyRequest) =>
    pageLanguage(
      (req.query as { lang?: string } | undefined)?.lang,
      req.headers['accept-language'],
      s.defaultLanguage,
    );
  const html = (reply: FastifyReply, page: string) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  /** Off: 404 before the query or body is even read. */
  const mustBeOn = async () => {
    if (!selfService.enabled) throw notFound('page', 'visit');
  };

  api.get(
    '/visit',
    {
      config: { access: 'public', rateLimit: PAGE_RATE },
      schema: {
        tags,
        summary:
          'The public visitor registration page (kiosk, QR poster), zh-CN or en by ?lang or Accept-Language',
        querystring: LangQuery,
      },
    },
    async (req, reply) =>
      html(
        reply.code(selfService.enabled ? 200 : 404),
        kioskPage({
          lang: langOf(req),
          enabled: selfService.enabled,
          window: selfService.defaultWindow(),
          minChars: config.minQueryChars,
        }),
      ),
  );

  api.get(
    '/visit/poster',
    {
      config: { access: 'public', rateLimit: PAGE_RATE },
      schema: {
        tags,
        summary: 'A poster to print for reception: the QR of <visitors.publicUrl>/visit?lang=, zh-CN or en',
        querystring: LangQuery,
      },
    },
    async (req, reply) => {
      if (!selfService.enabled || !s.publicUrl) throw notFound('page', 'visit/poster');
      const lang = langOf(req);
      const url = `${s.publicUrl.replace(/\/+$/, '')}/visit?lang=${lang}`;
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return html(reply, posterPage({ lang, url, svg }));
    },
  );

  api.get(
    KIOSK_SCRIPT_PATH,
    {
      config: { access: 'public', rateLimit: PAGE_RATE },
      schema: { tags, summary: "The registration page's script (a file: the CSP allows no inline script)" },
    },
    async (_req, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(KIOSK_SCRIPT),
  );

  api.get(
    '/api/v1/public/hosts',
    {
      config: { access: 'public', rateLimit: perSeconds(config.searchRate) },
      onRequest: mustBeOn,
      schema: {
        tags,
        summary:
          "Find a visitor's host by name: at most selfService.maxResults display names, each with an opaque expiring token; at least 2 characters for Chinese, 3 otherwise",
        querystring: z.strictObject({
          q: z.string({ error: "expected q, part of the host's name" }).max(100),
        }),
        response: {
          200: z.strictObject({ hosts: z.array(z.strictObject({ name: z.string(), token: z.string() })) }),
        },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return { hosts: selfService.directory.search(req.query.q) };
    },
  );

  api.post(
    '/api/v1/public/visits',
    {
      bodyLimit: VISIT_BODY_LIMIT,
      config: { access: 'public', rateLimit: perSeconds(config.registerRate) },
      onRequest: mustBeOn,
      schema: {
        tags,
        summary:
          'Register from the public page: the pass is created by the kiosk (audited as kiosk) and waits for the host; the visitor is sent the code once approved',
        body: PublicVisit,
        response: { 201: z.strictObject({ state: z.string(), host: z.string() }) },
      },
    },
    async (req, reply) => {
      const { pass, host } = selfService.register(req.body, req.ip);
      return reply.code(201).header('cache-control', 'no-store').send({ state: pass.state, host });
    },
  );

  api.get(
    '/v/:token',
    {
      config: { access: 'public', rateLimit: PAGE_RATE },
      schema: {
        tags,
        summary:
          "The visitor's pass page from their message: the QR (SVG) and code, while the pass may open a gate",
        params: z.strictObject({ token: z.string().min(1).max(100) }),
        querystring: LangQuery,
      },
    },
    async (req, reply) => {
      const lang = langOf(req);
      let opened: ReturnType<SelfService['openQr']>;
      try {
        opened = selfService.openQr(req.params.token);
      } catch {
        return html(reply.code(404), qrGonePage(lang));
      }
      const svg = await QRCode.toString(opened.qr, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      const host = s.users.findByName(opened.pass.host)?.displayName ?? opened.pass.host;
      return html(
        reply,
        qrPage({
          lang,
          path: `/v/${req.params.token}`,
          pass: opened.pass,
          host,
          code: opened.code,
          svg,
          show: (ms) => selfService.local(ms).replace('T', ' '),
        }),
      );
    },
  );
}
