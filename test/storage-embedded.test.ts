import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import {
  connectDevice,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';
import { GATE_TOPIC, METER_TOPIC, ROOM_TOPIC, storageSite } from './storage-fixtures.js';

/** The History API without InfluxDB: SQLite in the data dir, the same answers. */
describe('embedded store', () => {
  const dataDir = tempDataDir();
  let hub: Hub;
  let viewer: TestSession;
  let mqttPort: number;
  const t0 = Math.floor((Date.now() - 30 * 60_000) / 600_000) * 600_000;
  const old = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;
  const start = async () => {
    hub = await buildHub(
      testHubOptions(storageSite({ mode: 'embedded', retention: { rawDays: 2 } }, { mqttPort, dataDir }), {
        live: false,
      }),
    );
    await hub.start();
    viewer = await sessionAs(hub, ['viewer']);
  };
  const get = (url: string) => hub.http.inject({ url, headers: viewer.headers });

  beforeAll(async () => {
    mqttPort = await freePort();
    await start();
    const room = await connectDevice(hub, mqttPort, 'env-1');
    const gate = await connectDevice(hub, mqttPort, 'gate-ctl');
    const meter = await connectDevice(hub, mqttPort, 'env-2');
    for (let i = 0; i < 20; i++) {
      const ts = t0 + i * 30_000;
      await room.publishAsync(ROOM_TOPIC, JSON.stringify({ ts, temp_c: i === 5 ? 71 : 20 + i / 10 }));
      await gate.publishAsync(GATE_TOPIC, JSON.stringify({ ts, last_card: `C${i}` }));
    }
    // three days ago (older than raw retention): 1 kWh every 15 minutes for 2 hours
    for (let k = 0; k <= 8; k++)
      await meter.publishAsync(METER_TOPIC, JSON.stringify({ ts: old + k * 900_000, energy_kwh: 100 + k }));
    // the last hours: 2 kWh per 15 minutes, then a rollover at 100000
    const m0 = Math.floor((Date.now() - 3 * 3_600_000) / 900_000) * 900_000;
    for (let k = 0; k < 8; k++)
      await meter.publishAsync(
        METER_TOPIC,
        JSON.stringify({ ts: m0 + k * 900_000, energy_kwh: 99_985 + 2 * k }),
      );
    await meter.publishAsync(METER_TOPIC, JSON.stringify({ ts: m0 + 8 * 900_000, energy_kwh: 3 }));
    await Promise.all([room.endAsync(), gate.endAsync(), meter.endAsync()]);
    await waitFor(() => hub.pipeline.counters.accepted >= 20 + 20 + 18, 10_000);
  });
  afterAll(() => hub?.stop());

  it('answers series like the InfluxDB path: aggregates per step, bad values left out, text points by last', async () => {
    const to = t0 + 10 * 60_000;
    const mean = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${t0}&to=${to}&step=5m&agg=mean`)
    ).json();
    expect(mean).toMatchObject({ source: 'raw', step: 300_000, agg: 'mean' });
    expect(mean.series[0].values[0][1]).toBeCloseTo(
      [0, 1, 2, 3, 4, 6, 7, 8, 9].reduce((a, i) => a + 20 + i / 10, 0) / 9,
    );
    const count = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${t0}&to=${to}&step=1m&agg=count`)
    ).json();
    expect(count.series[0].values.reduce((n: number, v: [number, number]) => n + v[1], 0)).toBe(19);
    expect(count.series[0].values[0]).toEqual([t0, 2]);
    const max = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${t0}&to=${to}&step=10m&agg=max`)
    ).json();
    expect(max.series[0].values[0][1]).toBeCloseTo(21.9);
    const last = (
      await get(`/api/v1/history?points=room-1/temp_c,gate-a/last_card&from=${t0}&to=${to}&step=10m&agg=last`)
    ).json();
    expect(last.series.map((s: { values: [number, unknown][] }) => s.values.at(-1)![1])).toEqual([
      21.9,
      'C19',
    ]);
    const health = (await get('/api/v1/storage')).json();
    expect(health).toMatchObject({ mode: 'embedded', embedded: { mode: 'embedded' } });
    expect(health.embedded.rawRows).toBeGreaterThanOrEqual(58);
  });

  it('energy per hour across a rollover, and per 15 minutes from data older than raw retention (the rollup)', async () => {
    const to = Date.now();
    const hours = (
      await get(`/api/v1/points/meter-1/energy_kwh/energy?interval=1h&from=${to - 4 * 3_600_000}&to=${to}`)
    ).json();
    expect(hours.events).toEqual([expect.objectContaining({ kind: 'rollover', from: 99_999, to: 3 })]);
    const values = hours.intervals
      .map((i: { value: number | null }) => i.value)
      .filter((v: unknown) => v !== null);
    expect(values.every((v: number) => v >= 0)).toBe(true);
    // 7 steps of 2 kWh, then 1 kWh to the top (100000) and 3 after it
    expect(values.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(2 * 7 + 1 + 3, 6);
    // raw rows older than 2 days are gone; the 15-minute rollup still knows the counter
    const quarter = (
      await get(
        `/api/v1/points/meter-1/energy_kwh/energy?interval=15m&from=${old}&to=${old + 2 * 3_600_000 + 1}`,
      )
    ).json();
    expect(quarter.intervals.map((i: { value: number | null }) => i.value)).toEqual([
      null,
      1,
      1,
      1,
      1,
      1,
      1,
      1,
      1,
    ]);
    const series = (
      await get(
        `/api/v1/points/meter-1/energy_kwh/history?from=${old}&to=${old + 3 * 3_600_000}&step=30m&agg=max`,
      )
    ).json();
    expect(series.source).toBe('1m');
    expect(series.series[0].values.map((v: [number, number]) => v[1])).toEqual([101, 103, 105, 107, 108]);
  });

  it('keeps everything across a restart', async () => {
    await hub.stop();
    await start();
    const count = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${t0}&to=${t0 + 10 * 60_000}&step=10m&agg=count`)
    ).json();
    expect(count.series[0].values[0][1]).toBe(19);
  });
});
