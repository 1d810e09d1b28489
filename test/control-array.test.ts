/**
 * The command priority arrays through real protocols: a Modbus TCP server (test/modbus-fixtures.ts, a real one on
 * a socket) and the BACnet simulators (simulators/bacnet-*). Priority conflicts, overrides and their expiry, a
 * restart with the same data dir, a device offline at a change.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ManualClock } from '../core/clock.js';
import type { CommandRequester } from '../core/devices/command-service.js';
import type { PointControlState } from '../domains/control/control-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { type RegisterServer, startRegisterServer } from './modbus-fixtures.js';
import { freePort } from './services.js';

const SCHEDULES: CommandRequester = {
  actor: 'schedules',
  via: 'system',
  permissions: new Set(['setpoint:write'] as const),
};
const SP = 'ahu-1/supply_temp_sp_c';
const FAN = 'ahu-1/fan_cmd';

/** A site with one AHU (`ahu-1`, plant room) on one device `ahu-ctl`: the site file as YAML, parsed. */
function ahuSite(
  file: string,
  site: object,
  dataDir: string,
  device: object,
  points: object[],
  control?: object,
) {
  return parseSiteText(
    stringify({
      site,
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir, logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'off' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [{ id: 'ahu-ctl', ...device }],
      assets: [{ id: 'ahu-1', name: 'AHU 1', kind: 'ahu', zone: 'plant', device: 'ahu-ctl', points }],
      ...(control ? { control } : {}),
    }),
    file,
  );
}

/** One AHU on Modbus unit 1: a setpoint in holding register 30, a fan command on coil 3. */
function modbusSite(port: number, dataDir: string, control: object = {}) {
  return ahuSite(
    'control-site.yaml',
    { id: 'c1', name: 'Control site', timezone: 'Asia/Shanghai' },
    dataDir,
    {
      protocol: 'modbus',
      host: '127.0.0.1',
      port,
      unitId: 1,
      intervalMs: 200,
      timeoutMs: 150,
      retries: 0,
      breakerFailures: 2,
    },
    [
      { name: 'supply_temp_c', unit: 'degC', register: 0, dataType: 'uint16' },
      {
        name: 'supply_temp_sp_c',
        unit: 'degC',
        kind: 'command',
        register: 30,
        dataType: 'uint16',
        min: 10,
        max: 35,
      },
      { name: 'fan_cmd', type: 'boolean', kind: 'command', table: 'coil', register: 3 },
    ],
    control,
  );
}

const online = (hub: Hub) =>
  waitFor(
    () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'ahu-ctl')?.state === 'online',
    10_000,
  );
const writesTo = (server: RegisterServer, addr: number) =>
  server.writes.filter((w) => w.addr === addr).map((w) => w.value);

describe('priority arrays on a Modbus point', () => {
  let server: RegisterServer;
  let hub: Hub;
  let url: string;
  const changes: PointControlState[] = [];

  beforeAll(async () => {
    server = await startRegisterServer(await freePort(), [1]);
    hub = await buildHub(
      testHubOptions(modbusSite(server.port, tempDataDir(), { defaults: [{ point: SP, value: 18 }] }), {
        live: true,
      }),
    );
    hub.bus.on('control.changed', (s) => changes.push(s));
    url = await hub.start();
    await online(hub);
    await waitFor(() => server.units.get(1)!.hr[30] === 18, 5_000); // the site file's default, re-asserted
  });
  afterAll(async () => {
    await hub?.stop();
    await server?.close();
  });

  it('operator over schedule over default; relinquishing falls through; each change written and read back', async () => {
    const hr = () => server.units.get(1)!.hr[30];
    const before = server.writes.length;
    // the schedule at 14 outranks the default at 16
    let s = await hub.control.command({
      pointId: SP,
      level: 14,
      value: 24,
      by: SCHEDULES,
      source: 'schedule:day',
    });
    expect(s.effective).toEqual({ value: 24, level: 14, source: 'schedule:day' });
    expect(hr()).toBe(24);
    // an operator at 8 outranks the schedule
    const eng = await sessionAs(hub, ['engineer']);
    const res = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/control/points/${SP}/override`,
      headers: eng.headers,
      payload: { value: 21, reason: 'lobby event' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      effective: { value: 21, level: 8, source: `operator:${eng.username}` },
    });
    expect(hr()).toBe(21);
    // the schedule changes underneath: nothing reaches the device, the operator still rules
    s = await hub.control.command({
      pointId: SP,
      level: 14,
      value: 26,
      by: SCHEDULES,
      source: 'schedule:day',
    });
    expect(s.effective.value).toBe(21);
    expect(hr()).toBe(21);
    expect(s.slots.map((x) => [x.level, x.value])).toEqual([
      [8, 21],
      [14, 26],
      [16, 18],
    ]);
    // the operator lets go: the schedule's value applies
    const del = await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/control/points/${SP}/override`,
      headers: eng.headers,
    });
    expect(del.statusCode, del.body).toBe(200);
    expect(hr()).toBe(26);
    // the schedule ends: the default
    s = await hub.control.command({
      pointId: SP,
      level: 14,
      value: null,
      by: SCHEDULES,
      source: 'schedule:day',
    });
    expect(s.effective).toEqual({ value: 18, level: 16, source: 'site-file' });
    expect(hr()).toBe(18);
    // exactly one write per change of the effective value
    expect(server.writes.slice(before).map((w) => w.value)).toEqual([24, 21, 26, 18]);
    // the array's commands are audited, and so are the device writes
    expect(
      hub.audit.query({ action: 'control.command', target: SP, limit: 10 }).length,
    ).toBeGreaterThanOrEqual(5);
    expect(changes.at(-1)).toMatchObject({ pointId: SP, effective: { value: 18 }, pending: false });
  });

  it('the same value at the same level writes nothing to the device (idempotent)', async () => {
    await hub.control.command({
      pointId: FAN,
      level: 14,
      value: true,
      by: SCHEDULES,
      source: 'schedule:day',
    });
    expect(server.units.get(1)!.co[3]).toBe(true);
    const before = server.writes.length;
    const audits = hub.audit.query({ action: 'control.command', target: FAN, limit: 100 }).length;
    for (let i = 0; i < 3; i++)
      await hub.control.command({
        pointId: FAN,
        level: 14,
        value: true,
        by: SCHEDULES,
        source: 'schedule:day',
      });
    expect(server.writes.length).toBe(before);
    expect(hub.audit.query({ action: 'control.command', target: FAN, limit: 100 }).length).toBe(audits);
  });

  it('many commands at once: points in parallel, each point in the order given', async () => {
    const before = server.writes.length;
    const states = await hub.control.commandMany([
      { pointId: SP, level: 12, value: 30, by: SCHEDULES, source: 'scene:hot' },
      { pointId: FAN, level: 12, value: false, by: SCHEDULES, source: 'scene:hot' },
      { pointId: SP, level: 12, value: 31, by: SCHEDULES, source: 'scene:hot' },
    ]);
    expect(states.map((x) => x.effective.value)).toEqual([30, false, 31]);
    expect(writesTo(server, 30).slice(-2)).toEqual([30, 31]);
    expect(server.units.get(1)!.co[3]).toBe(false);
    expect(server.writes.length - before).toBe(3);
    await hub.control.commandMany(
      [SP, FAN].map((pointId) => ({ pointId, level: 12, value: null, by: SCHEDULES, source: 'scene:hot' })),
    );
  });

  it('checks: a value out of range, a level out of 1–16, a reading point, a requester without the permission', async () => {
    const cmd = { pointId: SP, level: 14, value: 24, by: SCHEDULES, source: 'schedule:day' };
    await expect(hub.control.command({ ...cmd, value: 99 })).rejects.toThrow(/above the point's maximum 35/);
    await expect(hub.control.command({ ...cmd, level: 17 })).rejects.toThrow(/level: expected 1/);
    await expect(hub.control.command({ ...cmd, pointId: 'ahu-1/supply_temp_c' })).rejects.toThrow(
      /only command points/,
    );
    await expect(
      hub.control.command({ ...cmd, by: { ...SCHEDULES, permissions: new Set() } }),
    ).rejects.toThrow(/needs the permission setpoint:write/);
  });

  it('a change of the array reaches dashboards over the live connection; the points API lists every command point', async () => {
    const viewer = await sessionAs(hub, ['viewer']);
    const socket = io(url, { transports: ['websocket'], extraHeaders: { cookie: viewer.cookie } });
    try {
      const got: PointControlState[] = [];
      socket.on('control', (e: PointControlState) => got.push(e));
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      await hub.control.command({ pointId: SP, level: 14, value: 27, by: SCHEDULES, source: 'schedule:eve' });
      await waitFor(() => got.some((e) => e.pointId === SP && e.effective.value === 27), 5_000);
      const list = await hub.http.inject({ url: '/api/v1/control/points', headers: viewer.headers });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toMatchObject({ overrideMinutes: 120, maxOverrideMinutes: 1440 });
      expect(list.json().points.map((p: { pointId: string }) => p.pointId)).toEqual([SP, FAN]);
      expect(list.json().points[0]).toMatchObject({
        pointId: SP,
        unit: 'degC',
        min: 10,
        max: 35,
        mayWrite: false, // a viewer
        whenRelinquished: 'keeps-last-value',
        effective: { value: 27, level: 14, source: 'schedule:eve' },
        pending: false,
      });
      const eng = await sessionAs(hub, ['engineer']);
      const one = await hub.http.inject({ url: `/api/v1/control/points/${SP}`, headers: eng.headers });
      expect(one.json()).toMatchObject({ pointId: SP, mayWrite: true });
      // a level relinquished by hand (a stuck schedule), with a reason
      const rel = await hub.http.inject({
        method: 'POST',
        url: `/api/v1/control/points/${SP}/relinquish`,
        headers: eng.headers,
        payload: { level: 14, reason: 'schedule removed' },
      });
      expect(rel.statusCode, rel.body).toBe(200);
      expect(rel.json().effective).toMatchObject({ value: 18, level: 16 });
      await waitFor(() => server.units.get(1)!.hr[30] === 18, 5_000);
      // the viewer may not
      const denied = await hub.http.inject({
        method: 'POST',
        url: `/api/v1/control/points/${SP}/override`,
        headers: viewer.headers,
        payload: { value: 20, reason: 'x' },
      });
      expect(denied.statusCode).toBe(403);
      const noReason = await hub.http.inject({
        method: 'POST',
        url: `/api/v1/control/points/${SP}/override`,
        headers: eng.headers,
        payload: { value: 20 },
      });
      expect(noReason.statusCode).toBe(400);
    } finally {
      socket.close();
    }
  });

  it('a device offline at a change: the point is pending with the error, and gets the value when it is back', async () => {
    server.silent.add(1);
    await waitFor(
      () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'ahu-ctl')?.state === 'offline',
      10_000,
    );
    const s = await hub.control.command({
      pointId: SP,
      level: 14,
      value: 23,
      by: SCHEDULES,
      source: 'schedule:x',
    });
    expect(s.pending).toBe(true);
    expect(s.effective.value).toBe(23);
    expect(s.lastWrite).toMatchObject({ ok: false, error: expect.stringMatching(/offline/) });
    expect(hub.control.state(SP)!.pending).toBe(true);
    expect(server.units.get(1)!.hr[30]).not.toBe(23);
    const before = changes.length;
    server.silent.delete(1);
    await waitFor(() => server.units.get(1)!.hr[30] === 23, 15_000);
    await waitFor(() => hub.control.state(SP)!.pending === false, 5_000);
    expect(changes.slice(before).at(-1)).toMatchObject({
      pointId: SP,
      pending: false,
      lastWrite: { ok: true },
    });
    expect(writesTo(server, 30).filter((v) => v === 23)).toHaveLength(1);
  }, 40_000);
});

describe('priority arrays over a restart (same data dir)', () => {
  it('slots are kept and each effective value is re-asserted exactly once; no double writes', async () => {
    const server = await startRegisterServer(await freePort(), [1]);
    const dataDir = tempDataDir();
    const site = () => modbusSite(server.port, dataDir);
    const first = await buildHub(testHubOptions(site(), { live: false }));
    await first.start();
    try {
      await online(first);
      await first.control.command({
        pointId: SP,
        level: 14,
        value: 24,
        by: SCHEDULES,
        source: 'schedule:day',
      });
      await first.control.command({
        pointId: FAN,
        level: 14,
        value: true,
        by: SCHEDULES,
        source: 'schedule:day',
      });
      await first.control.command({
        pointId: SP,
        level: 8,
        value: 22,
        by: SCHEDULES,
        source: 'operator:bob',
        expiresAt: Date.now() + 3_600_000,
      });
    } finally {
      await first.stop();
    }
    expect(writesTo(server, 30)).toEqual([24, 22]);
    // the device loses its values meanwhile (a power cut)
    server.units.get(1)!.hr[30] = 0;
    server.units.get(1)!.co[3] = false;
    server.writes.length = 0;

    const second = await buildHub(testHubOptions(site(), { live: false }));
    await second.start();
    try {
      expect(second.control.state(SP)!.slots.map((s) => [s.level, s.value, s.source])).toEqual([
        [8, 22, 'operator:bob'],
        [14, 24, 'schedule:day'],
      ]);
      await waitFor(() => server.units.get(1)!.hr[30] === 22 && server.units.get(1)!.co[3] === true, 10_000);
      await waitFor(() => !second.control.state(SP)!.pending && !second.control.state(FAN)!.pending);
      // a schedule edge repeated after the restart (the same value at the same level) writes nothing more
      await second.control.command({
        pointId: SP,
        level: 14,
        value: 24,
        by: SCHEDULES,
        source: 'schedule:day',
      });
      await second.control.command({
        pointId: FAN,
        level: 14,
        value: true,
        by: SCHEDULES,
        source: 'schedule:day',
      });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(writesTo(server, 30)).toEqual([22]);
      expect(writesTo(server, 3)).toEqual([true]);
    } finally {
      await second.stop();
      await server.close();
    }
  }, 40_000);
});

describe('operator overrides expire (manual clock)', () => {
  it('an override relinquishes itself at its expiry, audited; the schedule underneath applies', async () => {
    const server = await startRegisterServer(await freePort(), [1]);
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 8, 0));
    const hub = await buildHub(
      testHubOptions(modbusSite(server.port, tempDataDir(), { overrideMinutes: 30 }), {
        live: false,
        clock,
      }),
    );
    await hub.start();
    try {
      // the manual clock drives the polls too: step it until the device answers
      await waitFor(() => {
        clock.advance(200);
        return hub.supervisor.deviceHealth()[0]?.state === 'online';
      }, 10_000);
      await hub.control.command({ pointId: SP, level: 14, value: 24, by: SCHEDULES, source: 'schedule:day' });
      const eng = await sessionAs(hub, ['engineer']);
      const res = await hub.http.inject({
        method: 'POST',
        url: `/api/v1/control/points/${SP}/override`,
        headers: eng.headers,
        payload: { value: 20, reason: 'commissioning' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const override = res.json().slots.find((s: { level: number }) => s.level === 8);
      expect(override.expiresAt).toBe(clock.now() + 30 * 60_000); // control.overrideMinutes
      expect(server.units.get(1)!.hr[30]).toBe(20);
      clock.advance(29 * 60_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(hub.control.state(SP)!.effective.value).toBe(20);
      clock.advance(60_000);
      await waitFor(() => server.units.get(1)!.hr[30] === 24, 5_000);
      expect(hub.control.state(SP)!.effective).toMatchObject({ value: 24, level: 14 });
      expect(hub.audit.query({ action: 'control.expired', limit: 1 })[0]).toMatchObject({
        target: SP,
        actor: 'control',
        detail: expect.stringMatching(
          /level 8 \(manual-operator\) held by operator:.* expired; reason was: commissioning/,
        ),
      });
      // the longest override is capped; a reason is required
      const long = await hub.http.inject({
        method: 'POST',
        url: `/api/v1/control/points/${SP}/override`,
        headers: eng.headers,
        payload: { value: 20, reason: 'x', minutes: 2000 },
      });
      expect(long.statusCode).toBe(400);
    } finally {
      await hub.stop();
      await server.close();
    }
  }, 40_000);

  it('an override that expired while the hub was stopped is dropped at start (audited), and the level below applies', async () => {
    const server = await startRegisterServer(await freePort(), [1]);
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 8, 0));
    const dataDir = tempDataDir();
    const start = async () => {
      const hub = await buildHub(testHubOptions(modbusSite(server.port, dataDir), { live: false, clock }));
      await hub.start();
      await waitFor(() => {
        clock.advance(200);
        return hub.supervisor.deviceHealth()[0]?.state === 'online';
      }, 10_000);
      return hub;
    };
    const first = await start();
    try {
      await first.control.command({
        pointId: SP,
        level: 14,
        value: 24,
        by: SCHEDULES,
        source: 'schedule:day',
      });
      await first.control.override(SCHEDULES, SP, 20, 'night shift test', 60);
      expect(server.units.get(1)!.hr[30]).toBe(20);
    } finally {
      await first.stop();
    }
    clock.advance(2 * 3_600_000); // the hub is down for two hours
    const second = await start();
    try {
      expect(second.control.state(SP)!.slots.map((s) => s.level)).toEqual([14]);
      expect(second.audit.query({ action: 'control.expired', limit: 1 })[0]).toMatchObject({
        target: SP,
        before: { value: 20, level: 8 },
        after: { value: 24, level: 14 },
      });
      await waitFor(() => server.units.get(1)!.hr[30] === 24, 5_000);
    } finally {
      await second.stop();
      await server.close();
    }
  }, 40_000);
});

/** The simulated AHU on BACnet/IP: a setpoint (analog-value:1) and a fan command (binary-value:1). */
function bacnetSite(sim: BacnetSite, dataDir = tempDataDir()) {
  return ahuSite(
    'bacnet-control.yaml',
    { id: 'cb', name: 'BACnet control site' },
    dataDir,
    {
      protocol: 'bacnet',
      instance: 1001,
      address: sim.ahu.address,
      localAddress: '127.0.0.28',
      localPort: 0,
      intervalMs: 500,
      timeoutMs: 300,
      retries: 0,
      breakerFailures: 2,
      covLifetimeS: 2,
    },
    [
      { name: 'return_temp_c', unit: 'degC', object: 'analog-input:2', cov: false },
      { name: 'setpoint_c', unit: 'degC', object: 'analog-value:1', kind: 'command', min: 10, max: 35 },
      { name: 'fan_cmd', type: 'boolean', object: 'binary-value:1', kind: 'command' },
    ],
  );
}

describe("priority arrays on a BACnet point: each level lands in the device's own array", () => {
  let sim: BacnetSite;
  let hub: Hub;
  const BSP = 'ahu-1/setpoint_c';
  const slot = (n: number) => sim.ahu.object('analog-value:1').priority![n - 1];

  const dataDir = tempDataDir();
  beforeAll(async () => {
    sim = await startBacnetSite({ hosts: ['127.0.0.21', '127.0.0.22', '127.0.0.23'], tickMs: 200 });
    hub = await buildHub(testHubOptions(bacnetSite(sim, dataDir), { live: false }));
    await hub.start();
    await waitFor(
      () =>
        hub.supervisor.deviceHealth()[0]?.state === 'online' &&
        hub.supervisor.linkHealth()[0]?.state === 'up',
      10_000,
    );
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await sim?.stop();
  });

  it('schedule at 14 and operator at 8 both held by the device; relinquishing 8 falls through to 14', async () => {
    await hub.control.command({ pointId: BSP, level: 14, value: 24, by: SCHEDULES, source: 'schedule:day' });
    expect(slot(14)).toBe(24);
    const eng = await sessionAs(hub, ['engineer']);
    const res = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/control/points/${BSP}/override`,
      headers: eng.headers,
      payload: { value: 21.5, reason: 'tenant complaint' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect([slot(8), slot(14)]).toEqual([21.5, 24]);
    await waitFor(() => hub.latest.get(BSP)?.value === 21.5, 5_000);
    // the schedule moves underneath the override: the device's level 14 follows, level 8 still rules
    await hub.control.command({ pointId: BSP, level: 14, value: 25, by: SCHEDULES, source: 'schedule:day' });
    expect([slot(8), slot(14)]).toEqual([21.5, 25]);
    expect(hub.audit.query({ action: 'setpoint.write', target: BSP, limit: 1 })[0]).toMatchObject({
      outcome: 'ok',
      after: { value: 25, priority: 14 },
    });
    const del = await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/control/points/${BSP}/override`,
      headers: eng.headers,
    });
    expect(del.statusCode, del.body).toBe(200);
    expect(slot(8)).toBeNull();
    expect(slot(14)).toBe(25);
    await waitFor(() => hub.latest.get(BSP)?.value === 25, 5_000);
    // the schedule lets go: the device's own relinquish default rules
    await hub.control.command({
      pointId: BSP,
      level: 14,
      value: null,
      by: SCHEDULES,
      source: 'schedule:day',
    });
    expect(slot(14)).toBeNull();
  });

  it('a level changed while the controller is silent is written to its array when it answers again', async () => {
    sim.ahu.setAnswering(false);
    await waitFor(() => hub.supervisor.deviceHealth()[0]?.state === 'offline', 10_000);
    const s = await hub.control.command({
      pointId: BSP,
      level: 14,
      value: 22,
      by: SCHEDULES,
      source: 'schedule:x',
    });
    expect(s).toMatchObject({ pending: true, effective: { value: 22, level: 14 } });
    expect(slot(14)).toBeNull();
    sim.ahu.setAnswering(true);
    await waitFor(() => slot(14) === 22, 15_000);
    await waitFor(() => hub.control.state(BSP)!.pending === false, 5_000);
  }, 30_000);

  it('after a restart each held level is written to the device once (a controller that lost its array)', async () => {
    await hub.control.command({
      pointId: BSP,
      level: 10,
      value: 26,
      by: SCHEDULES,
      source: 'demand-limit:b1',
    });
    expect([slot(10), slot(14)]).toEqual([26, 22]);
    await hub.stop();
    // the controller restarts and forgets its priority array
    const array = sim.ahu.object('analog-value:1').priority!;
    array.fill(null);
    hub = await buildHub(testHubOptions(bacnetSite(sim, dataDir), { live: false }));
    const written: unknown[] = [];
    hub.bus.on('command.completed', (c) => c.ok && written.push(c.value));
    await hub.start();
    await waitFor(() => slot(10) === 26 && slot(14) === 22, 15_000);
    await waitFor(() => hub.control.state(BSP)!.pending === false, 5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(written.sort()).toEqual([22, 26]);
    expect(
      hub.audit.query({ action: 'setpoint.write', outcome: 'ok', limit: 2 }).map((e) => e.after),
    ).toEqual([
      { value: 22, priority: 14 },
      { value: 26, priority: 10 },
    ]);
  }, 30_000);
});

describe('the site file: control.defaults and the override limits', () => {
  it('a default names a command point once, with a value it takes; exact paths', () => {
    const bad = () =>
      modbusSite(1502, tempDataDir(), {
        overrideMinutes: 600,
        maxOverrideMinutes: 300,
        defaults: [
          { point: 'ahu-1/nope', value: 1 },
          { point: 'ahu-1/supply_temp_c', value: 1 },
          { point: SP, value: 99 },
          { point: FAN, value: true },
          { point: FAN, value: false },
        ],
      });
    expect(bad).toThrow(
      [
        'control-site.yaml: 5 problems',
        'control.overrideMinutes: 600 is longer than maxOverrideMinutes (300)',
        'control.defaults[0].point: no point ahu-1/nope in the site',
        'control.defaults[1].point: ahu-1/supply_temp_c is a measurement point; expected a command point',
        "control.defaults[2].value: 99 is above the point's maximum 35",
        'control.defaults[4].point: ahu-1/fan_cmd has a default already',
      ].join('\n  '),
    );
    expect(
      modbusSite(1502, tempDataDir(), { defaults: [{ point: FAN, value: false }] }).config.control,
    ).toMatchObject({
      overrideMinutes: 120,
      maxOverrideMinutes: 1440,
      defaults: [{ point: FAN, value: false }],
    });
  });
});
