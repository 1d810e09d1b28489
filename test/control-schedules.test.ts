import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { type RegisterServer, startRegisterServer } from './modbus-fixtures.js';
import { freePort } from './services.js';

/**
 * Schedules end to end: a real hub on a manual clock, its priority arrays writing over Modbus TCP to a register
 * server, the schedules in the site file and through the API. The clock is stepped from edge to edge (the
 * engine's own next edge), so a day passes in a second and each write happens at its exact instant.
 */

const SP = 10; // ahu-1/supply_sp's holding register
const SP_ID = 'ahu-1/supply_sp';

function siteYaml(o: { tz: string; port: number; dataDir: string; control: string }): string {
  return `
site: { id: sched, name: Schedules, timezone: ${o.tz} }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${o.dataDir}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: off }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: ahu-ctl, protocol: modbus, host: 127.0.0.1, port: ${o.port}, unitId: 1, intervalMs: 1000, timeoutMs: 150, retries: 0, breakerFailures: 2 }
assets:
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: b1
    device: ahu-ctl
    points:
      - { name: zone_temp, unit: degC, register: 0, dataType: uint16 }
      - { name: supply_sp, unit: degC, kind: command, register: ${SP}, dataType: uint16, min: 10, max: 30 }
control:
${o.control}
`;
}

interface Running {
  hub: Hub;
  clock: ManualClock;
  /** The writes the hub finished, with the (manual) time each finished at. */
  done: { ts: number; value: unknown; ok: boolean }[];
}

async function startHub(
  server: RegisterServer,
  clock: ManualClock,
  tz: string,
  dataDir: string,
  control: string,
) {
  const site = parseSiteText(siteYaml({ tz, port: server.port, dataDir, control }), 'schedules.yaml');
  const hub = await buildHub(testHubOptions(site, { live: false, clock }));
  const done: Running['done'] = [];
  hub.bus.on('command.completed', (c) => {
    if (c.pointId === SP_ID) done.push({ ts: c.ts, value: c.value, ok: c.ok });
  });
  await hub.start();
  // the first poll comes within one interval (1 s) of the manual clock
  await waitFor(
    async () => {
      if (hub.supervisor.deviceHealth()[0]?.state === 'online') return true;
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 10));
      return false;
    },
    5_000,
    () => 'the AHU online',
  );
  await settle(hub);
  return { hub, clock, done } satisfies Running;
}

/** The engine's queued work done, and every point's write queue (real Modbus I/O) drained. */
async function settle(hub: Hub): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await hub.scheduleEngine.idle();
    await waitFor(
      () =>
        hub.control.list().every((p) => !p.pending || hub.supervisor.deviceHealth()[0]?.state !== 'online'),
      5_000,
    );
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Step the clock from edge to edge up to `until` (ms UTC), letting each edge's writes finish. */
async function runUntil(r: Running, until: number): Promise<void> {
  for (;;) {
    const next = r.hub.scheduleEngine.nextEdge;
    if (next > until) break;
    r.clock.advance(Math.max(0, next - r.clock.now()));
    await settle(r.hub);
  }
  if (until > r.clock.now()) r.clock.advance(until - r.clock.now());
  await settle(r.hub);
}

const held = (server: RegisterServer) => server.units.get(1)!.hr[SP];
const spWrites = (server: RegisterServer) => server.writes.filter((w) => w.addr === SP);

describe('schedules over Modbus: DST in Europe/Berlin', () => {
  let server: RegisterServer;
  beforeAll(async () => {
    server = await startRegisterServer(await freePort(), [1]);
  });
  afterAll(async () => {
    await server?.close();
  });
  const control = `
  schedules:
    - id: night-purge
      targets: { points: [${SP_ID}] }
      weekly: { sun: [{ from: '02:30', to: '05:00', value: 18 }] }
      outside: 16
`;

  it('spring forward: the 02:30 edge is written when the clock jumps to 03:00 CEST', async () => {
    const clock = new ManualClock(Date.parse('2026-03-29T00:40:00Z')); // 01:40 CET
    const r = await startHub(server, clock, 'Europe/Berlin', tempDataDir(), control);
    try {
      expect(held(server)).toBe(16);
      expect(r.hub.scheduleEngine.nextEdge).toBe(Date.parse('2026-03-29T01:00:00Z'));
      await runUntil(r, Date.parse('2026-03-29T03:30:00Z'));
      expect(
        r.done.filter((d) => d.ok).map((d) => [new Date(d.ts).toISOString().slice(0, 16), d.value]),
      ).toEqual([
        ['2026-03-29T00:40', 16], // at start, once the controller answered
        ['2026-03-29T01:00', 18], // 03:00 CEST: 02:30 never shows on the clock
        ['2026-03-29T03:00', 16], // 05:00 CEST
      ]);
      expect(held(server)).toBe(16);
    } finally {
      await r.hub.stop();
    }
  });

  it('fall back: the period starts at the first 02:30 and runs through the repeated hour once', async () => {
    const clock = new ManualClock(Date.parse('2026-10-25T00:10:00Z')); // 02:10 CEST
    const r = await startHub(server, clock, 'Europe/Berlin', tempDataDir(), control);
    try {
      await runUntil(r, Date.parse('2026-10-25T04:30:00Z'));
      expect(
        r.done.filter((d) => d.ok).map((d) => [new Date(d.ts).toISOString().slice(0, 16), d.value]),
      ).toEqual([
        ['2026-10-25T00:10', 16],
        ['2026-10-25T00:30', 18], // 02:30 CEST
        ['2026-10-25T04:00', 16], // 05:00 CET: the second 02:30 (01:30Z) is no edge
      ]);
    } finally {
      await r.hub.stop();
    }
  });
});

describe('schedules over Modbus: a working Saturday in Asia/Shanghai', () => {
  let server: RegisterServer;
  let r: Running;
  let engineer: TestSession;
  const dataDir = tempDataDir();
  const clock = new ManualClock(Date.parse('2026-10-10T07:00:00+08:00')); // Saturday, a make-up working day
  const at = (hhmm: string) => Date.parse(`2026-10-10T${hhmm}:00+08:00`);
  const day = [{ from: '08:00', to: '18:00', value: 22 }];
  const control = `
  calendars:
    - id: cn-2026
      name: 中国法定节假日 2026
      holidays: ['2026-10-01..2026-10-07']
      workdays: [{ date: '2026-09-27', as: mon }, { date: '2026-10-10', as: fri }]
  schedules:
    - id: office
      name: Office hours
      targets: { groups: [{ zone: b1, kind: ahu, point: supply_sp }] }
      calendar: cn-2026
      weekly: { mon: ${JSON.stringify(day)}, tue: ${JSON.stringify(day)}, wed: ${JSON.stringify(day)}, thu: ${JSON.stringify(day)}, fri: ${JSON.stringify(day)} }
      outside: 16
      events:
        - { date: '2026-10-10', from: '16:00', to: '20:00', value: 24, name: Open day }
`;

  beforeAll(async () => {
    server = await startRegisterServer(await freePort(), [1]);
    r = await startHub(server, clock, 'Asia/Shanghai', dataDir, control);
    engineer = await sessionAs(r.hub, ['engineer']);
  }, 30_000);
  afterAll(async () => {
    await r?.hub.stop();
    await server?.close();
  });

  it('the make-up working day follows Friday: 22 °C written at 08:00', async () => {
    expect(held(server)).toBe(16);
    await runUntil(r, at('08:30'));
    expect(held(server)).toBe(22);
    expect(
      r.done.filter((d) => d.ok).map((d) => [new Date(d.ts).toISOString().slice(0, 16), d.value]),
    ).toEqual([
      ['2026-10-09T23:00', 16], // 07:00, at start
      ['2026-10-10T00:00', 22], // 08:00
    ]);
    const state = r.hub.control.state(SP_ID)!;
    expect(state.effective).toMatchObject({ value: 22, level: 14, source: 'schedule:office' });
    const office = (
      await r.hub.http.inject({ url: '/api/v1/control/schedules/office', headers: engineer.headers })
    ).json();
    expect(office.now).toMatchObject({ value: 22, kind: 'period', dayType: 'workday', weekday: 'fri' });
  });

  it('a restart mid-schedule writes the value once (re-asserted), never twice', async () => {
    clock.advance(at('09:00') - clock.now());
    await settle(r.hub);
    await r.hub.stop();
    server.units.get(1)!.hr[SP] = 0; // the controller lost its value while the hub was down
    const before = spWrites(server).length;
    r = await startHub(server, clock, 'Asia/Shanghai', dataDir, control);
    engineer = await sessionAs(r.hub, ['engineer']);
    await waitFor(
      () => held(server) === 22,
      5_000,
      () => `register ${held(server)}`,
    );
    await new Promise((res) => setTimeout(res, 300)); // a second write would have come by now
    await settle(r.hub);
    expect(
      spWrites(server)
        .slice(before)
        .map((w) => w.value),
    ).toEqual([22]);
    expect(r.hub.control.state(SP_ID)!.slots).toEqual([
      expect.objectContaining({ level: 14, value: 22, source: 'schedule:office' }),
    ]);
  });

  it('two schedules on one point: the newer period rules; a device offline at the edge gets it on return', async () => {
    const lunch = {
      id: 'lunch-setback',
      name: 'Lunch setback',
      targets: { points: [SP_ID] },
      weekly: { sat: [{ from: '12:00', to: '13:00', value: 18 }] },
    };
    const put = await r.hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/schedules/lunch-setback',
      payload: lunch,
      headers: engineer.headers,
    });
    expect(put.statusCode).toBe(201);
    expect(r.hub.audit.query({ action: 'schedule.created', limit: 1 })[0]).toMatchObject({
      target: 'lunch-setback',
    });
    await runUntil(r, at('11:50'));
    expect(held(server)).toBe(22); // office still rules (lunch is outside its period and has no outside value)
    // the controller stops answering before the 12:00 edge
    server.silent.add(1);
    for (let i = 0; i < 4 && r.hub.supervisor.deviceHealth()[0]?.state !== 'offline'; i++) {
      clock.advance(10_000);
      await new Promise((res) => setTimeout(res, 400));
    }
    expect(r.hub.supervisor.deviceHealth()[0]?.state).toBe('offline');
    const writes = spWrites(server).length;
    await runUntil(r, at('12:00'));
    const state = r.hub.control.state(SP_ID)!;
    expect(state).toMatchObject({
      pending: true,
      effective: { value: 18, source: 'schedule:lunch-setback' },
    });
    expect(spWrites(server).length).toBe(writes);
    server.silent.delete(1);
    for (let i = 0; i < 20 && held(server) !== 18; i++) {
      clock.advance(10_000);
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(held(server)).toBe(18);
    await waitFor(() => !r.hub.control.state(SP_ID)!.pending, 5_000);
    // at 13:00 the office period (begun at 08:00) rules again
    await runUntil(r, at('13:30'));
    expect(held(server)).toBe(22);
    expect(r.hub.control.state(SP_ID)!.effective.source).toBe('schedule:office');
  });

  it('an event overrides the day: 24 °C from 16:00 to 20:00, then the outside value', async () => {
    await runUntil(r, at('17:00'));
    expect(held(server)).toBe(24);
    await runUntil(r, at('20:30'));
    expect(held(server)).toBe(16);
    const ok = r.done.filter((d) => d.ok && d.ts >= at('15:00')).map((d) => [d.ts, d.value]);
    expect(ok).toEqual([
      [at('16:00'), 24],
      [at('20:00'), 16],
    ]);
  });

  it('the dry run shows the day as written: local times, values, which schedule and day type rule', async () => {
    const res = await r.hub.http.inject({
      url: '/api/v1/control/schedules/office/preview?date=2026-10-10',
      headers: engineer.headers,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      schedule: 'office',
      date: '2026-10-10',
      timeZone: 'Asia/Shanghai',
      level: 14,
    });
    expect(body.points).toHaveLength(1);
    expect(body.points[0].schedules).toEqual(['office', 'lunch-setback']);
    const rows = body.points[0].writes.map((w: Record<string, unknown>) => [
      w.time,
      w.value,
      w.scheduleId,
      w.kind,
      w.dayType,
      w.weekday,
    ]);
    expect(rows).toEqual([
      ['00:00', 16, 'office', 'outside', 'workday', 'fri'],
      ['08:00', 22, 'office', 'period', 'workday', 'fri'],
      ['12:00', 18, 'lunch-setback', 'period', 'weekday', 'sat'],
      ['13:00', 22, 'office', 'period', 'workday', 'fri'],
      ['16:00', 24, 'office', 'event', 'workday', 'fri'],
      ['20:00', 16, 'office', 'outside', 'workday', 'fri'],
    ]);
    // what the register took over the day, in order, is exactly the dry run's values after midnight
    const taken = spWrites(server)
      .map((w) => w.value)
      .filter((v, i, a) => i === 0 || v !== a[i - 1]);
    expect(taken.slice(-5)).toEqual([22, 18, 22, 24, 16]);
    // a holiday in the range: the office schedule runs its (empty) holiday periods
    const holiday = (
      await r.hub.http.inject({
        url: '/api/v1/control/schedules/office/preview?date=2026-10-05',
        headers: engineer.headers,
      })
    ).json();
    expect(holiday.points[0].writes).toEqual([
      expect.objectContaining({
        time: '00:00',
        value: 16,
        kind: 'outside',
        dayType: 'holiday',
        dayStart: true,
      }),
    ]);
    // an unsaved schedule: checked as a save would be, previewed against the running ones
    const draft = {
      id: 'draft',
      targets: { points: [SP_ID] },
      weekly: { sun: [{ from: '09:00', to: '11:00', value: 20 }] },
    };
    const dry = await r.hub.http.inject({
      method: 'POST',
      url: '/api/v1/control/schedules/preview?date=2026-10-11',
      payload: draft,
      headers: engineer.headers,
    });
    expect(dry.statusCode).toBe(200);
    expect(
      dry.json().points[0].writes.map((w: { time: string; value: unknown }) => [w.time, w.value]),
    ).toEqual([
      ['00:00', 16],
      ['09:00', 20],
      ['11:00', 16],
    ]);
  });

  it('the API keeps the site file’s schedules read only and checks bodies like the site file', async () => {
    const put = await r.hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/schedules/office',
      payload: { id: 'office', targets: { points: [SP_ID] } },
      headers: engineer.headers,
    });
    expect(put.statusCode).toBe(409);
    expect(put.json().detail).toMatch(/site file/);
    const bad = await r.hub.http.inject({
      method: 'POST',
      url: '/api/v1/control/schedules',
      payload: {
        id: 'bad',
        targets: { points: [SP_ID] },
        weekly: {
          mon: [
            { from: '08:00', to: '12:00', value: 22 },
            { from: '11:00', to: '13:00', value: 40 },
          ],
        },
      },
      headers: engineer.headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      expect.stringMatching(/^schedule\.weekly\.mon\[1\]: overlaps period 0/),
    ]);
    const tooHot = await r.hub.http.inject({
      method: 'POST',
      url: '/api/v1/control/schedules',
      payload: {
        id: 'hot',
        targets: { points: [SP_ID] },
        weekly: { mon: [{ from: '08:00', to: '12:00', value: 40 }] },
      },
      headers: engineer.headers,
    });
    expect(tooHot.json().errors).toEqual([
      "schedule.weekly.mon[0].value: 40 is above ahu-1/supply_sp's max 30",
    ]);
    const viewer = await sessionAs(r.hub, ['viewer']);
    const denied = await r.hub.http.inject({
      method: 'DELETE',
      url: '/api/v1/control/schedules/lunch-setback',
      headers: viewer.headers,
    });
    expect(denied.statusCode).toBe(403);
    const del = await r.hub.http.inject({
      method: 'DELETE',
      url: '/api/v1/control/schedules/lunch-setback',
      headers: engineer.headers,
    });
    expect(del.statusCode).toBe(204);
    const spec = (await r.hub.http.inject({ url: '/api/docs/json' })).json();
    expect(spec.paths['/api/v1/control/schedules/{id}/preview'].get.tags).toEqual(['control']);
    expect(spec.tags.map((t: { name: string }) => t.name)).toContain('control');
    const list = (
      await r.hub.http.inject({ url: '/api/v1/control/schedules', headers: viewer.headers })
    ).json();
    expect(list.schedules.map((s: { id: string; origin: string }) => [s.id, s.origin])).toEqual([
      ['office', 'site-file'],
    ]);
  });
});

describe('optimum start over Modbus, learning from history written through storage', () => {
  let server: RegisterServer;
  beforeAll(async () => {
    server = await startRegisterServer(await freePort(), [1]);
  });
  afterAll(async () => {
    await server?.close();
  });
  const every = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
    .map((d) => `${d}: [{ from: '08:00', to: '18:00', value: 22 }]`)
    .join(', ');
  const control = `
  schedules:
    - id: warm-up
      targets: { points: [${SP_ID}] }
      weekly: { ${every} }
      outside: 16
      optimumStart: { temperature: ahu-1/zone_temp, outdoor: ahu-1/outdoor_temp, setpoint: 22, maxLeadMinutes: 120 }
`;
  /** The zone: minutes from the equipment start to the setpoint, by gap (K) and outdoor temperature. */
  const truth = (gap: number, outdoor: number) => 10 + 12 * gap - 0.5 * outdoor;

  it('learns the zone from five weeks of mornings, starts early by the predicted lead, reports the miss', async () => {
    const now = Date.parse('2026-12-07T05:00:00Z'); // Monday
    const clock = new ManualClock(now);
    const yaml = siteYaml({ tz: 'UTC', port: server.port, dataDir: tempDataDir(), control })
      .replace('storage: { mode: off }', 'storage: { mode: embedded, retention: { rawDays: 60 } }')
      .replace(
        '      - { name: zone_temp, unit: degC, register: 0, dataType: uint16 }',
        '      - { name: zone_temp, unit: degC, register: 0, dataType: uint16 }\n      - { name: outdoor_temp, unit: degC, register: 1, dataType: uint16 }',
      );
    server.units.get(1)!.hr[0] = 18; // 4 K below the setpoint this morning
    server.units.get(1)!.hr[1] = 0;
    const site = parseSiteText(yaml, 'optimum.yaml');
    const hub = await buildHub(testHubOptions(site, { live: false, clock }));
    const r: Running = { hub, clock, done: [] };
    hub.bus.on('command.completed', (c) => {
      if (c.pointId === SP_ID) r.done.push({ ts: c.ts, value: c.value, ok: c.ok });
    });
    await hub.start();
    try {
      // five weeks of history through the storage path: each morning the zone waits at 22 − gap until the
      // schedule starts the AHU at 08:00, then warms at the zone's rate
      for (let d = 35; d >= 1; d--) {
        const day = now - 5 * 3_600_000 - d * 86_400_000;
        const gap = 1 + ((d * 7) % 10) / 2;
        const outdoor = ((d * 13) % 15) - 3;
        const batch = [];
        for (let m = 6 * 60; m < 11 * 60; m++) {
          const ts = day + m * 60_000;
          const since = m - 8 * 60;
          const v = since <= 0 ? 22 - gap : Math.min(22, 22 - gap + (gap * since) / truth(gap, outdoor));
          batch.push({ pointId: 'ahu-1/zone_temp', value: v, quality: 'good' as const, ts });
          batch.push({ pointId: 'ahu-1/outdoor_temp', value: outdoor, quality: 'good' as const, ts });
        }
        hub.bus.emit('readings.accepted', batch);
      }
      await hub.scheduleService.learn();
      await waitFor(async () => {
        if (hub.supervisor.deviceHealth()[0]?.state === 'online') return true;
        clock.advance(100);
        await new Promise((res) => setTimeout(res, 10));
        return false;
      }, 5_000);
      await settle(hub);
      const viewer = await sessionAs(hub, ['viewer']);
      const report = async () =>
        (await hub.http.inject({ url: '/api/v1/control/optimum-start', headers: viewer.headers })).json()
          .schedules[0];
      const learned = await report();
      expect(learned.model.samples).toBe(35);
      expect(learned.model.perOutdoorK).toBeLessThan(0); // colder outside: longer
      const lead = learned.leadNow;
      expect(Math.abs(lead - truth(4, 0))).toBeLessThan(10); // within the 0.5 K tolerance's head start
      // the decision at 06:00 (08:00 − maxLead), the start at 08:00 − lead
      await runUntil(r, Date.parse('2026-12-07T06:00:00Z'));
      const start = Date.parse('2026-12-07T08:00:00Z') - lead * 60_000;
      expect(hub.scheduleEngine.nextEdge).toBe(start);
      await runUntil(r, start);
      expect(server.units.get(1)!.hr[SP]).toBe(22);
      expect(r.done.filter((d) => d.ok).at(-1)).toMatchObject({ ts: start, value: 22 });
      // the zone reaches 22 °C at 08:03: three minutes late
      server.units.get(1)!.hr[0] = 22;
      await runUntil(r, Date.parse('2026-12-07T08:03:00Z'));
      // the 08:03 poll is a real Modbus round trip: under load it may land after runUntil returned, so the manual
      // clock moves on in small steps (at most seconds: the miss is checked to the half minute) until it has
      await waitFor(async () => {
        if ((await report()).mornings[0]?.missMinutes !== undefined) return true;
        clock.advance(100);
        await new Promise((res) => setTimeout(res, 10));
        return false;
      }, 10_000);
      const [morning] = (await report()).mornings;
      expect(morning).toMatchObject({
        date: '2026-12-07',
        leadMinutes: lead,
        indoor: 18,
        outdoor: 0,
        startedAt: start,
      });
      expect(morning.missMinutes).toBeCloseTo(3, 0);
      // the dry run of tomorrow starts the first period early by the lead it would use now
      const preview = (
        await hub.http.inject({
          url: '/api/v1/control/schedules/warm-up/preview?date=2026-12-08',
          headers: viewer.headers,
        })
      ).json();
      expect(preview.points[0].writes[1]).toMatchObject({ value: 22, kind: 'period' });
    } finally {
      await hub.stop();
    }
  });
});
