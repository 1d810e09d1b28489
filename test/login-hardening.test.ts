import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { hashPassword } from '../platform/security/password-hasher.js';
import {
  login,
  sessionAs,
  TEST_ADMIN,
  type TestSession,
  tempDataDir,
  testHubOptions,
} from './hub-harness.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * Security round 2 (issue 20) through the HTTP API: logins throttled per (name, address) instead of locking
 * the account, unknown names answered and recorded like known ones, hashes upgraded at login, API tokens
 * revoked with a password reset, and nobody granting or taking over more than their credential holds.
 */

const ATTACKER = '10.66.0.1';
const OWNER = '10.0.0.7';

/**
 * `npm run admin -- <args>` as its own process, as an operator runs it beside the hub. (In the hub's process its
 * synchronous SQLite write would wait on the hub's open group commit, whose timer cannot run meanwhile.)
 */
async function adminProcess(args: string[]): Promise<number> {
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'hub/admin-cli.ts', ...args], {
      env: { ...process.env, HUB_LOG_LEVEL: 'silent' },
    });
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

function siteYaml(dataDir = tempDataDir()) {
  const doc = parse(testSiteYaml({ dataDir }));
  // three free failures per name and address; the per-address limit out of the way (its own test)
  doc.hub.auth = { lockoutAttempts: 3, lockoutMinutes: 15, loginAttemptsPerMinute: 10_000 };
  return stringify(doc);
}

describe('logins under attack', () => {
  let hub: Hub;
  let clock: ManualClock;
  let admin: TestSession;
  let logged = '';
  const loginFrom = (remoteAddress: string, username: string, password: string) =>
    hub.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password },
      remoteAddress,
    });
  const answer = (r: Awaited<ReturnType<typeof loginFrom>>) =>
    [r.statusCode, r.headers['retry-after'] ?? '-', r.json().detail ?? 'ok'].join(' ');

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 11, 1, 8, 0, 0));
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += chunk;
        done();
      },
    });
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(), 'site.yaml'), {
        clock,
        live: false,
        log: pino({ level: 'trace' }, sink),
      }),
    );
    await hub.start();
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
  });
  afterAll(() => hub?.stop());

  it("an attacker's failures from one address do not keep the owner out from another", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await loginFrom(ATTACKER, 'admin', `guess-${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // from the attacker's address even the right password waits...
    expect((await loginFrom(ATTACKER, 'admin', TEST_ADMIN.password)).statusCode).toBe(429);
    // ...while the owner, elsewhere, logs in
    const owner = await loginFrom(OWNER, 'admin', TEST_ADMIN.password);
    expect(owner.statusCode).toBe(200);
    expect(owner.json().user.username).toBe('admin');
    // the attacker's wait grows with each failure: 1 s, then 2 s, then 4 s
    clock.advance(1_000);
    expect((await loginFrom(ATTACKER, 'ADMIN', 'guess-again')).statusCode).toBe(401); // the name as typed, any case
    expect((await loginFrom(ATTACKER, 'admin', 'x')).headers['retry-after']).toBe('2');
    clock.advance(2_000);
    await loginFrom(ATTACKER, 'admin', 'guess-once-more');
    expect((await loginFrom(ATTACKER, 'admin', 'x')).headers['retry-after']).toBe('4');
    // the owner is still welcome from their own address
    expect((await loginFrom(OWNER, 'admin', TEST_ADMIN.password)).statusCode).toBe(200);
  });

  it('parallel bursts of wrong passwords cost no more hashes than the budget', async () => {
    const victim = await sessionAs(hub, ['engineer']);
    const computed = hub.auth.hasher.stats.computed;
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => loginFrom(ATTACKER, victim.username, `burst-${i}`)),
    );
    // one check at a time per name and address: the burst gets one, the rest come back in a second
    expect(burst.map((r) => r.statusCode).sort()).toEqual([401, ...Array(11).fill(429)]);
    const checked = () =>
      hub.audit
        .query({ action: 'login.failed', target: victim.username, limit: 100 })
        .filter((e) => e.ip === ATTACKER).length;
    expect(checked()).toBe(1);
    expect(hub.auth.hasher.stats.computed - computed).toBe(1);
    // and bursts after it never get past the budget of three
    for (let round = 0; round < 4; round++)
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => loginFrom(ATTACKER, victim.username, `again-${round}-${i}`)),
      );
    expect(checked()).toBe(3);
    expect(hub.auth.hasher.stats.computed - computed).toBe(3);
    expect(hub.auth.hasher.stats.peakRunning).toBeLessThanOrEqual(2);
  });

  it('unknown names, disabled accounts and wrong passwords get the same answers in the same order', async () => {
    const disabled = await sessionAs(hub, ['viewer']);
    const id = hub.auth.users.findByName(disabled.username)!.id;
    const patch = await hub.http.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      payload: { disabled: true },
      headers: admin.headers,
    });
    expect(patch.statusCode).toBe(200);
    const known = await sessionAs(hub, ['technician']);
    const sequence = async (address: string, username: string, password: string) => {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push(answer(await loginFrom(address, username, `${password}-${i}`)));
      clock.advance(1_000);
      out.push(answer(await loginFrom(address, username, password)));
      out.push(answer(await loginFrom(address, username, password)));
      return out;
    };
    const wrong = await sequence('10.1.0.1', known.username, 'not-the-password');
    expect(wrong).toEqual([
      '401 - wrong username or password',
      '401 - wrong username or password',
      '401 - wrong username or password',
      '429 1 too many failed logins for this name from this address; try again in 1 s',
      '429 1 too many failed logins for this name from this address; try again in 1 s',
      '401 - wrong username or password',
      '429 2 too many failed logins for this name from this address; try again in 2 s',
    ]);
    expect(await sequence('10.1.0.2', 'no-such-user', 'not-the-password')).toEqual(wrong);
    // a disabled account's right password is no different from a wrong one
    expect(await sequence('10.1.0.3', disabled.username, disabled.password)).toEqual(wrong);
  });

  it('a failed login with an unknown name keeps no trace of what was typed', async () => {
    const typed = 'Tr0ub4dor&3-typed-in-the-name-field';
    for (let i = 0; i < 4; i++) await loginFrom('10.2.0.1', typed, 'whatever-1234');
    await loginFrom('10.2.0.1', 'another-unknown-name', 'whatever-1234');
    for (const text of [typed, typed.toLowerCase(), 'another-unknown-name']) {
      expect(JSON.stringify(hub.audit.query({ limit: 1000 }))).not.toContain(text);
      expect(logged).not.toContain(text);
    }
    // newest first
    const mine = hub.audit.query({ limit: 500 }).filter((e) => e.ip === '10.2.0.1');
    expect(mine.map((e) => e.action)).toEqual([
      'login.failed',
      'login.throttled',
      'login.failed',
      'login.failed',
      'login.failed',
    ]);
    // the same unknown name gets the same marker, so repeated attempts line up; another name another one
    const failed = mine.filter((e) => e.action === 'login.failed');
    const markers = new Set(failed.slice(1).map((e) => e.target));
    expect(markers.size).toBe(1);
    expect([...markers][0]).toMatch(/^unknown user #[0-9a-f]{8}$/);
    expect(failed[0]!.target).not.toBe([...markers][0]);
    expect(failed.every((e) => e.actor === 'anonymous' && e.detail === 'unknown user')).toBe(true);
    // the throttle's log line names the marker too
    expect(logged).toContain('logins throttled after repeated failures');
  });

  it('a stored N=2^15 hash is made again at the current cost at the next successful login', async () => {
    const user = await sessionAs(hub, ['viewer']);
    const old = await hashPassword(user.password, { N: 2 ** 15, r: 8, p: 1 });
    hub.db.prepare('UPDATE users SET password_hash = ? WHERE username = ?').run(old, user.username);
    const storedHash = () =>
      (
        hub.db.prepare('SELECT password_hash AS h FROM users WHERE username = ?').get(user.username) as {
          h: string;
        }
      ).h;
    // a wrong password changes nothing
    expect((await loginFrom(OWNER, user.username, 'not-it-at-all')).statusCode).toBe(401);
    expect(storedHash()).toBe(old);

    expect((await loginFrom(OWNER, user.username, user.password)).statusCode).toBe(200);
    expect(storedHash()).not.toBe(old);
    const { N, r, p } = hub.auth.hasher.cost;
    expect(storedHash()).toMatch(new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$`));
    expect(hub.audit.query({ action: 'login.succeeded', target: user.username, limit: 1 })[0]!.detail).toBe(
      `password hash upgraded from scrypt N=32768,r=8,p=1 to N=${N},r=${r},p=${p}`,
    );
    const rehashed = storedHash();
    expect((await loginFrom(OWNER, user.username, user.password)).statusCode).toBe(200);
    expect(storedHash()).toBe(rehashed); // once only
  });
});

describe('passwords, tokens and privileges', () => {
  let hub: Hub;
  let admin: TestSession;
  let siteFile: string;
  const post = (url: string, payload: unknown, headers: Record<string, string>) =>
    hub.http.inject({ method: 'POST', url, payload: payload as object, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const siteWith = (token: string) => hub.http.inject({ url: '/api/v1/site', headers: bearer(token) });
  const newToken = async (s: TestSession, name: string, scopes?: string[]) => {
    const r = await post('/api/v1/tokens', { name, scopes }, s.headers);
    expect(r.statusCode).toBe(201);
    return r.json() as { token: string; id: string };
  };
  const userId = (username: string) => hub.auth.users.findByName(username)!.id;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const yaml = siteYaml(dataDir);
    siteFile = join(dataDir, 'site.yaml');
    writeFileSync(siteFile, yaml);
    hub = await buildHub(testHubOptions(parseSiteText(yaml, 'site.yaml'), { live: false }));
    await hub.start();
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
  });
  afterAll(() => hub?.stop());

  it("an admin's password reset revokes the user's API tokens, and says so in the audit log", async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const t = await newToken(eng, 'bms');
    expect((await siteWith(t.token)).statusCode).toBe(200);
    const reset = await post(`/api/v1/users/${userId(eng.username)}/password`, {}, admin.headers);
    expect(reset.statusCode).toBe(200);
    expect(reset.json().revokedTokens).toEqual([t.id]);
    expect((await siteWith(t.token)).statusCode).toBe(401);
    expect(hub.audit.query({ action: 'user.password-reset', limit: 1 })[0]).toMatchObject({
      actor: 'admin',
      target: eng.username,
      detail: 'sessions ended, 1 API token(s) revoked',
    });
    expect(hub.audit.query({ target: t.id, limit: 1 })[0]).toMatchObject({
      action: 'token.revoked',
      actor: 'admin',
      detail: 'password reset',
    });
  });

  it('changing one’s own password keeps the API tokens unless asked to revoke them; audited either way', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const t = await newToken(eng, 'export');
    const change = (currentPassword: string, newPassword: string, revokeTokens?: boolean) =>
      post('/api/v1/auth/password', { currentPassword, newPassword, revokeTokens }, eng.headers);

    expect((await change(eng.password, 'a-second-password-1')).statusCode).toBe(204);
    expect((await siteWith(t.token)).statusCode).toBe(200);
    expect(hub.audit.query({ action: 'user.password-changed', limit: 1 })[0]).toMatchObject({
      target: eng.username,
      detail: 'other sessions ended, 1 API token(s) kept',
    });

    expect((await change('a-second-password-1', 'a-third-password-1', true)).statusCode).toBe(204);
    expect((await siteWith(t.token)).statusCode).toBe(401);
    expect(hub.audit.query({ action: 'user.password-changed', limit: 1 })[0]).toMatchObject({
      target: eng.username,
      after: { revokedTokens: [t.id] },
      detail: 'other sessions ended, 1 API token(s) revoked',
    });
    expect(hub.audit.query({ target: t.id, limit: 1 })[0]).toMatchObject({
      action: 'token.revoked',
      actor: eng.username,
      detail: 'password changed',
    });
    // this session stays
    expect((await hub.http.inject({ url: '/api/v1/auth/session', headers: eng.headers })).statusCode).toBe(
      200,
    );
  });

  it('guessing the current password in the change-password form meets the login throttle', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const change = (currentPassword: string) =>
      post('/api/v1/auth/password', { currentPassword, newPassword: 'a-brand-new-password' }, eng.headers);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await change(`guess-${i}`)).statusCode);
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    const waiting = await change(eng.password);
    expect(waiting.statusCode).toBe(429); // not checked while waiting
    expect(waiting.headers['retry-after']).toBe('1');
  });

  it('a token scoped to users:manage alone cannot create an admin nor reset an admin’s password; an admin session can', async () => {
    const manage = await newToken(admin, 'user sync', ['users:manage']);
    const adminId = userId('admin');
    const asToken = bearer(manage.token);

    const mkAdmin = await post('/api/v1/users', { username: 'sneaky', roles: ['admin'] }, asToken);
    expect(mkAdmin.statusCode).toBe(403);
    expect(mkAdmin.json().detail).toMatch(
      /^giving these roles needs .*site:read.*, which this token does not hold$/,
    );
    const resetAdmin = await post(`/api/v1/users/${adminId}/password`, {}, asToken);
    expect(resetAdmin.statusCode).toBe(403);
    expect(resetAdmin.json().detail).toMatch(/^resetting the password of "admin" needs /);
    const viewer = await sessionAs(hub, ['viewer']);
    const promote = await hub.http.inject({
      method: 'PATCH',
      url: `/api/v1/users/${userId(viewer.username)}`,
      payload: { roles: ['admin'] },
      headers: asToken,
    });
    expect(promote.statusCode).toBe(403);
    expect(hub.auth.users.findByName('sneaky')).toBeUndefined();
    expect(hub.audit.query({ action: 'user.password-reset', outcome: 'denied', limit: 1 })[0]).toMatchObject({
      via: 'token',
      tokenId: manage.id,
      target: 'admin',
    });

    // a token that also holds what a viewer has may make viewers, still not admins
    const wider = await newToken(admin, 'viewer sync', ['users:manage', 'site:read']);
    expect(
      (await post('/api/v1/users', { username: 'kiosk', roles: ['viewer'] }, bearer(wider.token))).statusCode,
    ).toBe(201);
    expect(
      (await post('/api/v1/users', { username: 'sneaky', roles: ['admin'] }, bearer(wider.token))).statusCode,
    ).toBe(403);

    // an admin's own session holds every permission
    const second = await post('/api/v1/users', { username: 'second-admin', roles: ['admin'] }, admin.headers);
    expect(second.statusCode).toBe(201);
    const reset = await post(`/api/v1/users/${userId('second-admin')}/password`, {}, admin.headers);
    expect(reset.statusCode).toBe(200);
  });

  it("the admin CLI's reset-password revokes tokens and its unlock lifts a running hub's throttle", async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const t = await newToken(eng, 'cli-check');
    // three failures from one address: the pair waits
    const attempt = (password: string) =>
      hub.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: eng.username, password },
        remoteAddress: ATTACKER,
      });
    for (let i = 0; i < 3; i++) await attempt(`wrong-${i}`);
    expect((await attempt(eng.password)).statusCode).toBe(429);

    expect(await adminProcess(['unlock', eng.username, '--site', siteFile])).toBe(0);
    expect((await attempt(eng.password)).statusCode).toBe(200);

    expect((await siteWith(t.token)).statusCode).toBe(200);
    expect(await adminProcess(['reset-password', eng.username, '--site', siteFile])).toBe(0);
    expect((await siteWith(t.token)).statusCode).toBe(401);
    expect(hub.audit.query({ action: 'user.password-reset', limit: 1 })[0]).toMatchObject({
      via: 'cli',
      target: eng.username,
      detail: 'sessions ended, 1 API token(s) revoked',
    });
  });
});
