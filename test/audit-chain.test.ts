import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type AuditContent, rowHash } from '../platform/audit/audit-chain.js';
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
 * The audit log against someone who can write hub.db (but not read audit.key): an edited row whose chain was
 * recomputed in plain SHA-256 is found by the API and by `admin audit-verify`; a checkpoint exported before
 * is reported as not matching once the log was truncated or written over. The key file is the hub user's only.
 */

const run = promisify(execFile);

/** `npm run admin -- <args>` as a separate process, as an operator runs it (the hub keeps running). */
async function admin(siteFile: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'hub/admin-cli.ts', ...args, '--site', siteFile],
      { encoding: 'utf8', env: { ...process.env, HUB_LOG_LEVEL: 'silent' } },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

/** The attacker: a direct connection, triggers dropped, one row changed, every hash after it redone in SHA-256. */
function tamperAndRechain(dbFile: string, victimId: number) {
  const db = new Database(dbFile);
  db.exec('DROP TRIGGER IF EXISTS audit_no_update');
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
  let prev = 'genesis';
  for (const r of rows) {
    if ((r.id as number) < victimId) {
      prev = r.hash as string;
      continue;
    }
    if (r.id === victimId) r.actor = 'nobody';
    // the plain chain's published construction, without the key
    const hash = rowHash('sha256', Buffer.alloc(0), prev, r as unknown as AuditContent);
    db.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?').run(
      r.actor,
      prev,
      hash,
      r.id,
    );
    prev = hash;
  }
  db.close();
}

describe('the keyed audit chain through the API and the admin CLI', () => {
  const dataDir = tempDataDir();
  const siteFile = join(dataDir, 'site.yaml');
  let hub: Hub;
  let adminSession: TestSession;

  const verify = async (checkpoint?: object) =>
    (
      await hub.http.inject({
        method: checkpoint ? 'POST' : 'GET',
        url: '/api/v1/audit/verify',
        headers: adminSession.headers,
        payload: checkpoint ? { checkpoint } : undefined,
      })
    ).json();

  beforeAll(async () => {
    writeFileSync(siteFile, testSiteYaml({ dataDir }));
    hub = await buildHub(
      testHubOptions(parseSiteText(readFileSync(siteFile, 'utf8'), siteFile), { live: false }),
    );
    await hub.start();
    adminSession = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    for (const roles of [['engineer'], ['security'], ['viewer']] as const) await sessionAs(hub, [...roles]);
  });
  afterAll(() => hub?.stop());

  it('the key file is created at first start with mode 600', () => {
    expect(statSync(join(dataDir, 'audit.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'audit.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('a checkpoint exported now still matches as the log grows (API and CLI)', async () => {
    const res = await hub.http.inject({ url: '/api/v1/audit/checkpoint', headers: adminSession.headers });
    expect(res.statusCode, res.body).toBe(200);
    const cp = res.json();
    expect(cp).toMatchObject({
      count: expect.any(Number),
      headId: cp.count,
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // the export is on record, and is the checkpoint's head
    expect(hub.audit.query({ action: 'audit.checkpoint', limit: 1 })[0]).toMatchObject({
      id: cp.headId,
      actor: 'admin',
    });
    await sessionAs(hub, ['technician']);
    expect(await verify(cp)).toMatchObject({ ok: true, checkpoint: { ok: true, headId: cp.headId } });

    const file = join(dataDir, 'checkpoint-cli.json');
    expect(await admin(siteFile, 'audit-checkpoint', '--out', file)).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      count: expect.any(Number),
      sig: expect.any(String),
    });
    const ok = await admin(siteFile, 'audit-verify', '--checkpoint', file);
    expect(ok.out).toMatch(
      /^audit log intact: \d+ entries; holds the checkpoint's head \d+ after \d+ entries/,
    );
    expect(ok.code).toBe(0);
  });

  it('a row edited with the chain recomputed in plain SHA-256 is found by the API and by audit-verify', async () => {
    const victim = hub.audit.query({ action: 'user.created', limit: 1 })[0]!;
    tamperAndRechain(join(dataDir, 'hub.db'), victim.id);
    expect(hub.audit.query({ action: 'user.created', limit: 1 })[0]!.actor).toBe('nobody');
    expect(await verify()).toMatchObject({ ok: false, firstBadId: victim.id });
    const cli = await admin(siteFile, 'audit-verify');
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`audit log ALTERED at entry ${victim.id}: altered`);
  });
});

describe('checkpoints against a truncated or rewritten history', () => {
  const dataDir = tempDataDir();
  const siteFile = join(dataDir, 'site.yaml');
  let hub: Hub;
  let adminSession: TestSession;
  let cp: { count: number; headId: number };
  const cpFile = join(dataDir, 'checkpoint.json');

  const start = async () => {
    hub = await buildHub(
      testHubOptions(parseSiteText(readFileSync(siteFile, 'utf8'), siteFile), { live: false }),
    );
    await hub.start();
    adminSession = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
  };
  const verifyWith = async (checkpoint: object) =>
    (
      await hub.http.inject({
        method: 'POST',
        url: '/api/v1/audit/verify',
        headers: adminSession.headers,
        payload: { checkpoint },
      })
    ).json();

  beforeAll(async () => {
    writeFileSync(siteFile, testSiteYaml({ dataDir }));
    await start();
    for (let i = 0; i < 3; i++) await sessionAs(hub, ['viewer']);
    cp = (await hub.http.inject({ url: '/api/v1/audit/checkpoint', headers: adminSession.headers })).json();
    writeFileSync(cpFile, JSON.stringify(cp));
    await sessionAs(hub, ['viewer']);
  });
  afterAll(() => hub?.stop());

  it('a truncated log: the checkpoint no longer matches, naming the first row missing', async () => {
    await hub.stop();
    const db = new Database(join(dataDir, 'hub.db'));
    db.exec('DROP TRIGGER IF EXISTS audit_no_delete');
    const cut = cp.headId - 2;
    db.prepare('DELETE FROM audit_log WHERE id >= ?').run(cut);
    db.close();
    // without the hub running, then with it (which writes on, reusing the ids)
    const offline = await admin(siteFile, 'audit-verify', '--checkpoint', cpFile);
    expect(offline.code).toBe(1);
    expect(offline.out).toContain(`audit log ALTERED at entry ${cut}: truncated`);
    await start();
    const r = await verifyWith(cp);
    expect(r).toMatchObject({ ok: false, firstBadId: cut, checkpoint: { ok: false } });
    expect(r.reason).toMatch(/^(rewritten|truncated)/);
    // the chain alone finds nothing wrong: the log is merely shorter
    expect(
      (await hub.http.inject({ url: '/api/v1/audit/verify', headers: adminSession.headers })).json(),
    ).toMatchObject({ ok: true });
  });

  it('a checkpoint that was altered is not this hub’s', async () => {
    const r = await verifyWith({ ...cp, count: cp.count - 2 });
    expect(r).toMatchObject({
      ok: false,
      checkpoint: { ok: false, reason: expect.stringMatching(/not signed/) },
    });
    const bad = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/audit/verify',
      headers: adminSession.headers,
      payload: { checkpoint: { ...cp, sig: 'x' } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a key file others may read stops the hub at start', async () => {
    await hub.stop();
    chmodSync(join(dataDir, 'audit.key'), 0o640);
    await expect(
      buildHub(testHubOptions(parseSiteText(readFileSync(siteFile, 'utf8'), siteFile), { live: false })),
    ).rejects.toThrow(/audit\.key is open to group or others \(mode 640\): run chmod 600/);
    chmodSync(join(dataDir, 'audit.key'), 0o600);
    await start();
  });
});
