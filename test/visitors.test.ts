import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { qrTagger } from '../domains/visitors/pass-qr.js';
import type { PassView } from '../domains/visitors/pass-types.js';
import { signLink } from '../domains/visitors/privacy.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { writeBatchOf } from '../platform/db/write-batch.js';
import { hookServer } from './hook-server.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PUBLIC_URL = 'https://hub.example.com';
const ID_NUMBER = '3401 0219 9001 0112 3x';
const ID_NORMALISED = '34010219900101123X';
const PHONE = '138-1234-5678';
const PHONE_DIGITS = '13812345678';

/** A site with two visitor gates on an MQTT gate controller, and a webhook for the hosts. */
function siteYaml(dataDir: string, hookUrl: string, visitors = '') {
  return `
site: { id: v1, name: Visitor site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${dataDir}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: gate-ctl, protocol: mqtt }
  - { id: env-1, protocol: mqtt }
assets:
  - id: gate-a
    name: Gate A
    kind: gate
    zone: b1
    device: gate-ctl
    points: [{ name: door_open, type: boolean, kind: state }]
  - id: gate-b
    name: Gate B
    kind: gate
    zone: b1
    device: gate-ctl
    points: [{ name: door_open, type: boolean, kind: state }]
  - id: room-1
    name: Room 1
    kind: env-sensor
    zone: b1
    device: env-1
    points: [{ name: temp_c, unit: degC }]
actions:
  - { id: host-hook, type: webhook, url: '${hookUrl}', retries: 0 }
visitors:
  notify: [host-hook]
  publicUrl: '${PUBLIC_URL}/'
  pass: { maxDays: 2 }
${visitors}
`;
}

/** A visitor notification's body (the hook's `event` header is `visitor.<event>`). */
type VisitorHook = { event: string; visitor: Record<string, unknown> };

type Res = {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: an API response's JSON; each test reads the fields it checks
  json(): any;
};

describe('visitor passes through the API', () => {
  const dataDir = tempDataDir();
  let hook: Awaited<ReturnType<typeof hookServer<VisitorHook>>>;
  let hub: Hub;
  let s: Record<'alice' | 'bob' | 'kiosk' | 'guard' | 'viewer', TestSession>;
  const codes: string[] = [];
  const call = (who: TestSession | undefined, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: who?.headers, payload }) as unknown as Promise<Res>;
  const hookFor = async (passId: number, event: string) => {
    const find = () => hook.hooks.find((h) => h.body.event === event && h.body.visitor.id === passId);
    await waitFor(
      () => find() !== undefined,
      5_000,
      () => `visitor.${event} hook for pass ${passId}`,
    );
    return find()!;
  };

  const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();
  const register = async (extra: object = {}, who = s.kiosk) => {
    const res = await call(who, 'POST', '/api/v1/visitors', {
      name: 'Zhang Wei',
      phone: PHONE,
      idNumber: ID_NUMBER,
      company: 'Acme Ltd',
      host: 'alice',
      purpose: 'Contract meeting',
      validFrom: inHours(1),
      validUntil: inHours(4),
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { pass: PassView; code?: string; qr?: string; actions: string[] };
  };

  beforeAll(async () => {
    hook = await hookServer<VisitorHook>();
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(dataDir, hook.url), 'visitors-site.yaml'), { live: false }),
    );
    await hub.start();
    s = {
      alice: await sessionAs(hub, ['requester'], 'alice'),
      bob: await sessionAs(hub, ['engineer'], 'bob'),
      kiosk: await sessionAs(hub, ['requester'], 'kiosk'),
      guard: await sessionAs(hub, ['security'], 'guard'),
      viewer: await sessionAs(hub, ['viewer'], 'watcher'),
    };
  });
  afterAll(async () => {
    await hub?.stop();
    hook?.server.close();
  });

  it('register → the host is told with a link → approves → the code is shown once → security revokes', async () => {
    const { pass, code, actions } = await register();
    expect(code).toBeUndefined();
    expect(actions).toEqual(['cancel']); // the kiosk registered it; only alice or security decide
    expect(pass).toMatchObject({
      state: 'requested',
      host: 'alice',
      createdBy: 'kiosk',
      visitorName: 'Zhang Wei',
      phoneMasked: '138****5678',
      idMasked: '3401**********123X',
      maxEntries: 1,
      gates: null,
      issued: false,
    });

    const asked = await hookFor(pass.id, 'requested');
    expect(asked.headers['x-hub-event']).toBe('visitor.requested');
    expect(asked.body.visitor.approvalUrl).toMatch(
      new RegExp(`^${PUBLIC_URL}/api/v1/passes/link/[\\w-]+\\.[\\w-]+$`),
    );
    expect(asked.raw).not.toContain(PHONE_DIGITS);
    expect(asked.raw).not.toContain(ID_NORMALISED);

    const approved = await call(s.alice, 'POST', `/api/v1/passes/${pass.id}/approve`, { comment: 'welcome' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.headers['cache-control']).toBe('no-store');
    const issued = approved.json();
    expect(issued.code).toMatch(/^\d{8}$/);
    // the QR carries the code and a 128-bit tag bound to the pass (the gates' offline lists know the tag)
    expect(issued.qr).toBe(`FH2:${issued.code}.${qrTagger(hub.visitors.key)(pass.id, issued.code)}`);
    expect(issued.pass).toMatchObject({ state: 'approved', decidedBy: 'alice', issued: true });
    codes.push(issued.code);
    // the visitor's notification carries the code, once
    expect((await hookFor(pass.id, 'approved')).body.visitor.code).toBe(issued.code);

    // never again: not the pass, not the list, not for security
    for (const who of [s.alice, s.kiosk, s.guard]) {
      const one = await call(who, 'GET', `/api/v1/passes/${pass.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.body).not.toContain(issued.code);
      const list = await call(who, 'GET', '/api/v1/passes');
      expect(list.body).not.toContain(issued.code);
    }
    const again = await call(s.alice, 'POST', `/api/v1/passes/${pass.id}/approve`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ state: 'approved', allowed: ['revoke', 'cancel'] });

    expect((await call(s.guard, 'POST', `/api/v1/passes/${pass.id}/revoke`, {})).statusCode).toBe(400);
    const revoked = await call(s.guard, 'POST', `/api/v1/passes/${pass.id}/revoke`, {
      comment: 'left early',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().pass).toMatchObject({ state: 'revoked', revokedBy: 'guard' });
    expect(revoked.json().actions).toEqual([]);
    await hookFor(pass.id, 'revoked');

    const audit = hub.audit.query({ target: String(pass.id), limit: 10 }).map((e) => [e.action, e.actor]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['pass.registered', 'kiosk'],
        ['pass.approved', 'alice'],
        ['pass.revoked', 'guard'],
      ]),
    );
  });

  it('the host declines with a reason', async () => {
    const { pass } = await register();
    expect((await call(s.alice, 'POST', `/api/v1/passes/${pass.id}/decline`, {})).statusCode).toBe(400);
    const res = await call(s.alice, 'POST', `/api/v1/passes/${pass.id}/decline`, { comment: 'not today' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().pass).toMatchObject({ state: 'declined', decisionComment: 'not today', issued: false });
    expect(res.json().code).toBeUndefined();
    await hookFor(pass.id, 'declined');
  });

  it('the host decides through the signed link, without logging in; a forged or expired link is refused', async () => {
    const { pass } = await register({ name: '<b>Li</b> "Na"' });
    const url = (await hookFor(pass.id, 'requested')).body.visitor.approvalUrl as string;
    const path = url.slice(PUBLIC_URL.length);
    const token = path.split('/').at(-1)!;

    const shown = await call(undefined, 'GET', path);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toMatchObject({
      pass: { id: pass.id, state: 'requested', visitorName: '<b>Li</b> "Na"', phoneMasked: '138****5678' },
      choices: ['approve', 'decline'],
    });
    expect(shown.body).not.toContain('idMasked');
    const page = await hub.http.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('&lt;b&gt;Li&lt;/b&gt; &quot;Na&quot;');
    expect(page.body).not.toContain('<b>Li</b>');
    expect(page.body).toContain('<button name="decision" value="approve">');

    const [body, mac] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, pass: 1 })).toString('base64url');
    const tampered = await call(undefined, 'POST', `/api/v1/passes/link/${forged}.${mac}`, {
      decision: 'approve',
    });
    expect(tampered.statusCode).toBe(403);
    const stale = signLink(hub.visitors.key, { pass: pass.id }, Date.now() - 1);
    const expired = await call(undefined, 'POST', `/api/v1/passes/link/${stale}`, { decision: 'approve' });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().detail).toContain('expired');
    expect((await call(undefined, 'GET', '/api/v1/passes/link/garbage')).statusCode).toBe(400);
    expect(hub.visitors.passes.get(pass.id)?.state).toBe('requested');

    const decided = await call(undefined, 'POST', path, { decision: 'approve' });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json().code).toMatch(/^\d{8}$/);
    expect(decided.json().pass.state).toBe('approved');
    codes.push(decided.json().code);
    expect((await call(undefined, 'POST', path, { decision: 'decline' })).statusCode).toBe(409);
    const entry = hub.audit.query({ action: 'pass.approved', target: String(pass.id), limit: 1 })[0];
    expect(entry).toMatchObject({ actor: 'alice', via: 'system', detail: 'signed link' });

    // the page's form (no script): urlencoded in, a page with the code out
    const second = (await register()).pass;
    const link = (await hookFor(second.id, 'requested')).body.visitor.approvalUrl as string;
    const form = await hub.http.inject({
      method: 'POST',
      url: link.slice(PUBLIC_URL.length),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=approve',
    });
    expect(form.statusCode, form.body).toBe(200);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    const code = /class="code">(\d{8})</.exec(form.body)?.[1];
    expect(code).toMatch(/^\d{8}$/);
    codes.push(code!);
  });

  it('hosts and registrants see their passes, others nothing, security everything', async () => {
    const { pass } = await register();
    const ids = async (who: TestSession) =>
      ((await call(who, 'GET', '/api/v1/passes?limit=500')).json().passes as { id: number }[]).map(
        (p) => p.id,
      );
    expect(await ids(s.alice)).toContain(pass.id);
    expect(await ids(s.kiosk)).toContain(pass.id);
    expect(await ids(s.guard)).toContain(pass.id);
    expect(await ids(s.bob)).toEqual([]);
    expect((await call(s.bob, 'GET', `/api/v1/passes/${pass.id}`)).statusCode).toBe(404);
    expect((await call(s.bob, 'POST', `/api/v1/passes/${pass.id}/approve`, {})).statusCode).toBe(404);
    expect((await call(s.kiosk, 'POST', `/api/v1/passes/${pass.id}/approve`, {})).statusCode).toBe(403);
    expect((await call(s.viewer, 'GET', '/api/v1/passes')).statusCode).toBe(403);
    const filtered = await call(s.guard, 'GET', '/api/v1/passes?state=requested&host=alice&limit=500');
    expect(
      filtered
        .json()
        .passes.every((p: { state: string; host: string }) => p.state === 'requested' && p.host === 'alice'),
    ).toBe(true);
    // the registrant cancels before the window
    const cancelled = await call(s.kiosk, 'POST', `/api/v1/passes/${pass.id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().pass.state).toBe('cancelled');
  });

  it('refuses a registration with a long window, an unknown host or gate, a bad time', async () => {
    const post = (extra: object) =>
      call(s.kiosk, 'POST', '/api/v1/visitors', {
        name: 'A',
        phone: PHONE,
        host: 'alice',
        purpose: 'x',
        validFrom: inHours(1),
        validUntil: inHours(4),
        ...extra,
      });
    const detail = async (extra: object) => {
      const res = await post(extra);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().detail as string;
    };
    expect(await detail({ validUntil: inHours(1 + 49) })).toBe(
      'the window is longer than 2 day(s) (visitors.pass.maxDays)',
    );
    expect(await detail({ host: 'nobody' })).toBe('no active user "nobody" to be the host');
    expect(await detail({ gates: ['gate-a', 'room-1'] })).toContain('no visitor gate "room-1"');
    expect(await detail({ gates: ['gate-z'] })).toBe('no visitor gate "gate-z"; gates: gate-a, gate-b');
    expect(await detail({ validUntil: inHours(0.5) })).toBe('validUntil must be after validFrom');
    expect(await detail({ validFrom: inHours(-5), validUntil: inHours(-4) })).toBe(
      'the window is already over',
    );
    const bad = await post({ validFrom: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toContain('validFrom');
    const ok = await post({
      gates: ['gate-b'],
      maxEntries: 0,
      validFrom: Date.now(),
      validUntil: Date.now() + HOUR,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().pass).toMatchObject({ gates: ['gate-b'], maxEntries: 0, idMasked: null });
  });

  it('exports masked visitor records as CSV for security only, audited', async () => {
    expect((await call(s.alice, 'GET', '/api/v1/visitors/export.csv')).statusCode).toBe(403);
    const res = await call(s.guard, 'GET', `/api/v1/visitors/export.csv?from=${Date.now() - DAY}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = res.body.trimEnd().split('\r\n');
    expect(header).toBe(
      'pass_id,state,visitor_name,company,phone_masked,id_masked,host,purpose,valid_from,valid_until,max_entries,entries_used,gates,registered_at,registered_by,decided_at,decided_by,revoked_at,revoked_by',
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(res.body).toContain('138****5678');
    expect(res.body).toContain('3401**********123X');
    expect(res.body).toContain('"<b>Li</b> ""Na"""');
    expect(res.body).not.toContain(PHONE_DIGITS);
    expect(res.body).not.toMatch(/[0-9a-f]{64}/);
    expect(hub.audit.query({ action: 'visitors.exported', limit: 1 })[0]?.actor).toBe('guard');
  });

  it('never stores an ID number, a full phone or a pass code', () => {
    expect(codes.length).toBe(3);
    writeBatchOf(hub.db).commit(); // the hub's group commit may hold the last 10 ms of rows open
    hub.db.pragma('wal_checkpoint(TRUNCATE)');
    const files = ['hub.db', 'hub.db-wal'].map((f) => join(dataDir, f)).filter((f) => existsSync(f));
    const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(bytes).toContain('138****5678'); // the file is readable as text: the search would find them
    for (const secret of [ID_NORMALISED, ID_NUMBER, '34010219900101123x', PHONE_DIGITS, PHONE, ...codes])
      expect(bytes.includes(secret), secret).toBe(false);
  });
});

describe('the retention purge', () => {
  const T0 = Date.UTC(2026, 2, 2, 9, 0);

  it('erases personal fields hourly once a record passes visitors.retentionDays', async () => {
    const hook = await hookServer<VisitorHook>();
    const clock = new ManualClock(T0);
    const dataDir = tempDataDir();
    const site = parseSiteText(siteYaml(dataDir, hook.url, '  retentionDays: 1'), 'purge-site.yaml');
    const hub = await buildHub(testHubOptions(site, { clock, live: false }));
    try {
      await hub.start();
      const kiosk = await sessionAs(hub, ['requester'], 'kiosk');
      await sessionAs(hub, ['requester'], 'alice');
      const reg = async (untilMs: number) => {
        const res = await hub.http.inject({
          method: 'POST',
          url: '/api/v1/visitors',
          headers: kiosk.headers,
          payload: {
            name: 'Short Stay',
            phone: PHONE,
            idNumber: ID_NUMBER,
            host: 'alice',
            purpose: 'Delivery',
            validFrom: T0 + 10 * MIN,
            validUntil: untilMs,
          },
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().pass.id as number;
      };
      const short = await reg(T0 + 2 * HOUR);
      const long = await reg(T0 + DAY + 2 * HOUR); // its pass may still open a gate after a day
      const passes = hub.visitors.passes;
      passes.approve(long, { username: 'alice', permissions: new Set(), via: 'session' });

      clock.advance(DAY - MIN);
      expect(passes.get(short)?.visitorName).toBe('Short Stay');
      clock.advance(HOUR + MIN); // the hourly purge runs
      expect(passes.get(short)).toMatchObject({ visitorName: 'erased', phoneMasked: null, idMasked: null });
      expect(passes.get(long)?.visitorName).toBe('Short Stay');
      const raw = hub.db.prepare('SELECT * FROM visitors').all() as Record<string, unknown>[];
      expect(raw.filter((v) => v.id_hash === null && v.phone_hash === null)).toHaveLength(1);

      clock.advance(2 * HOUR); // its window is over: erased at the next hourly run
      expect(passes.get(long)).toMatchObject({ visitorName: 'erased', issued: false });
      expect(hub.audit.query({ action: 'visitors.purged', limit: 5 })).toHaveLength(2);
      // erased from the file too, not only from queries
      writeBatchOf(hub.db).commit(); // the hub's group commit may hold the last 10 ms of rows open
      hub.db.pragma('wal_checkpoint(TRUNCATE)');
      expect(readFileSync(join(dataDir, 'hub.db')).toString('latin1')).not.toContain('Short Stay');
    } finally {
      await hub.stop();
      hook.server.close();
    }
  });
});
