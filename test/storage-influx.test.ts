import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventMap } from '../core/bus.js';
import { buildHub, type Hub } from '../hub/app.js';
import {
  connectDevice,
  influxQuery,
  sessionAs,
  type TestSession,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import {
  freePort,
  type Influxd,
  type InfluxWriteRecorder,
  startInfluxd,
  startInfluxWriteRecorder,
} from './services.js';
import { GATE_TOPIC, METER_TOPIC, ROOM_TOPIC, storageSite } from './storage-fixtures.js';

let dbSeq = 0;
const newDb = () => `t_${process.pid}_${++dbSeq}`;

async function startHub(storage: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const mqttPort = await freePort();
  const hub = await buildHub(testHubOptions(storageSite(storage, { mqttPort, ...extra }), { live: false }));
  await hub.start();
  return { hub, mqttPort };
}

const written = (hub: Hub) => hub.storage.health().influxdb?.writtenLines ?? 0;
const outboxLines = (hub: Hub) => hub.storage.health().outbox?.lines ?? -1;

interface MeterReading {
  ts: number;
  seq: number;
  energy_kwh: number;
}
/** The measurement and tags of meter-1's lines (storage-fixtures: an electricity meter in zone b1 of site t1). */
const METER_SERIES = 'electricity-meter,asset=meter-1,site=t1,zone=b1';

/** A line of meter-1 as the hub wrote it: `series energy_kwh=…,seq=… ts` (fields in any order). */
function parseMeterLine(line: string): MeterReading & { series: string } {
  const [series, fields, ts] = line.split(' ');
  const f = Object.fromEntries(fields!.split(',').map((kv) => kv.split('=') as [string, string]));
  expect(Object.keys(f).sort(), line).toEqual(['energy_kwh', 'seq']);
  return { series: series!, ts: Number(ts), seq: Number(f.seq), energy_kwh: Number(f.energy_kwh) };
}

describe('InfluxDB: schema, History API, energy', () => {
  const url = inject('influxUrl');
  const db = newDb();
  let hub: Hub;
  let mqttPort: number;
  let viewer: TestSession;
  const t0 = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;

  beforeAll(async () => {
    ({ hub, mqttPort } = await startHub({ mode: 'influxdb', influxdb: { url, database: db } }));
    viewer = await sessionAs(hub, ['viewer']);
    const room = await connectDevice(hub, mqttPort, 'env-1');
    const gate = await connectDevice(hub, mqttPort, 'gate-ctl');
    const meter = await connectDevice(hub, mqttPort, 'env-2');
    for (let i = 0; i < 20; i++) {
      const ts = t0 + i * 30_000; // every 30 s for 10 minutes
      await room.publishAsync(
        ROOM_TOPIC,
        JSON.stringify({ ts, temp_c: i === 5 ? 71 : 20 + i / 10, humidity_pct: 40 + i, air: { co2: 600 } }),
      );
      await gate.publishAsync(GATE_TOPIC, JSON.stringify({ ts, door_open: i % 2 === 0, last_card: `C${i}` }));
    }
    // a counter: 1 kWh per 15 min for 12 h, then the meter is replaced (it restarts at 0)
    const m0 = Math.floor((Date.now() - 14 * 3_600_000) / 900_000) * 900_000;
    for (let k = 0; k <= 48; k++)
      await meter.publishAsync(METER_TOPIC, JSON.stringify({ ts: m0 + k * 900_000, energy_kwh: 5000 + k }));
    for (let k = 1; k <= 4; k++)
      await meter.publishAsync(
        METER_TOPIC,
        JSON.stringify({ ts: m0 + (48 + k) * 900_000, energy_kwh: k * 0.5 }),
      );
    await Promise.all([room.endAsync(), gate.endAsync(), meter.endAsync()]);
    await waitFor(
      () => outboxLines(hub) === 0 && written(hub) >= 40 + 53,
      15_000,
      () => JSON.stringify(hub.storage.health()),
    );
  });
  afterAll(() => hub?.stop());

  it('writes one measurement per asset kind, tags asset/site/zone, a float field per point, bad values apart', async () => {
    const measurements = await influxQuery(url, db, 'SHOW MEASUREMENTS');
    expect(measurements.values.flat().sort()).toEqual(['electricity-meter', 'env-sensor', 'gate']);
    const tags = await influxQuery(url, db, 'SHOW TAG KEYS FROM "env-sensor"');
    expect(tags.values.flat()).toEqual(['asset', 'site', 'zone']);
    const fields = await influxQuery(url, db, 'SHOW FIELD KEYS FROM "env-sensor"');
    expect(Object.fromEntries(fields.values as [string, string][])).toEqual({
      co2_ppm: 'float',
      humidity_pct: 'float',
      temp_c: 'float',
      temp_c__bad: 'float',
    });
    const gate = await influxQuery(url, db, 'SHOW FIELD KEYS FROM "gate"');
    expect(Object.fromEntries(gate.values as [string, string][])).toEqual({
      door_open: 'boolean',
      last_card: 'string',
    });
    const rows = await influxQuery(
      url,
      db,
      `SELECT count(temp_c), count(temp_c__bad) FROM "raw"."env-sensor" WHERE asset = 'room-1'`,
    );
    expect(rows.values[0]!.slice(1)).toEqual([19, 1]);
    // one line per asset and timestamp: the three room fields share one point
    const one = await influxQuery(url, db, `SELECT * FROM "env-sensor" WHERE time = ${t0}ms`);
    expect(one.values).toHaveLength(1);
  });

  it('the History API returns buckets of the asked aggregate and step, and several points on one axis', async () => {
    const get = (q: string) => hub.http.inject({ url: q, headers: viewer.headers });
    const from = t0;
    const to = t0 + 10 * 60_000;
    const mean = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${from}&to=${to}&step=5m&agg=mean`)
    ).json();
    expect(mean).toMatchObject({ from, to, step: 300_000, agg: 'mean', source: 'raw' });
    const bucket0 = Math.floor(from / 300_000) * 300_000;
    expect(mean.series[0].values[0][0]).toBe(bucket0);
    expect(mean.series[0].unit).toBe('degC');
    // each 5-minute bucket's mean, worked out from what was published: every 30 s from t0, 20 + i/10 °C,
    // without i = 5 (71 °C, out of range: kept apart, in temp_c__bad)
    const published = Array.from({ length: 20 }, (_, i) => ({
      ts: t0 + i * 30_000,
      temp: 20 + i / 10,
    })).filter((_, i) => i !== 5);
    const expectedMean = (start: number) => {
      const inBucket = published.filter((p) => p.ts >= start && p.ts < start + 300_000);
      return inBucket.length ? inBucket.reduce((a, p) => a + p.temp, 0) / inBucket.length : null;
    };
    const buckets = mean.series[0].values as [number, number | null][];
    expect(buckets.map(([start]) => start)).toEqual(buckets.map((_, k) => bucket0 + k * 300_000));
    for (const [start, value] of buckets) {
      const expected = expectedMean(start);
      if (expected === null) expect(value, `bucket ${start}`).toBeNull();
      else expect(value, `bucket ${start}`).toBeCloseTo(expected, 9);
    }
    // every published point is in one of the buckets
    expect(published.every((p) => p.ts >= bucket0 && p.ts < bucket0 + buckets.length * 300_000)).toBe(true);
    const maxRes = (
      await get(`/api/v1/points/room-1%2Ftemp_c/history?from=${from}&to=${to}&step=10m&agg=max`)
    ).json();
    expect(Math.max(...maxRes.series[0].values.map((v: [number, number]) => v[1]))).toBeCloseTo(21.9);
    const all = (
      await get(`/api/v1/points/room-1/temp_c/history?from=${from}&to=${to}&step=1s&agg=count`)
    ).json();
    expect(
      all.series[0].values.map((v: [number, number]) => v[1]).reduce((a: number, b: number) => a + b, 0),
    ).toBe(19);
    const raw = all.series[0].values.map((v: [number, number]) => v[0]);
    expect(raw.slice(0, 5)).toEqual([t0, t0 + 30_000, t0 + 60_000, t0 + 90_000, t0 + 120_000]);
    const multi = (
      await get(
        `/api/v1/history?points=room-1/temp_c,room-1/humidity_pct,gate-a/last_card&from=${from}&to=${to}&agg=last`,
      )
    ).json();
    expect(multi.series.map((s: { pointId: string }) => s.pointId)).toEqual([
      'room-1/temp_c',
      'room-1/humidity_pct',
      'gate-a/last_card',
    ]);
    expect(multi.series[2].values.at(-1)[1]).toBe('C19');
    // the default step keeps a chart under ~2,000 points
    const day = (await get('/api/v1/points/room-1/temp_c/history')).json();
    expect(day.step).toBe(60_000);
    expect((await get('/api/v1/points/room-1/temp_c/history?step=1ms&from=0')).statusCode).toBe(400);
    expect((await get(`/api/v1/points/gate-a/last_card/history?agg=mean`)).json().detail).toMatch(
      /needs number points/,
    );
  });

  it('energy per hour and day from the counter, with the meter replacement recorded and no negative use', async () => {
    const get = (q: string) => hub.http.inject({ url: q, headers: viewer.headers });
    const to = Date.now();
    const hours = (
      await get(`/api/v1/points/meter-1/energy_kwh/energy?interval=1h&from=${to - 13 * 3_600_000}&to=${to}`)
    ).json();
    expect(hours).toMatchObject({ unit: 'kWh', interval: '1h', timezone: 'UTC' });
    const values = hours.intervals
      .map((i: { value: number | null }) => i.value)
      .filter((v: number | null) => v !== null);
    expect(values.every((v: number) => v >= 0)).toBe(true);
    // full hours of the old meter use 4 kWh; the replacement hour counts what the new meter counted
    expect(values).toContain(4);
    expect(hours.events).toEqual([expect.objectContaining({ kind: 'reset', from: 5048, to: 0.5 })]);
    const total = values.reduce((a: number, b: number) => a + b, 0);
    const covered = hours.intervals.filter((i: { value: number | null }) => i.value !== null);
    expect(total).toBeGreaterThan(0);
    expect(covered.every((i: { coverage: number }) => i.coverage > 0)).toBe(true);
    const notCounter = await get('/api/v1/points/room-1/temp_c/energy');
    expect(notCounter.statusCode).toBe(400);
  });

  it('creates the retention policies and continuous queries, and backfills rollups for data that came late', async () => {
    const rps = await influxQuery(url, db, 'SHOW RETENTION POLICIES');
    expect(rps.values.map((r) => [r[0], r[1], r[4]])).toEqual([
      ['autogen', '0s', false],
      ['raw', '720h0m0s', true],
      ['1m', '17520h0m0s', false],
      ['15m', '87600h0m0s', false],
    ]);
    const res = await fetch(`${url}/query?epoch=ms`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'SHOW CONTINUOUS QUERIES' }),
    });
    const names = JSON.stringify(await res.json());
    expect(names).toContain('hub_rollup_1m');
    expect(names).toContain('hub_rollup_15m');
    // everything above was written more than 5 minutes after its time: the 1-minute rollup was backfilled
    let rolled = { values: [] as unknown[][] };
    await waitFor(
      async () => {
        rolled = await influxQuery(
          url,
          db,
          `SELECT mean_temp_c, max_temp_c, count_temp_c FROM "1m"."env-sensor" WHERE asset = 'room-1'`,
        );
        return rolled.values.length > 0;
      },
      20_000,
      () => 'the backfilled 1-minute rollup',
    );
    expect(rolled.values.length).toBeGreaterThanOrEqual(10);
    const viaRollup = (
      await hub.http.inject({
        url: `/api/v1/points/room-1/temp_c/history?from=${t0}&to=${t0 + 10 * 60_000}&step=15m&agg=count`,
        headers: viewer.headers,
      })
    ).json();
    expect(viaRollup.source).toBe('1m');
    expect(viaRollup.series[0].values.reduce((n: number, v: [number, number]) => n + v[1], 0)).toBe(19);
  });
});

describe('InfluxDB outages', () => {
  let influxd: Influxd;
  /** Between the hub and InfluxDB: what InfluxDB acknowledged, write by write, in order. */
  let recorder: InfluxWriteRecorder;
  let hub: Hub;
  let meter: MqttClient;
  let seq = 0;
  /** Every reading the meter published, in order. */
  const published: MeterReading[] = [];
  let timer: NodeJS.Timeout | undefined;
  const db = newDb();
  /** One millisecond per reading from here: unique timestamps (a repeat would overwrite), always in the past. */
  const base = Date.now() - 10_000;

  /** Publish `seq` (and energy) at a steady rate until stopped. */
  const flow = (perSecond: number) => {
    timer = setInterval(() => {
      for (let k = 0; k < perSecond / 20; k++) {
        seq++;
        const reading = { ts: base + seq, seq, energy_kwh: seq / 10 };
        published.push(reading);
        meter.publish(METER_TOPIC, JSON.stringify(reading));
      }
    }, 50);
  };
  const stopFlow = () => clearInterval(timer);
  const countInflux = async () =>
    Number(
      (await influxQuery(influxd.url, db, `SELECT count(seq) FROM "raw"."electricity-meter"`))
        .values[0]?.[1] ?? 0,
    );

  beforeAll(async () => {
    influxd = await startInfluxd();
    recorder = await startInfluxWriteRecorder(influxd.url);
    const started = await startHub({ mode: 'influxdb', influxdb: { url: recorder.url, database: db } });
    hub = started.hub;
    meter = await connectDevice(hub, started.mqttPort, 'env-2');
  });
  afterAll(async () => {
    stopFlow();
    await meter?.endAsync();
    await hub?.stop();
    await recorder?.stop();
    await influxd?.stop();
  });

  it('InfluxDB killed with readings flowing, back after 60 s: every reading arrives exactly once, in order', async () => {
    flow(200);
    await waitFor(() => written(hub) > 300, 10_000);
    await influxd.kill();
    const downAt = Date.now();
    await waitFor(() => hub.storage.health().influxdb?.state === 'backoff', 10_000);
    // the outage the test is about: a minute of readings spooled while InfluxDB is away
    await new Promise((r) => setTimeout(r, 60_000 - (Date.now() - downAt)));
    const during = hub.storage.health();
    expect(during.outbox!.lines).toBeGreaterThan(5_000);
    expect(during.outbox!.oldestAgeS).toBeGreaterThanOrEqual(55);
    const writtenBefore = written(hub);
    await influxd.restart();
    // live ingest goes on while the spool replays: the replay has begun, and readings still come in after it
    await waitFor(
      () => written(hub) > writtenBefore,
      15_000,
      () => JSON.stringify(hub.storage.health()),
    );
    const seqAtReplay = seq;
    await waitFor(() => seq >= seqAtReplay + 100, 5_000);
    stopFlow();
    expect(published).toHaveLength(seq);
    await waitFor(
      () => outboxLines(hub) === 0,
      30_000,
      () => JSON.stringify(hub.storage.health().outbox),
    );
    await waitFor(() => hub.pipeline.counters.accepted >= published.length * 2, 5_000);
    expect(await countInflux()).toBe(published.length);
    const rows = await influxQuery(
      influxd.url,
      db,
      `SELECT seq FROM "raw"."electricity-meter" ORDER BY time`,
    );
    const seqs = rows.values.map((r) => r[1] as number);
    expect(seqs).toEqual(Array.from({ length: published.length }, (_, i) => i + 1));

    // What InfluxDB acknowledged, write by write: a line sent twice, or out of the order it was published in,
    // shows here even though InfluxDB keeps one point per series and time and sorts its answers by time.
    const lines = recorder.lines('raw');
    const received = lines.map(parseMeterLine);
    const seen = new Set<number>();
    const duplicates = received.filter((r) => seen.size === seen.add(r.seq).size).map((r) => r.seq);
    const outOfOrder = received.filter((r, i) => i > 0 && r.seq <= received[i - 1]!.seq).map((r) => r.seq);
    const missing = published.filter((p) => !seen.has(p.seq)).map((p) => p.seq);
    expect({
      lines: received.length,
      duplicates: duplicates.slice(0, 10),
      outOfOrder: outOfOrder.slice(0, 10),
      missing: missing.slice(0, 10),
    }).toEqual({ lines: published.length, duplicates: [], outOfOrder: [], missing: [] });
    expect(lines).toHaveLength(written(hub)); // the hub counts what InfluxDB acknowledged, no more, no less
    // and each line carries what was published: the meter's series, its fields, its timestamp
    expect(received).toEqual(published.map((p) => ({ series: METER_SERIES, ...p })));
  }, 120_000);

  it('a stalled InfluxDB (SIGSTOP) keeps the hub’s memory flat: the outbox grows on disk, then drains', async () => {
    const before = seq;
    const heap0 = process.memoryUsage().heapUsed;
    let maxBuffered = 0;
    flow(500);
    influxd.pause();
    const watch = setInterval(() => {
      maxBuffered = Math.max(
        maxBuffered,
        (hub.storage as unknown as { outbox: { bufferedBytes: number } }).outbox.bufferedBytes,
      );
    }, 100);
    // stalled until more than 7,000 readings (14 s at 500/s) have gone to the outbox on disk
    await waitFor(
      () => seq - before > 7_000 && (hub.storage.health().outbox?.bytes ?? 0) > 500_000,
      30_000,
      () => `${seq - before} readings, ${JSON.stringify(hub.storage.health().outbox)}`,
    );
    const stalled = hub.storage.health();
    expect(stalled.outbox!.bytes).toBeGreaterThan(500_000);
    const writtenBefore = written(hub);
    influxd.resume();
    // readings go on until the backlog is being written again
    await waitFor(
      () => written(hub) > writtenBefore,
      15_000,
      () => JSON.stringify(hub.storage.health()),
    );
    stopFlow();
    clearInterval(watch);
    // at 500 readings/s the in-memory buffer holds about one flush interval of lines, never the backlog
    expect(maxBuffered).toBeLessThan(200_000);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(100 * 1024 * 1024);
    await waitFor(
      () => outboxLines(hub) === 0,
      60_000,
      () => JSON.stringify(hub.storage.health()),
    );
    expect(await countInflux()).toBe(seq);
    expect(seq - before).toBeGreaterThan(7_000);
  }, 120_000);
});

describe('InfluxDB refuses lines; the outbox bound', () => {
  const url = inject('influxUrl');

  it('a type conflict quarantines the refused lines with the reason and writes the rest', async () => {
    const db = newDb();
    const { hub, mqttPort } = await startHub({ mode: 'influxdb', influxdb: { url, database: db } });
    try {
      await waitFor(() => hub.storage.health().influxdb?.state === 'up', 10_000);
      // someone wrote temp_c as a string into this database before: InfluxDB keeps the first type
      // (field types are kept per shard, a day of data: same day as the readings below)
      const ts0 = Date.now() - 60_000;
      const pre = await fetch(`${url}/write?db=${db}&precision=ms`, {
        method: 'POST',
        body: `env-sensor,asset=old,site=t1,zone=b1 temp_c="warm" ${ts0 - 1}`,
      });
      expect(pre.status).toBe(204);
      const room = await connectDevice(hub, mqttPort, 'env-1');
      const gate = await connectDevice(hub, mqttPort, 'gate-ctl');
      for (let i = 0; i < 10; i++) {
        await room.publishAsync(ROOM_TOPIC, JSON.stringify({ ts: ts0 + i, temp_c: 20 + i }));
        await gate.publishAsync(GATE_TOPIC, JSON.stringify({ ts: ts0 + i, door_open: true }));
      }
      await waitFor(
        () => (hub.storage.health().influxdb?.quarantinedLines ?? 0) === 10 && outboxLines(hub) === 0,
        15_000,
        () => JSON.stringify(hub.storage.health()),
      );
      const gateCount = await influxQuery(url, db, 'SELECT count(door_open) FROM "gate"');
      expect(gateCount.values[0]![1]).toBe(10);
      const q = readFileSync(join(hub.site.hub.dataDir, 'outbox', 'quarantine.lp'), 'utf8')
        .trim()
        .split('\n');
      expect(q).toHaveLength(20);
      expect(q[0]).toMatch(/^# \d{4}-\d\d-\d\dT.+Z 400 .*field type conflict/);
      expect(q[1]).toBe(`env-sensor,asset=room-1,site=t1,zone=b1-f1 temp_c=20 ${ts0}`);
      await room.endAsync();
      await gate.endAsync();
    } finally {
      await hub.stop();
    }
  });

  it('warns at 80 % of the bound and, past it, drops the oldest lines and says so', async () => {
    const closed = await freePort(); // nothing listens: InfluxDB is away for the whole test
    const { hub, mqttPort } = await startHub({
      mode: 'influxdb',
      influxdb: { url: `http://127.0.0.1:${closed}`, database: 'x' },
      outbox: { maxBytes: 1024 * 1024, flushMs: 100 },
    });
    const events: EventMap['storage.outbox-changed'][] = [];
    hub.bus.on('storage.outbox-changed', (e) => events.push(e));
    try {
      const meter = await connectDevice(hub, mqttPort, 'env-2');
      const pad = 'x'.repeat(200);
      let n = 0;
      while (hub.storage.health().outbox!.droppedLines === 0 && n < 100_000) {
        for (let k = 0; k < 200; k++) {
          n++;
          meter.publish(
            METER_TOPIC,
            JSON.stringify({ ts: Date.now() - 100_000 + n, seq: n, energy_kwh: n, pad }),
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitFor(() => events.some((e) => e.state === 'dropping'), 5_000);
      expect(events[0]).toMatchObject({ state: 'high' });
      expect(events[0]!.fill).toBeGreaterThanOrEqual(0.8);
      const h = hub.storage.health();
      expect(h.outbox).toMatchObject({ state: 'dropping' });
      expect(h.outbox!.bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(h.outbox!.droppedLines + h.outbox!.lines + h.outbox!.sentLines).toBe(h.outbox!.appendedLines);
      expect(h.influxdb).toMatchObject({ state: 'backoff', writtenLines: 0 });
      await meter.endAsync();
    } finally {
      await hub.stop();
    }
  });
});
