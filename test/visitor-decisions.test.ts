import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PassView } from '../domains/visitors/pass-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

/**
 * Who may decide on a visitor's pass beyond the host-or-security table: nobody approves a visitor they
 * registered as their own host (unless visitors.pass.selfHostAllowed), and a kiosk (visitors.kiosks) never
 * decides, whatever its roles or its token's scopes.
 */

const HOUR = 3_600_000;

function siteYaml(dataDir: string, visitors = '') {
  return `
site: { id: v2, name: Visitor decisions, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${dataDir}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: gate-ctl, protocol: mqtt }
assets:
  - { id: gate-a, name: Gate A, kind: gate, zone: b1, device: gate-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
visitors:
  publicUrl: 'https://hub.example.com'
${visitors}
`;
}

type Res = {
  statusCode: number;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: an API response's JSON; each test reads the fields it checks
  json(): any;
};
type Caller = TestSession | { headers: Record<string, string> };

async function visitorHub(visitors = '') {
  const hub: Hub = await buildHub(
    testHubOptions(parseSiteText(siteYaml(tempDataDir(), visitors), 'decisions.yaml'), { live: false }),
  );
  await hub.start();
  const call = (who: Caller | undefined, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: who?.headers, payload }) as unknown as Promise<Res>;
  const register = async (who: Caller, host: string) => {
    const res = await call(who, 'POST', '/api/v1/visitors', {
      name: 'Zhang Wei',
      phone: '13812345678',
      host,
      purpose: 'Meeting',
      validFrom: Date.now() + HOUR,
      validUntil: Date.now() + 4 * HOUR,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { pass: PassView; actions: string[] };
  };
  const decide = (who: Caller | undefined, id: number, action: string, comment = 'because') =>
    call(who, 'POST', `/api/v1/passes/${id}/${action}`, { comment });
  return { hub, call, register, decide };
}

describe('a registrant is not their own approving host (the default)', () => {
  let v: Awaited<ReturnType<typeof visitorHub>>;
  let s: Record<'alice' | 'guard' | 'guard2', TestSession>;
  beforeAll(async () => {
    v = await visitorHub();
    s = {
      alice: await sessionAs(v.hub, ['requester'], 'alice'),
      guard: await sessionAs(v.hub, ['security'], 'guard'),
      guard2: await sessionAs(v.hub, ['security'], 'guard-2'),
    };
  });
  afterAll(() => v?.hub.stop());

  it('alice registers her own visitor: she may not approve it (403), security may', async () => {
    const { pass, actions } = await v.register(s.alice, 'alice');
    expect(pass).toMatchObject({ state: 'requested', host: 'alice', createdBy: 'alice' });
    expect(actions).toEqual(['decline', 'cancel']); // no approve on offer
    const self = await v.decide(s.alice, pass.id, 'approve');
    expect(self.statusCode, self.body).toBe(403);
    expect(self.json().detail).toBe(
      `alice registered this visitor as their own host: someone else (security, passes:manage) approves pass ${pass.id} (visitors.pass.selfHostAllowed)`,
    );
    // nor through her signed approval link, which acts as her
    const { token } = v.hub.visitors.passes.approvalLink(pass);
    // the link offers her only the decline, as JSON and as the page a browser opens
    const offered = await v.call(undefined, 'GET', `/api/v1/passes/link/${token}`);
    expect(offered.json().choices).toEqual(['decline']);
    const page = await v.hub.http.inject({
      url: `/api/v1/passes/link/${token}`,
      headers: { accept: 'text/html' },
    });
    expect(page.body).toContain('value="decline"');
    expect(page.body).not.toContain('value="approve"');
    expect(page.body).toContain('someone else (security) approves');
    const byLink = await v.call(undefined, 'POST', `/api/v1/passes/link/${token}`, { decision: 'approve' });
    expect(byLink.statusCode, byLink.body).toBe(403);
    expect(v.hub.visitors.passes.get(pass.id)?.state).toBe('requested');

    const approved = await v.decide(s.guard, pass.id, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().pass).toMatchObject({ state: 'approved', decidedBy: 'guard' });
  });

  it('passes:manage does not make it one’s own decision: a guard hosting their own visitor needs another', async () => {
    const { pass } = await v.register(s.guard, 'guard');
    expect((await v.decide(s.guard, pass.id, 'approve')).statusCode).toBe(403);
    expect((await v.decide(s.guard2, pass.id, 'approve')).statusCode).toBe(200);
  });

  it('declining one’s own request stays possible', async () => {
    const { pass } = await v.register(s.alice, 'alice');
    const declined = await v.decide(s.alice, pass.id, 'decline', 'meeting moved');
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json().pass.state).toBe('declined');
  });
});

describe('visitors.pass.selfHostAllowed: true', () => {
  let v: Awaited<ReturnType<typeof visitorHub>>;
  beforeAll(async () => {
    v = await visitorHub('  pass: { selfHostAllowed: true }');
  });
  afterAll(() => v?.hub.stop());

  it('a host registers and approves their own visitor', async () => {
    const alice = await sessionAs(v.hub, ['requester'], 'alice');
    const { pass, actions } = await v.register(alice, 'alice');
    expect(actions).toEqual(['approve', 'decline', 'cancel']);
    const approved = await v.decide(alice, pass.id, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().code).toMatch(/^\d{8}$/);
  });
});

describe('a kiosk (visitors.kiosks) never decides', () => {
  let v: Awaited<ReturnType<typeof visitorHub>>;
  let alice: TestSession;
  let kiosk: { headers: Record<string, string> };
  beforeAll(async () => {
    v = await visitorHub('  kiosks: [lobby-kiosk]');
    alice = await sessionAs(v.hub, ['requester'], 'alice');
    // the worst case: the kiosk's account holds security's role, and its token every pass scope
    const owner = await sessionAs(v.hub, ['security'], 'lobby-kiosk');
    const token = await v.call(owner, 'POST', '/api/v1/tokens', {
      name: 'lobby kiosk',
      scopes: ['passes:register', 'passes:manage'],
    });
    expect(token.statusCode, token.body).toBe(201);
    kiosk = { headers: { authorization: `Bearer ${token.json().token}` } };
  });
  afterAll(() => v?.hub.stop());

  it('its token registers and cancels, and may not approve, decline or revoke, even with passes:manage', async () => {
    const { pass, actions } = await v.register(kiosk, 'alice');
    expect(pass.createdBy).toBe('lobby-kiosk');
    expect(actions).toEqual(['cancel']);
    for (const action of ['approve', 'decline']) {
      const res = await v.decide(kiosk, pass.id, action);
      expect(res.statusCode, `${action}: ${res.body}`).toBe(403);
      expect(res.json().detail).toBe(
        `lobby-kiosk is a kiosk (visitors.kiosks): kiosks register visitors and never ${action} a pass`,
      );
    }
    expect((await v.decide(alice, pass.id, 'approve')).statusCode).toBe(200); // its host decides
    expect((await v.decide(kiosk, pass.id, 'revoke')).statusCode).toBe(403);

    const another = (await v.register(kiosk, 'alice')).pass;
    const cancelled = await v.call(kiosk, 'POST', `/api/v1/passes/${another.id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
  });

  it('a kiosk cannot be the host (it could never decide)', async () => {
    const res = await v.call(kiosk, 'POST', '/api/v1/visitors', {
      name: 'Li Na',
      phone: '13812345678',
      host: 'lobby-kiosk',
      purpose: 'Delivery',
      validFrom: Date.now() + HOUR,
      validUntil: Date.now() + 2 * HOUR,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().detail).toBe(
      '"lobby-kiosk" is a kiosk (visitors.kiosks) and cannot be a visitor\'s host',
    );
  });
});
