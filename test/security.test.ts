import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SYSTEM } from '../core/actor.js';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  connectDevice,
  login,
  sessionAs,
  TEST_ADMIN,
  type TestSession,
  tempDataDir,
  testHubOptions,
} from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/** The test site with changes to its `hub` section. */
function site(hub: Record<string, unknown> = {}, opts: Parameters<typeof testSiteYaml>[0] = {}) {
  const doc = parse(testSiteYaml(opts));
  doc.hub = { ...doc.hub, ...hub };
  return parseSiteText(stringify(doc), 'security-site.yaml');
}

describe('first start', () => {
  it('creates the admin with a generated password, once, and refuses a weak HUB_ADMIN_PASSWORD', async () => {
    const dataDir = tempDataDir();
    const first = await buildHub(testHubOptions(site({}, { dataDir }), { admin: {}, live: false }));
    await first.start();
    const generated = first.firstAdmin?.generatedPassword;
    expect(first.firstAdmin?.username).toBe('admin');
    expect(generated).toMatch(/^\w{20}$/);
    await login(first, 'admin', generated!);
    expect(first.audit.query({ action: 'user.created', limit: 5 })[0]).toMatchObject({
      actor: 'system',
      target: 'admin',
      detail: 'first start, generated password',
    });
    await first.stop();

    const again = await buildHub(testHubOptions(site({}, { dataDir }), { admin: {}, live: false }));
    await again.start();
    expect(again.firstAdmin).toBeUndefined();
    await login(again, 'admin', generated!);
    await again.stop();

    const weak = await buildHub(testHubOptions(site(), { admin: { password: 'short' }, live: false }));
    await expect(weak.start()).rejects.toThrow('HUB_ADMIN_PASSWORD: expected at least 10 characters');
    await weak.stop();
  });
});

describe('logins, sessions, CSRF, tokens', () => {
  let hub: Hub;
  let clock: ManualClock;
  let admin: TestSession;
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    hub.http.inject({ method: 'POST', url, payload: payload as object, headers });
  const get = (url: string, headers: Record<string, string> = {}) =>
    hub.http.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 10, 24, 9, 0, 0));
    hub = await buildHub(
      testHubOptions(
        site({ auth: { lockoutAttempts: 3, lockoutMinutes: 15, loginAttemptsPerMinute: 1000 } }),
        {
          clock,
          live: false,
        },
      ),
    );
    await hub.start();
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
  });
  afterAll(() => hub?.stop());

  it('a login sets an http-only, same-site session cookie; wrong and unknown users get the same answer', async () => {
    const ok = await post('/api/v1/auth/login', TEST_ADMIN);
    expect(ok.statusCode).toBe(200);
    expect(String(ok.headers['set-cookie'])).toMatch(
      /^hub_session=[\w-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(ok.json()).toMatchObject({ user: { username: 'admin', roles: ['admin'] }, via: 'session' });
    expect(ok.json().permissions).toContain('users:manage');
    expect(JSON.stringify(ok.json())).not.toContain('scrypt');

    const wrong = await post('/api/v1/auth/login', { username: 'admin', password: 'nope-nope-nope' });
    const unknown = await post('/api/v1/auth/login', { username: 'nobody', password: 'nope-nope-nope' });
    for (const r of [wrong, unknown]) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.json().detail).toBe('wrong username or password');
    }
    const failures = hub.audit.query({ action: 'login.failed', limit: 10 });
    // an unknown name is not stored as typed (it may be a password typed in the wrong field)
    expect(failures.map((f) => [f.actor, f.target, f.detail, f.ip])).toEqual([
      ['anonymous', expect.stringMatching(/^unknown user #[0-9a-f]{8}$/), 'unknown user', '127.0.0.1'],
      ['admin', 'admin', 'wrong password', '127.0.0.1'],
    ]);
    // one success resets the count: the wrong password above does not count towards a lock-out later
    await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
  });

  it('a name that keeps failing from one address waits longer each time, until it expires or an admin unlocks it', async () => {
    const tech = await sessionAs(hub, ['technician']);
    const attempt = (password: string) => post('/api/v1/auth/login', { username: tech.username, password });
    expect((await attempt('bad-password-1')).statusCode).toBe(401);
    expect((await attempt('bad-password-2')).statusCode).toBe(401);
    expect((await attempt('bad-password-3')).statusCode).toBe(401);
    const waiting = await attempt('bad-password-4');
    expect(waiting.statusCode).toBe(429);
    expect(waiting.headers['retry-after']).toBe('1');
    expect(waiting.json().detail).toBe(
      'too many failed logins for this name from this address; try again in 1 s',
    );
    // the right password is not even checked while the pair waits
    expect((await attempt(tech.password)).statusCode).toBe(429);
    expect(hub.audit.query({ action: 'login.throttled', limit: 1 })[0]).toMatchObject({
      target: tech.username,
      after: { failures: 3, waitS: 1 },
    });

    clock.advance(1_000);
    expect((await attempt('bad-password-5')).statusCode).toBe(401);
    expect((await attempt(tech.password)).headers['retry-after']).toBe('2'); // doubled
    clock.advance(2_000);
    expect((await attempt(tech.password)).statusCode).toBe(200);

    for (let i = 0; i < 3; i++) await attempt(`bad-again-${i}`);
    expect((await attempt(tech.password)).statusCode).toBe(429);
    const id = hub.auth.users.findByName(tech.username)!.id;
    const unlock = await post(`/api/v1/users/${id}/unlock`, {}, admin.headers);
    expect(unlock.statusCode).toBe(200);
    expect(hub.audit.query({ action: 'user.unlocked', limit: 1 })[0]).toMatchObject({
      target: tech.username,
      before: { addresses: 1 },
    });
    expect((await attempt(tech.password)).statusCode).toBe(200);
  });

  it('a session cookie needs the CSRF token on writes; an API token does not', async () => {
    const body = { name: 'csrf-check' };
    const noCsrf = await post('/api/v1/tokens', body, { cookie: admin.cookie });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().detail).toMatch(/x-csrf-token/);
    expect(
      (await post('/api/v1/tokens', body, { cookie: admin.cookie, 'x-csrf-token': 'guess' })).statusCode,
    ).toBe(403);
    // another session's token is not this session's token
    const other = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    expect(
      (await post('/api/v1/tokens', body, { cookie: admin.cookie, 'x-csrf-token': other.csrf })).statusCode,
    ).toBe(403);
    const created = await post('/api/v1/tokens', body, admin.headers);
    expect(created.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${created.json().token}` };
    expect(
      (await post('/api/v1/users', { username: 'via-token', roles: ['viewer'] }, bearer)).statusCode,
    ).toBe(201);
    // reads need no CSRF token
    expect((await get('/api/v1/site', { cookie: admin.cookie })).statusCode).toBe(200);
  });

  it('API tokens: scoped to a subset of the owner, shown once, revocable, never able to mint tokens', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const beyond = await post('/api/v1/tokens', { name: 'x', scopes: ['users:manage'] }, eng.headers);
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json().detail).toBe('your roles do not grant users:manage');

    const made = await post(
      '/api/v1/tokens',
      { name: 'bms export', scopes: ['site:read'], expiresInDays: 30 },
      eng.headers,
    );
    expect(made.statusCode).toBe(201);
    const { token, id } = made.json();
    expect(token).toMatch(new RegExp(`^fh_${id}_[\\w-]{32}$`));
    const bearer = { authorization: `Bearer ${token}` };
    expect((await get('/api/v1/site', bearer)).statusCode).toBe(200);
    // the owner may write setpoints; this token may not
    const write = await post('/api/v1/points/ahu-1%2Fsupply_temp_sp_c/command', { value: 21 }, bearer);
    expect(write.statusCode).toBe(403);
    expect((await post('/api/v1/tokens', { name: 'child' }, bearer)).statusCode).toBe(403);
    // the list never shows the secret
    const list = (await get('/api/v1/tokens', eng.headers)).json();
    expect(list).toEqual([expect.objectContaining({ id, name: 'bms export', scopes: ['site:read'] })]);
    expect(JSON.stringify(list)).not.toContain(token.slice(-32));

    const revoke = await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: eng.headers,
    });
    expect(revoke.json().revokedAt).toBe(clock.now());
    expect((await get('/api/v1/site', bearer)).statusCode).toBe(401);
    expect(hub.audit.query({ target: id, limit: 5 }).map((e) => e.action)).toEqual([
      'token.revoked',
      'token.created',
    ]);
    // a token that expires
    const short = (await post('/api/v1/tokens', { name: 'day', expiresInDays: 1 }, eng.headers)).json();
    expect((await get('/api/v1/site', { authorization: `Bearer ${short.token}` })).statusCode).toBe(200);
    clock.advance(86_400_000);
    expect((await get('/api/v1/site', { authorization: `Bearer ${short.token}` })).statusCode).toBe(401);
    expect((await get('/api/v1/site', { authorization: 'Bearer fh_nonsense' })).statusCode).toBe(401);
  });

  it('names the hub acts under itself (rules, system) cannot be taken by a user', async () => {
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    for (const username of ['rules', 'system']) {
      const res = await post('/api/v1/users', { username, roles: ['engineer'] }, admin.headers);
      expect(res.statusCode).toBe(409);
      expect(res.json().detail).toMatch(/a name the hub uses for itself/);
    }
  });

  it('disabling a user ends their sessions and tokens at once; the last admin cannot be removed', async () => {
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password); // the clock has moved past its idle time
    const viewer = await sessionAs(hub, ['viewer']);
    const tok = (await post('/api/v1/tokens', { name: 'v' }, viewer.headers)).json().token;
    const id = hub.auth.users.findByName(viewer.username)!.id;
    const patch = await hub.http.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      payload: { disabled: true },
      headers: admin.headers,
    });
    expect(patch.statusCode).toBe(200);
    expect((await get('/api/v1/site', viewer.headers)).statusCode).toBe(401);
    expect((await get('/api/v1/site', { authorization: `Bearer ${tok}` })).statusCode).toBe(401);
    expect(
      (await post('/api/v1/auth/login', { username: viewer.username, password: viewer.password })).statusCode,
    ).toBe(401);

    const adminId = hub.auth.users.findByName('admin')!.id;
    const demote = await hub.http.inject({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      payload: { roles: ['viewer'] },
      headers: admin.headers,
    });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().detail).toMatch(/last enabled admin/);
    const self = await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/users/${adminId}`,
      headers: admin.headers,
    });
    expect(self.statusCode).toBe(409);
    const dup = await post('/api/v1/users', { username: 'ADMIN', roles: ['viewer'] }, admin.headers);
    expect(dup.statusCode).toBe(400); // ids are lower-case
    const dup2 = await post('/api/v1/users', { username: 'admin', roles: ['viewer'] }, admin.headers);
    expect(dup2.statusCode).toBe(409);
  });

  it('changing one’s password checks the current one and the policy, and ends the other sessions', async () => {
    const user = await sessionAs(hub, ['dispatcher']);
    const second = await login(hub, user.username, user.password);
    const change = (currentPassword: string, newPassword: string) =>
      post('/api/v1/auth/password', { currentPassword, newPassword }, user.headers);
    expect((await change('wrong-current-pw', 'a-new-password-1')).statusCode).toBe(403);
    const short = await change(user.password, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json().detail).toBe('newPassword: expected at least 10 characters');
    expect((await change(user.password, `${user.username}-is-my-pw`)).json().detail).toBe(
      'newPassword: must not contain the username',
    );
    expect((await change(user.password, 'a-new-password-1')).statusCode).toBe(204);
    expect((await get('/api/v1/auth/session', user.headers)).statusCode).toBe(200);
    expect((await get('/api/v1/auth/session', second.headers)).statusCode).toBe(401);
    await login(hub, user.username, 'a-new-password-1');
  });

  it('sessions end after the idle time, and logging out ends one at once', async () => {
    const user = await sessionAs(hub, ['viewer']);
    clock.advance(11 * 3_600_000);
    expect((await get('/api/v1/auth/session', user.headers)).statusCode).toBe(200);
    clock.advance(12 * 3_600_000 + 1);
    expect((await get('/api/v1/auth/session', user.headers)).statusCode).toBe(401);

    const again = await login(hub, user.username, user.password);
    const out = await post('/api/v1/auth/logout', {}, again.headers);
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^hub_session=; Max-Age=0/);
    expect((await get('/api/v1/site', again.headers)).statusCode).toBe(401);
  });
});

describe('commands and the audit trail', () => {
  let hub: Hub;
  let mqttPort: number;

  beforeAll(async () => {
    mqttPort = await freePort();
    hub = await buildHub(testHubOptions(site({}, { mqttPort }), { live: false }));
    await hub.start();
  });
  afterAll(() => hub?.stop());

  it('a gate command by security staff reaches the gate and is audited with who, when, where, before and after', async () => {
    const gate = await connectDevice(hub, mqttPort, 'gate-ctl');
    const received = new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) =>
      gate.on('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString()) })),
    );
    await gate.subscribeAsync('site/t1/gate-a/command');
    const guard = await sessionAs(hub, ['security'], 'guard-wang');
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/points/gate-a/open_cmd/command',
      payload: { value: true, reason: 'visitor without a pass, approved by phone' },
      headers: { ...guard.headers, 'x-forwarded-for': '10.1.2.3' },
      remoteAddress: '192.168.10.7',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ pointId: 'gate-a/open_cmd', value: true, previous: null });
    expect(await received).toMatchObject({
      topic: 'site/t1/gate-a/command',
      body: { point: 'open_cmd', value: true },
    });
    const [entry] = hub.audit.query({ action: 'gate.command', limit: 1 });
    expect(entry).toMatchObject({
      actor: 'guard-wang',
      via: 'session',
      ip: '192.168.10.7', // X-Forwarded-For is ignored unless hub.http.trustProxy is set
      target: 'gate-a/open_cmd',
      outcome: 'ok',
      before: { value: null },
      after: { value: true },
      detail: 'reason: visitor without a pass, approved by phone',
    });
    expect(Math.abs(entry!.ts - Date.now())).toBeLessThan(5_000);
    await gate.endAsync();
  });

  it('the wrong role is refused and audited; a bad value is refused before the device sees it', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const guard = await sessionAs(hub, ['security']);
    const open = (headers: Record<string, string>) =>
      hub.http.inject({
        method: 'POST',
        url: '/api/v1/points/gate-a%2Fopen_cmd/command',
        payload: { value: true },
        headers,
      });
    const denied = await open(eng.headers);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toBe('writing gate-a/open_cmd needs the permission gate:command');
    expect(hub.audit.query({ action: 'gate.command', outcome: 'denied', limit: 1 })[0]).toMatchObject({
      actor: eng.username,
      detail: 'needs gate:command',
    });
    const setpoint = (headers: Record<string, string>, value: unknown) =>
      hub.http.inject({
        method: 'POST',
        url: '/api/v1/points/ahu-1/supply_temp_sp_c/command',
        payload: { value },
        headers,
      });
    expect((await setpoint(guard.headers, 21)).statusCode).toBe(403);
    const tooHot = await setpoint(eng.headers, 95);
    expect(tooHot.statusCode).toBe(400);
    expect(tooHot.json().detail).toBe("value: 95 is above the point's maximum 30");
    expect((await setpoint(eng.headers, 'warm')).json().detail).toBe('value: expected a number, got "warm"');
    const notCommand = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/points/room-1/temp_c/command',
      payload: { value: 20 },
      headers: eng.headers,
    });
    expect(notCommand.statusCode).toBe(409);
    // a device that is not connected: the write fails, is reported and audited as failed
    const ok = await setpoint(eng.headers, 21.5);
    expect(ok.statusCode).toBe(200); // MQTT publishes to the broker whether or not the AHU listens
    expect(hub.audit.query({ action: 'setpoint.write', limit: 1 })[0]).toMatchObject({
      actor: eng.username,
      outcome: 'ok',
      after: { value: 21.5 },
    });
    // a viewer never reaches the command service: the route itself refuses, and the attempt is audited
    const viewer = await sessionAs(hub, ['viewer']);
    expect((await open(viewer.headers)).statusCode).toBe(403);
    expect(hub.audit.query({ action: 'access.denied', limit: 1 })[0]).toMatchObject({
      actor: viewer.username,
      target: 'POST /api/v1/points/:id/command',
      detail: 'needs setpoint:write or gate:command',
    });
  });

  it('the audit log is append-only and tamper-evident, and admins query it', async () => {
    const admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    const viewer = await sessionAs(hub, ['viewer']);
    expect((await hub.http.inject({ url: '/api/v1/audit', headers: viewer.headers })).statusCode).toBe(403);
    const page = await hub.http.inject({
      url: '/api/v1/audit?action=login.&limit=2',
      headers: admin.headers,
    });
    expect(page.json().entries).toHaveLength(2);
    expect(page.json().entries.every((e: { action: string }) => e.action.startsWith('login.'))).toBe(true);
    const next = await hub.http.inject({
      url: `/api/v1/audit?action=login.&limit=2&before=${page.json().next}`,
      headers: admin.headers,
    });
    expect(next.json().entries[0].id).toBeLessThan(page.json().entries[1].id);

    expect(
      (await hub.http.inject({ url: '/api/v1/audit/verify', headers: admin.headers })).json(),
    ).toMatchObject({
      ok: true,
    });
    expect(() => hub.db.prepare("UPDATE audit_log SET actor = 'someone-else'").run()).toThrow(
      'the audit log is append-only',
    );
    expect(() => hub.db.prepare('DELETE FROM audit_log').run()).toThrow('the audit log is append-only');
    // someone with the database file and a sqlite shell can drop the trigger; the chain still tells
    const victim = hub.audit.query({ action: 'gate.command', limit: 1 })[0]!;
    hub.db.exec('DROP TRIGGER audit_no_update');
    hub.db.prepare("UPDATE audit_log SET actor = 'nobody' WHERE id = ?").run(victim.id);
    expect(
      (await hub.http.inject({ url: '/api/v1/audit/verify', headers: admin.headers })).json(),
    ).toMatchObject({
      ok: false,
      firstBadId: victim.id,
    });
  });
});

describe('the site file as configuration', () => {
  it('a changed site file is audited at the next start with the paths that changed', async () => {
    const dataDir = tempDataDir();
    const doc = parse(testSiteYaml({ dataDir }));
    const start = async () => {
      const hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'site.yaml'), { live: false }));
      await hub.start();
      return hub;
    };
    let hub = await start();
    expect(hub.audit.query({ action: 'config.', limit: 5 }).map((e) => e.action)).toEqual(['config.loaded']);
    await hub.stop();
    hub = await start(); // unchanged: nothing new
    expect(hub.audit.query({ action: 'config.', limit: 5 })).toHaveLength(1);
    await hub.stop();
    doc.assets[0].points[0].max = 45;
    doc.assets.push({
      id: 'room-9',
      name: 'Room 9',
      kind: 'env-sensor',
      zone: 'b1-f1',
      points: [{ name: 'temp_c' }],
    });
    hub = await start();
    const [changed] = hub.audit.query({ action: 'config.changed', limit: 1 });
    expect(changed).toMatchObject({ actor: 'site-file', via: 'system' });
    expect((changed!.after as { changes: string[] }).changes).toEqual([
      'assets[room-1].points[temp_c].max: 60 → 45',
      'assets[room-9]: added',
    ]);
    await hub.stop();
  });
});

describe('hardened HTTP', () => {
  let hub: Hub;
  let logged = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += chunk;
        done();
      },
    });
    hub = await buildHub(
      testHubOptions(site({ http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 4096 } }), {
        live: false,
        log: pino({ level: 'trace' }, sink),
      }),
    );
    await hub.start();
  });
  afterAll(() => hub?.stop());

  it('sends security headers, no CORS headers, and refuses oversize bodies', async () => {
    const res = await hub.http.inject({ url: '/' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    const preflight = await hub.http.inject({
      method: 'OPTIONS',
      url: '/api/v1/site',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    const big = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { username: 'x', roles: ['viewer'], displayName: 'y'.repeat(5000) },
      headers: admin.headers,
    });
    expect(big.statusCode).toBe(413);
  });

  it('rate-limits logins per client address, whatever the username', async () => {
    let n = 0;
    const attempt = (remoteAddress: string) =>
      hub.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        // a different name each time: spraying, which the per-name throttle does not see
        payload: { username: `nobody-${++n}`, password: 'guess-guess-guess' },
        remoteAddress,
      });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await attempt('10.9.9.9')).statusCode);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const limited = await attempt('10.9.9.9');
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await attempt('10.9.9.10')).statusCode).toBe(401);
  });

  it('never writes a password, a token, a cookie or a device secret to the log', async () => {
    const admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    await hub.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'a-wrong-password-123' },
    });
    const token = (
      await hub.http.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { name: 't' },
        headers: admin.headers,
      })
    ).json().token;
    await hub.http.inject({ url: '/api/v1/site', headers: { authorization: `Bearer ${token}` } });
    const device = hub.deviceCredentials.issue(SYSTEM, 'env-1');
    const bad = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${hub.site.mqtt.port}`, {
        username: 'env-1',
        password: 'not-it',
        reconnectPeriod: 0,
      })
      .catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [
      TEST_ADMIN.password,
      'a-wrong-password-123',
      token,
      admin.cookie.split('=')[1]!,
      device.password,
      'not-it',
    ])
      expect(logged).not.toContain(secret);
  });
});
