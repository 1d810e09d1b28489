import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../core/model/reading.js';
import { buildHub, type Hub } from '../hub/app.js';
import { loadSiteFile } from '../hub/site-file.js';
import { login, sessionAs, TEST_ADMIN, testHubOptions, waitFor } from './hub-harness.js';
import { type OpcuaSimProcess, opcuaSiteFile, startOpcuaSimProcess } from './opcua-fixtures.js';
import { freePort } from './services.js';

interface Running {
  hub: Hub;
  readings: Reading[];
}

async function startHub(file: string, env: Record<string, string> = {}): Promise<Running> {
  const site = await loadSiteFile(file, { HUB_LOG_LEVEL: 'silent', ...env });
  const hub = await buildHub(testHubOptions(site, { live: false }));
  const readings: Reading[] = [];
  hub.bus.on('readings.accepted', (b) => readings.push(...b.map((r) => ({ ...r }))));
  await hub.start();
  return { hub, readings };
}

const link = (hub: Hub) => hub.supervisor.linkHealth().find((l) => l.protocol === 'opcua')!;
const latest = (hub: Hub, id: string) => hub.latest.get(id)!;
const SUBSCRIBED = [
  'chiller-1/running',
  'chiller-1/chw_supply_temp_c',
  'chiller-1/chw_return_temp_c',
  'chiller-1/power_kw',
  'chiller-1/fault_code',
  'chiller-1/run_hours_h',
  'chiller-1/chw_setpoint_c',
  'ahu-1/supply_air_temp_c',
  'ahu-1/supply_air_setpoint_c',
];

/** The test site's simulator in its own process and a hub on it, every subscribed point good. */
async function simulatorAndHub(): Promise<{ sim: OpcuaSimProcess; r: Running }> {
  const { file } = opcuaSiteFile(await freePort());
  const sim = await startOpcuaSimProcess(file);
  const r = await startHub(file);
  await waitFor(
    () => SUBSCRIBED.every((id) => latest(r.hub, id).quality === 'good'),
    15_000,
    () => JSON.stringify(r.hub.latest.all().filter((v) => v.quality !== 'good')),
  );
  return { sim, r };
}

describe('OPC UA against the equipment simulator (security None)', () => {
  let sim: OpcuaSimProcess;
  let r: Running;

  beforeAll(async () => {
    ({ sim, r } = await simulatorAndHub());
  }, 90_000);
  afterAll(async () => {
    await r?.hub.stop();
    await sim?.kill();
  });

  it('delivers subscribed values with their types, and reads the read-mode point every interval', async () => {
    expect(latest(r.hub, 'chiller-1/running').value).toBe(true);
    expect(typeof latest(r.hub, 'chiller-1/chw_supply_temp_c').value).toBe('number');
    expect(latest(r.hub, 'chiller-1/fault_code').value).toBe(0);
    expect(latest(r.hub, 'chiller-1/chw_setpoint_c').value).toBe(7);
    // the supply temperature moves (the simulator ticks every 200 ms)
    const before = r.readings.filter((x) => x.pointId === 'chiller-1/power_kw').length;
    await waitFor(() => r.readings.filter((x) => x.pointId === 'chiller-1/power_kw').length > before + 3);
    // read mode: one read per interval
    await waitFor(() => latest(r.hub, 'ahu-1/filter_dp_pa').quality === 'good');
    expect(link(r.hub).stats).toMatchObject({ monitoredItems: 9, readPoints: 1, refusedNodes: 0 });
    expect(link(r.hub).stats!.reads).toBeGreaterThan(0);
  });

  it('passes a steady value on once per interval while the subscription lives (heartbeat)', async () => {
    const id = 'chiller-1/chw_setpoint_c'; // only changes when written
    const t0 = Date.now();
    const beatsSince = () => r.readings.filter((x) => x.pointId === id && x.ts >= t0);
    await waitFor(
      () => beatsSince().length >= 2,
      5_000,
      () => `${beatsSince().length} beats`,
    );
    const beats = beatsSince();
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((b) => b.value === 7 && b.quality === 'good')).toBe(true);
    expect(latest(r.hub, id).quality).toBe('good');
  });

  it('maps OPC UA status codes to quality, with the status text', async () => {
    const id = 'chiller-1/chw_supply_temp_c';
    await sim.control('/points/chiller-1/chw_supply_temp_c/status?code=UncertainLastUsableValue');
    await waitFor(() => latest(r.hub, id).quality === 'uncertain');
    expect(latest(r.hub, id).reason).toMatch(/UncertainLastUsableValue \(0x40900000\)/);
    await sim.control('/points/chiller-1/chw_supply_temp_c/status?code=BadSensorFailure');
    await waitFor(() => latest(r.hub, id).quality === 'bad');
    expect(latest(r.hub, id).reason).toMatch(/BadSensorFailure \(0x808C0000\)/);
    // no heartbeat re-sends the last good value while the server says Bad
    await new Promise((res) => setTimeout(res, 1_500));
    expect(latest(r.hub, id).quality).toBe('bad');
    await sim.control('/points/chiller-1/chw_supply_temp_c/status?code=Good');
    await waitFor(() => latest(r.hub, id).quality === 'good');
    expect(latest(r.hub, id).reason).toBeUndefined();
  });

  it('writes a setpoint through the command API and reads it back; the model follows it', async () => {
    const engineer = await sessionAs(r.hub, ['engineer']);
    const res = await r.hub.http.inject({
      method: 'POST',
      url: '/api/v1/points/ahu-1/supply_air_setpoint_c/command',
      headers: engineer.headers,
      payload: { value: 20.5, reason: 'test' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ pointId: 'ahu-1/supply_air_setpoint_c', previous: 16, value: 20.5 });
    await waitFor(() => latest(r.hub, 'ahu-1/supply_air_setpoint_c').value === 20.5);
    // out of the point's range: refused before it reaches the server
    const bad = await r.hub.http.inject({
      method: 'POST',
      url: '/api/v1/points/ahu-1/supply_air_setpoint_c/command',
      headers: engineer.headers,
      payload: { value: 99 },
    });
    expect(bad.statusCode).toBeGreaterThanOrEqual(400);
    // a read-only node: the server's refusal comes back with its status
    await expect(
      r.hub.supervisor.write(r.hub.site.pointById.get('chiller-1/power_kw')!, 1, 8),
    ).rejects.toThrow(/BadNotWritable|BadUserAccessDenied/);
    // writes asked for together go to the server in one Write request and are read back with one Read: each
    // keeps its own status and its own read-back
    const point = (id: string) => r.hub.site.pointById.get(id)!;
    const [setpoint, readOnly, air] = await Promise.allSettled([
      r.hub.supervisor.write(point('chiller-1/chw_setpoint_c'), 8, 8),
      r.hub.supervisor.write(point('chiller-1/power_kw'), 1, 8),
      r.hub.supervisor.write(point('ahu-1/supply_air_setpoint_c'), 21, 8),
    ]);
    expect(setpoint.status).toBe('fulfilled');
    expect(air.status).toBe('fulfilled');
    expect(readOnly.status).toBe('rejected');
    expect(String((readOnly as PromiseRejectedResult).reason)).toMatch(/BadNotWritable|BadUserAccessDenied/);
    await waitFor(
      () =>
        latest(r.hub, 'chiller-1/chw_setpoint_c').value === 8 &&
        latest(r.hub, 'ahu-1/supply_air_setpoint_c').value === 21,
    );
    // back to what the later tests expect
    await r.hub.supervisor.write(point('chiller-1/chw_setpoint_c'), 7, 8);
    await r.hub.supervisor.write(point('ahu-1/supply_air_setpoint_c'), 20.5, 8);
    await waitFor(() => latest(r.hub, 'chiller-1/chw_setpoint_c').value === 7);
  });

  it('browses the address space and names nodes by namespace URI', async () => {
    const engineer = await sessionAs(r.hub, ['engineer']);
    const root = await r.hub.http.inject({
      url: '/api/v1/devices/bms/opcua/browse',
      headers: engineer.headers,
    });
    expect(root.statusCode, root.body).toBe(200);
    const chiller = root.json().references.find((x: { browseName: string }) => x.browseName === 'chiller-1');
    expect(chiller).toMatchObject({ nodeClass: 'Object', displayName: 'Chiller 1' });
    const inside = await r.hub.http.inject({
      url: `/api/v1/devices/bms/opcua/browse?nodeId=${encodeURIComponent(chiller.nodeId)}`,
      headers: engineer.headers,
    });
    expect(inside.statusCode, inside.body).toBe(200);
    const setpoint = inside
      .json()
      .references.find((x: { browseName: string }) => x.browseName === 'chw_setpoint_c');
    expect(setpoint).toMatchObject({
      nodeId: 'nsu=urn:facility-hub:sim:test;s=chiller-1.chw_setpoint_c',
      nodeClass: 'Variable',
      dataType: 'Double',
      value: 7,
      quality: 'good',
      writable: true,
    });
    const power = inside.json().references.find((x: { browseName: string }) => x.browseName === 'power_kw');
    expect(power.writable).toBe(false);
    const byIndex = await r.hub.http.inject({
      url: '/api/v1/devices/bms/opcua/browse?nodeId=ns%3D2%3Bs%3Dx',
      headers: engineer.headers,
    });
    expect(byIndex.statusCode).toBe(400);
    expect(byIndex.json().detail).toMatch(/namespace URI/);
  });

  it('follows a server restart that renumbers its namespaces: the same items deliver again within 10 s', async () => {
    await sim.control('/opcua/bms/restart?downMs=1500&shiftNamespaces=true');
    // the restart drops the session: points bad, the link down
    await waitFor(() => latest(r.hub, 'chiller-1/power_kw').quality === 'bad', 5_000);
    const back = Date.now(); // the server answers again about now (its restart returned)
    await waitFor(
      () =>
        SUBSCRIBED.every((id) =>
          r.readings.some((x) => x.pointId === id && x.quality === 'good' && x.ts >= back - 200),
        ),
      10_000,
      () => JSON.stringify(link(r.hub)),
    );
    const recoveredMs = Date.now() - back;
    expect(recoveredMs).toBeLessThan(10_000);
    // the namespace moved, and each point still reads its own node (not a neighbour's)
    expect(latest(r.hub, 'chiller-1/chw_setpoint_c').value).toBe(7);
    expect(latest(r.hub, 'ahu-1/supply_air_setpoint_c').value).toBe(20.5);
    expect(link(r.hub)).toMatchObject({ state: 'up' });
    expect(link(r.hub).connects).toBeGreaterThanOrEqual(2);
  });
});

describe('OPC UA faults of the server process', () => {
  let sim: OpcuaSimProcess;
  let r: Running;

  beforeAll(async () => {
    ({ sim, r } = await simulatorAndHub());
  }, 90_000);
  afterAll(async () => {
    sim?.resume();
    await r?.hub.stop();
    await sim?.kill();
  });

  it('a server that hangs (SIGSTOP) turns its points uncertain, then bad, and the link down; it recovers on SIGCONT', async () => {
    const id = 'chiller-1/chw_setpoint_c';
    const stoppedAt = Date.now();
    sim.pause();
    await waitFor(() => latest(r.hub, id).quality === 'uncertain', 5_000);
    expect(latest(r.hub, id).reason).toMatch(/subscription silent/);
    await waitFor(() => latest(r.hub, id).quality === 'bad', 8_000);
    // a hung server shows as silence, or as node-opcua's transport timing out
    expect(latest(r.hub, id).reason).toMatch(/silent|connection lost/);
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    await waitFor(() => link(r.hub).state === 'backoff' || link(r.hub).state === 'connecting');
    expect(r.hub.supervisor.deviceHealth().find((d) => d.deviceId === 'bms')!.state).toBe('offline');
    sim.resume();
    const resumed = Date.now();
    await waitFor(
      () => SUBSCRIBED.every((p) => latest(r.hub, p).quality === 'good'),
      12_000,
      () => JSON.stringify(link(r.hub)),
    );
    expect(Date.now() - resumed).toBeLessThan(12_000);
  }, 40_000);

  it('a quiet subscription (steady values, keep-alives every 5 s) stays up: no idle timeout cuts it', async () => {
    const { file } = opcuaSiteFile(
      Number(new URL(sim.servers.bms!.endpointUrl).port),
      { intervalMs: 10_000, publishingIntervalMs: 1000, timeoutMs: 2000 },
      undefined,
      (site) => {
        for (const a of site.assets) a.points = a.points.filter((p) => p.kind === 'command');
      },
    );
    const quiet = await startHub(file);
    try {
      await waitFor(() => link(quiet.hub).state === 'up');
      // quiet until the server has sent two keep-alives (5 s apart): far past the 2 s request timeout
      await waitFor(
        () => Number(link(quiet.hub).stats?.keepAlives ?? 0) >= 2,
        15_000,
        () => JSON.stringify(link(quiet.hub)),
      );
      expect(link(quiet.hub)).toMatchObject({ state: 'up', connects: 1, errors: 0 });
      expect(link(quiet.hub).stats!.keepAlives).toBeGreaterThanOrEqual(2);
      expect(latest(quiet.hub, 'chiller-1/chw_setpoint_c').quality).toBe('good');
    } finally {
      await quiet.hub.stop();
    }
  }, 30_000);

  it('a hub stopped while its device is still connecting leaves no session behind', async () => {
    const sessions = async () =>
      ((await (await fetch(`${sim.controlUrl}/opcua`)).json()) as { sessions: number }[])[0]!.sessions;
    const before = await sessions();
    const { file } = opcuaSiteFile(Number(new URL(sim.servers.bms!.endpointUrl).port));
    for (const delayMs of [0, 30, 120]) {
      const quick = await startHub(file);
      await new Promise((res) => setTimeout(res, delayMs));
      await quick.hub.stop();
    }
    await new Promise((res) => setTimeout(res, 2_000));
    expect(await sessions()).toBe(before);
  }, 30_000);

  it('a session the server expires is rebuilt, and every monitored item delivers again within 10 s', async () => {
    const changes = () => Number(link(r.hub).stats!.dataChanges);
    const before = changes();
    const expired = (await sim.control('/opcua/bms/expire-sessions')) as { expired: number };
    expect(expired.expired).toBeGreaterThanOrEqual(1);
    const t0 = Date.now();
    // node-opcua answers BadSessionIdInvalid by creating a session again on the same connection and moving
    // the subscription over; whichever path it takes, the items must deliver again
    await waitFor(
      () => changes() > before + 20,
      10_000,
      () => JSON.stringify(link(r.hub)),
    );
    await waitFor(
      () =>
        SUBSCRIBED.every((id) =>
          r.readings.some((x) => x.pointId === id && x.quality === 'good' && x.ts >= t0 + 1_500),
        ),
      10_000,
      () => JSON.stringify(link(r.hub)),
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(link(r.hub).state).toBe('up');
  }, 30_000);

  it('a killed server (SIGKILL) and its restart: every monitored item delivers again within 10 s', async () => {
    await sim.kill();
    await waitFor(() => latest(r.hub, 'chiller-1/power_kw').quality === 'bad', 5_000);
    expect(latest(r.hub, 'chiller-1/power_kw').reason).toMatch(/link lost/);
    // down long enough for the backoff to grow to its ceiling (the test hubs' 100 ms doubles to 1 s in 5 tries)
    await waitFor(
      () => link(r.hub).attempts >= 5,
      15_000,
      () => JSON.stringify(link(r.hub)),
    );
    await sim.restart();
    const back = Date.now();
    await waitFor(
      () =>
        SUBSCRIBED.every((id) =>
          r.readings.some((x) => x.pointId === id && x.quality === 'good' && x.ts >= back - 200),
        ),
      10_000,
      () => JSON.stringify(link(r.hub)),
    );
    expect(Date.now() - back).toBeLessThan(10_000);
    expect(link(r.hub).state).toBe('up');
  }, 75_000);
});

describe('OPC UA security', () => {
  const env = { HUB_TEST_OPCUA_PASSWORD: 'plant-secret-42' };
  let sim: OpcuaSimProcess;
  let r: Running;

  beforeAll(async () => {
    Object.assign(process.env, env);
    const { file } = opcuaSiteFile(await freePort(), {
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Aes256_Sha256_RsaPss',
      username: 'hub',
      passwordEnv: 'HUB_TEST_OPCUA_PASSWORD',
    });
    sim = await startOpcuaSimProcess(file, { users: { hub: 'plant-secret-42' } });
    r = await startHub(file);
  }, 60_000);
  afterAll(async () => {
    await r?.hub.stop();
    await sim?.kill();
    delete process.env.HUB_TEST_OPCUA_PASSWORD;
  });

  it('refuses a server certificate nobody trusted, names it, and connects once an admin trusts it', async () => {
    await waitFor(() => !!link(r.hub).lastError, 10_000);
    expect(link(r.hub).state).not.toBe('up');
    expect(link(r.hub).lastError!.message).toMatch(
      /server certificate ".*" \(thumbprint [0-9a-f]{40}\) is not trusted/,
    );
    const thumbprint = /thumbprint ([0-9a-f]{40})/.exec(link(r.hub).lastError!.message)![1]!;
    const admin = await login(r.hub, TEST_ADMIN.username, TEST_ADMIN.password);
    const list = await r.hub.http.inject({ url: '/api/v1/opcua/certificates', headers: admin.headers });
    expect(list.json()).toContainEqual(expect.objectContaining({ thumbprint, status: 'rejected' }));
    // nothing was delivered while it was untrusted
    expect(r.readings).toHaveLength(0);
    const trust = await r.hub.http.inject({
      method: 'POST',
      url: `/api/v1/opcua/certificates/${thumbprint.slice(0, 12)}/trust`,
      headers: admin.headers,
    });
    expect(trust.statusCode, trust.body).toBe(200);
    expect(trust.json()).toMatchObject({ thumbprint, status: 'trusted' });
    // SignAndEncrypt with Aes256_Sha256_RsaPss and a user name login
    await waitFor(
      () => SUBSCRIBED.every((id) => latest(r.hub, id).quality === 'good'),
      15_000,
      () => JSON.stringify(link(r.hub)),
    );
    expect(link(r.hub)).toMatchObject({ state: 'up', stats: { securityMode: 'SignAndEncrypt' } });
    expect(r.hub.audit.query({ action: 'opcua.certificate-trusted', limit: 10 })).toEqual([
      expect.objectContaining({ target: thumbprint, actor: TEST_ADMIN.username }),
    ]);
  }, 40_000);

  it('a wrong password is refused with the user named', async () => {
    const { file } = opcuaSiteFile(Number(new URL(sim.servers.bms!.endpointUrl).port), {
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      username: 'hub',
      passwordEnv: 'HUB_TEST_OPCUA_PASSWORD',
    });
    process.env.HUB_TEST_OPCUA_PASSWORD = 'wrong-password';
    const other = await startHub(file);
    try {
      // a fresh data dir: trust the certificate there first
      await waitFor(() => /not trusted/.test(link(other.hub).lastError?.message ?? ''), 10_000);
      const thumbprint = /thumbprint ([0-9a-f]{40})/.exec(link(other.hub).lastError!.message)![1]!;
      const admin = await login(other.hub, TEST_ADMIN.username, TEST_ADMIN.password);
      await other.hub.http.inject({
        method: 'POST',
        url: `/api/v1/opcua/certificates/${thumbprint}/trust`,
        headers: admin.headers,
      });
      await waitFor(
        () => /refused the login of user "hub"/.test(link(other.hub).lastError?.message ?? ''),
        15_000,
        () => JSON.stringify(link(other.hub).lastError),
      );
      expect(link(other.hub).state).not.toBe('up');
    } finally {
      process.env.HUB_TEST_OPCUA_PASSWORD = env.HUB_TEST_OPCUA_PASSWORD;
      await other.hub.stop();
    }
  }, 40_000);
});

describe('OPC UA security modes and policies', () => {
  let sim: OpcuaSimProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    sim = await startOpcuaSimProcess(opcuaSiteFile(port).file, { users: { hub: 'plant-secret-42' } });
    process.env.HUB_TEST_OPCUA_PASSWORD = 'plant-secret-42';
  }, 60_000);
  afterAll(async () => {
    await sim?.kill();
    delete process.env.HUB_TEST_OPCUA_PASSWORD;
  });

  for (const securityMode of ['Sign', 'SignAndEncrypt'])
    for (const securityPolicy of ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
      it(`${securityMode} with ${securityPolicy} and a user name: data flows (server trusted by copying its certificate)`, async () => {
        const { file, dataDir } = opcuaSiteFile(port, {
          securityMode,
          securityPolicy,
          username: 'hub',
          passwordEnv: 'HUB_TEST_OPCUA_PASSWORD',
        });
        // the other way to trust a server: its certificate into trusted/certs before the start
        const trusted = join(dataDir, 'pki', 'opcua', 'trusted', 'certs');
        mkdirSync(trusted, { recursive: true });
        copyFileSync(sim.servers.bms!.certificateFile, join(trusted, 'bms.pem'));
        const r = await startHub(file);
        try {
          await waitFor(
            () => latest(r.hub, 'chiller-1/power_kw').quality === 'good',
            15_000,
            () => JSON.stringify(link(r.hub)),
          );
          expect(link(r.hub)).toMatchObject({ state: 'up', errors: 0, stats: { securityMode } });
        } finally {
          await r.hub.stop();
        }
      }, 30_000);
});

describe('OPC UA site file checks', () => {
  it('refuses node ids by index, a missing password variable, and mismatched security', async () => {
    const { file } = opcuaSiteFile(
      4840,
      {
        securityMode: 'Sign',
        securityPolicy: 'None',
        username: 'hub',
        passwordEnv: 'HUB_TEST_NOT_SET_ANYWHERE',
      },
      undefined,
      (site) => Object.assign(site.assets[0]!.points[0]!, { nodeId: 'ns=2;s=x' }),
    );
    const err = String(await loadSiteFile(file).catch((e: Error) => e));
    expect(err).toMatch(/devices\[0\]\.securityPolicy: expected a policy for securityMode Sign/);
    expect(err).toMatch(/assets\[0\]\.points\[0\]\.nodeId: address the node by namespace URI/);
    const { file: file2 } = opcuaSiteFile(4840, {
      securityMode: 'Sign',
      securityPolicy: 'Basic256Sha256',
      username: 'hub',
      passwordEnv: 'HUB_TEST_NOT_SET_ANYWHERE',
      nodeIdTemplate: undefined,
    });
    const err2 = String(await loadSiteFile(file2).catch((e: Error) => e));
    expect(err2).toMatch(
      /devices\[0\]\.passwordEnv: the environment variable HUB_TEST_NOT_SET_ANYWHERE is not set/,
    );
    expect(err2).toMatch(
      /assets\[0\]\.points\[0\]\.nodeId: no nodeId \(give nodeId, or a nodeIdTemplate on the device\)/,
    );
  });
});
