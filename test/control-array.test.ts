/**
 * The command priority arrays through real protocols: a Modbus TCP server (test/modbus-fixtures.ts, a real one on
 * a socket) and the BACnet simulators (simulators/bacnet-*). Priority conflicts, overrides and their expiry, a
 * restart with the same data dir, a device offline at a change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ManualClock } from '../core/clock.js';
import type { CommandRequester } from '../core/devices/command-service.js';
import type { PointControlState } from '../domains/control/control-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
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

/** One AHU on Modbus unit 1: a setpoint in holding register 30, a fan command on coil 3. */
function modbusSite(port: number, dataDir: string, control: object = {}) {
  return parseSiteText(
    stringify({
      site: { id: 'c1', name: 'Control site', timezone: 'Asia/Shanghai' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir, logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'off' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [
        {
          id: 'ahu-ctl',
          protocol: 'modbus',
          host: '127.0.0.1',
          port,
          unitId: 1,
          intervalMs: 200,
          timeoutMs: 150,
          retries: 0,
          breakerFailures: 2,
        },
      ],
      assets: [
        {
          id: 'ahu-1',
          name: 'AHU 1',
          kind: 'ahu',
          zone: 'plant',
          device: 'ahu-ctl',
          points: [
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
        },
      ],
      control,
    }),
    'control-site.yaml',
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
  const changes: PointControlState[] = [];

  beforeAll(async () => {
    server = await startRegisterServer(await freePort(), [1]);
    hub = await buildHub(
      testHubOptions(modbusSite(server.port, tempDataDir(), { defaults: [{ point: SP, value: 18 }] }), {
        live: false,
      }),
    );
    hub.bus.on('control.changed', (s) => changes.push(s));
    await hub.start();
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
});
