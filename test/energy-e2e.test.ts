import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { ModbusSimulation } from '../simulators/modbus-devices.js';
import {
  influxQuery,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';

/**
 * End to end: two simulated SDM630 meters (a building's incomer and a sub-meter) over Modbus TCP → the hub →
 * the outbox → InfluxDB → the energy ledger → the daily report. The hub runs on a manual clock stepped 5
 * minutes at a time (one poll per step), so 90 minutes of 15-minute slots pass in seconds; the meters count
 * in real time, so each step's consumption is small but real.
 */

const SLOT = 15 * 60_000;
const START = Date.parse('2026-11-21T00:01:00+08:00');

function siteYaml(db: string, port: number): string {
  return `
site: { id: e2e, name: Energy e2e, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: influxdb, influxdb: { url: ${inject('influxUrl')}, database: ${db} }, retention: { rawDays: 3650 } }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: pm-main, protocol: modbus, host: 127.0.0.1, port: ${port}, unitId: 1, profile: sdm630, intervalMs: 5000 }
  - { id: pm-sub, protocol: modbus, host: 127.0.0.1, port: ${port}, unitId: 2, profile: sdm630, intervalMs: 5000 }
assets:
  - id: main-meter
    name: Incomer
    kind: electricity-meter
    zone: b1
    device: pm-main
    points: &points
      - { name: active_power_kw, unit: kW, from: total_active_power_w, intervalMs: 5000 }
      - { name: energy_kwh, unit: kWh, kind: counter, from: import_energy_kwh, intervalMs: 60000 }
  - { id: sub-meter, name: Sub-meter, kind: electricity-meter, zone: b1, device: pm-sub, points: *points }
energy:
  meters:
    - { id: main, point: main-meter/energy_kwh }
    - { id: sub, point: sub-meter/energy_kwh, parent: main }
    - { id: rest, add: [main], subtract: [sub], parent: main }
  tariffs:
    electricity:
      prices: { flat: 0.7 }
      seasons: [{ name: all, months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], periods: { flat: ['00:00-24:00'] } }]
`;
}

describe('energy end to end: simulated Modbus meters → InfluxDB → daily report', () => {
  let hub: Hub;
  let sim: ModbusSimulation;
  let session: TestSession;
  const db = `energy_e2e_${process.pid}_${Date.now()}`;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    const port = await freePort();
    const site = parseSiteText(siteYaml(db, port), 'energy-e2e.yaml');
    sim = new ModbusSimulation(site);
    await sim.start();
    hub = await buildHub(testHubOptions(site, { live: false, clock }));
    await hub.start();
    session = await sessionAs(hub, ['viewer']);
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await sim?.stop();
  });

  it('the report’s consumption is what the meters counted, slot by slot', async () => {
    const polls = { main: 0, sub: 0 };
    hub.bus.on('readings.accepted', (batch) => {
      for (const r of batch) {
        if (r.pointId === 'main-meter/energy_kwh') polls.main++;
        if (r.pointId === 'sub-meter/energy_kwh') polls.sub++;
      }
    });
    // 90 minutes in 5-minute steps: each step fires one poll of each meter (both before the next step, so
    // the two meters' readings fall in the same slots)
    for (let step = 0; step < 18; step++) {
      const before = { ...polls };
      clock.advance(5 * 60_000);
      await waitFor(
        () => polls.main > before.main && polls.sub > before.sub,
        5_000,
        () => `both meters polled at step ${step}`,
      );
    }
    // the outbox flushes on the (manual) clock: nudge it until InfluxDB has every line
    await waitFor(
      () => {
        clock.advance(1_000);
        return hub.storage.health().outbox?.lines === 0;
      },
      15_000,
      () => 'the outbox to drain',
    );

    // What InfluxDB holds: the meters' last reading in each 15-minute slot
    const lasts = async (asset: string) =>
      (
        await influxQuery(
          inject('influxUrl'),
          db,
          `SELECT last(energy_kwh) FROM raw."electricity-meter" WHERE asset = '${asset}' AND time >= ${START - 60_000}ms GROUP BY time(15m) fill(none)`,
        )
      ).values.map((v) => v[1] as number);
    const main = await lasts('main-meter');
    const sub = await lasts('sub-meter');
    expect(main.length).toBeGreaterThanOrEqual(6);
    const counted = (l: number[]) => l[l.length - 1]! - l[0]!;
    expect(counted(main)).toBeGreaterThan(0);

    const res = await hub.http.inject({
      method: 'GET',
      url: '/api/v1/energy/reports/daily?date=2026-11-21',
      headers: session.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    const meters = Object.fromEntries(r.meters.map((m: { id: string }) => [m.id, m]));
    // Σ of the slots = the counter's last reading minus its last reading in the first slot
    expect(meters.main.consumption).toBeCloseTo(counted(main), 3);
    expect(meters.sub.consumption).toBeCloseTo(counted(sub), 3);
    expect(meters.rest.consumption).toBeCloseTo(counted(main) - counted(sub), 3);
    // the simulated meter has counted at least what the hub read from it, to the register's precision: the
    // SDM630 holds kWh as a float32 (0.004 kWh apart near 39,000), so a read may round up past the meter's float64
    expect(sim.devices.get('pm-main')!.values().import_energy_kwh as number).toBeGreaterThanOrEqual(
      main[main.length - 1]! - 0.004,
    );
    // completeness: the slots with a delta (all but the first read slot) over the slots elapsed so far today
    const elapsed = Math.ceil((clock.now() - Date.parse('2026-11-21T00:00:00+08:00')) / SLOT);
    expect(meters.main.completeness).toBeCloseTo((main.length - 1) / elapsed, 3);
    const elec = r.totals[0];
    expect(elec).toMatchObject({ medium: 'electricity', mainMeters: ['main'] });
    expect(elec.consumption).toBeCloseTo(counted(main), 3);
    expect(elec.cost).toBeCloseTo(counted(main) * 0.7, 2);
    expect(elec.peakDemandKw).toBeGreaterThan(0);
  }, 60_000);
});
