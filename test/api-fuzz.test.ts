import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, testHubOptions } from './hub-harness.js';
import { testSiteYaml } from './site-fixtures.js';

/** Field names the API's bodies and queries use, so that generated inputs get past the first check often. */
const KEYS = [
  'username',
  'password',
  'roles',
  'displayName',
  'disabled',
  'name',
  'scopes',
  'expiresInDays',
  'value',
  'reason',
  'currentPassword',
  'newPassword',
  'from',
  'to',
  'limit',
  'before',
  'action',
  'actor',
  'zone',
  'kind',
  'values',
  'outcome',
];
const WORDS = [
  'admin',
  'viewer',
  'engineer',
  'site:read',
  'gate:command',
  'room-1',
  'gate-a/open_cmd',
  'true',
  '1',
  '-1',
  '',
];

const valueArb = fc.oneof(fc.jsonValue(), fc.constantFrom(...WORDS), fc.array(fc.constantFrom(...WORDS)));
const bodyArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), valueArb, { maxKeys: 5 }).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);
const paramArb = fc.oneof(
  fc.constantFrom('1', '2', '999999', 'room-1', 'gate-a', 'env-1', 'open_cmd', 'temp_c', '..', '%2F', '%00'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
);
const queryArb = fc
  .dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...WORDS)), {
    maxKeys: 4,
  })
  .map((q) => new URLSearchParams(q).toString());
const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
);

/** The signed links in messages: pages for a browser (`hub/api/signed-link.ts`), JSON for a script. */
const LINK_PAGES = new Set(['/api/v1/oncall/ack/:token', '/api/v1/passes/link/:token']);

/**
 * Every API route, with generated bodies, params, queries and content types, as an admin (who may call
 * them all): the answer is a 2xx or a problem+json 4xx, never a 5xx, never slow.
 */
describe('API inputs (property-based)', () => {
  let hub: Hub;
  let token: string;
  let ownerId: string;

  beforeAll(async () => {
    const doc = parse(testSiteYaml());
    doc.hub.auth = { loginAttemptsPerMinute: 10_000 };
    hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'fuzz.yaml'), { live: false }));
    await hub.start();
    // the token's owner is an admin of its own, kept out of the user routes' ids below: a generated password
    // reset of its owner would revoke the token (as a reset must), and the rest of the run would be 401s
    const admin = await sessionAs(hub, ['admin'], 'fuzz-admin');
    ownerId = String(
      (await hub.http.inject({ url: '/api/v1/auth/session', headers: admin.headers })).json().user.id,
    );
    token = (
      await hub.http.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { name: 'fuzz' },
        headers: admin.headers,
      })
    ).json().token;
  });
  afterAll(() => hub?.stop());

  it('answers 10,000 generated requests with no 5xx, each a problem+json when refused', async () => {
    const routes = hub.routes.filter((r) => r.url.startsWith('/api/v1/') && r.url !== '/api/v1/auth/logout');
    const statuses = new Map<number, number>();
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        bodyArb,
        fc.array(paramArb, { minLength: 3, maxLength: 3 }),
        queryArb,
        contentTypeArb,
        async (route, body, params, query, contentType) => {
          let i = 0;
          const own = (p: string) => route.url.startsWith('/api/v1/users/') && p === ownerId;
          const url = `${route.url.replace(/:[a-z]+/g, () => {
            const p = params[i++]!;
            return own(p) ? '999999' : p;
          })}${query ? `?${query}` : ''}`;
          const started = performance.now();
          const res = await hub.http.inject({
            method: route.method as 'POST',
            url,
            payload: route.method === 'GET' ? undefined : body,
            headers: {
              authorization: `Bearer ${token}`,
              ...(contentType ? { 'content-type': contentType } : {}),
            },
          });
          slowest = Math.max(slowest, performance.now() - started);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500)
            throw new Error(`${route.method} ${url} ${body} → ${res.statusCode} ${res.body}`);
          const formToLink =
            route.method === 'POST' &&
            contentType === 'application/x-www-form-urlencoded' &&
            LINK_PAGES.has(route.url);
          if (
            res.statusCode >= 400 &&
            formToLink &&
            /^text\/html/.test(String(res.headers['content-type']))
          ) {
            // a signed link's page posts a form: its refusal goes back as a page for that browser
            expect(res.body).toMatch(/^<!doctype html>/i);
          } else if (res.statusCode >= 400) {
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(res.json()).toMatchObject({ status: res.statusCode, title: expect.any(String) });
          }
        },
      ),
      // FUZZ_SEED=<the seed a failure printed> repeats that run
      { numRuns: 10_000, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );
    // the fuzzing got past authentication and reached the handlers, not just the 400s
    expect(statuses.get(401) ?? 0).toBe(0);
    expect([...statuses.entries()].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(
      1_000,
    );
    expect(slowest).toBeLessThan(1_000);
  });
});
