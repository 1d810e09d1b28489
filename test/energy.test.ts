import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { influxClient, setUpInflux } from '../platform/storage/influx-setup.js';
import { sessionAs, type TestSession, testHubOptions } from './hub-harness.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * Energy against a real InfluxDB, with known synthetic series written as the hub writes them (15-minute
 * readings of counters): a main meter that rolls over, a sub-meter replaced mid-month, one with a 3-hour gap,
 * a virtual "unmetered" meter, a water meter whose use drops 20 % after a saving measure; TOU prices across a
 * season boundary at midnight (Asia/Shanghai, no DST) and a holiday; monthly and daily reports, CSV.
 */

const TZ = 'Asia/Shanghai';
const SLOT = 15 * 60_000;
/** Local wall time in Shanghai (UTC+8, no DST) as ms. */
const local = (iso: string) => Date.parse(`${iso}+08:00`);
const DATA_FROM = local('2026-05-31T23:45:00'); // one slot before June: June's first slot has a delta
const DATA_TO = local('2026-07-04T00:00:00');
const GAP = [local('2026-06-30T10:00:00'), local('2026-06-30T13:00:00')] as const;
const REPLACED_AT = local('2026-06-20T12:00:00');
const MEASURE_AT = local('2026-06-22T00:00:00');

const ENERGY = {
  calendar: 'workdays',
  workingHours: 'office',
  currency: 'CNY',
  meters: [
    { id: 'main', point: 'm-main/energy_kwh' },
    { id: 'sub1', point: 'm-sub1/energy_kwh', parent: 'main' },
    { id: 'sub2', point: 'm-sub2/energy_kwh', parent: 'main' },
    {
      id: 'unmetered',
      name: 'Unmetered and losses',
      add: ['main'],
      subtract: ['sub1', 'sub2'],
      parent: 'main',
    },
    { id: 'water', point: 'w1/volume_m3' },
  ],
  tariffs: {
    electricity: {
      prices: { peak: 1.0, flat: 0.6, valley: 0.3 },
      holidayBand: 'valley',
      demandChargePerKw: 40,
      seasons: [
        {
          name: 'summer',
          months: [7, 8],
          prices: { peak: 1.2, valley: 0.25 },
          periods: {
            valley: ['00:00-08:00', '23:00-24:00'],
            flat: ['08:00-10:00', '15:00-18:00', '21:00-23:00'],
            peak: ['10:00-15:00', '18:00-21:00'],
          },
        },
        {
          name: 'rest',
          months: [1, 2, 3, 4, 5, 6, 9, 10, 11, 12],
          periods: { valley: ['00:00-08:00'], flat: ['08:00-12:00', '17:00-24:00'], peak: ['12:00-17:00'] },
        },
      ],
    },
    water: { price: 4 },
  },
  carbon: { electricity: 0.5, water: 0.2 },
};

function siteYaml(db: string): string {
  const doc = parse(testSiteYaml());
  doc.site.timezone = TZ;
  doc.storage = {
    mode: 'influxdb',
    influxdb: { url: inject('influxUrl'), database: db },
    retention: { rawDays: 3650 },
  };
  const meter = (id: string, kind: string, point: Record<string, unknown>) => ({
    id,
    name: id,
    kind,
    zone: 'b1',
    device: 'env-2',
    points: [{ kind: 'counter', intervalMs: 60_000, ...point }],
  });
  doc.assets.push(
    meter('m-main', 'electricity-meter', { name: 'energy_kwh', unit: 'kWh', rolloverAt: 100000 }),
    meter('m-sub1', 'electricity-meter', { name: 'energy_kwh', unit: 'kWh' }),
    meter('m-sub2', 'electricity-meter', { name: 'energy_kwh', unit: 'kWh' }),
    meter('w1', 'water-meter', { name: 'volume_m3', unit: 'm3' }),
  );
  const weekdays = {
    mon: ['08:00-18:00'],
    tue: ['08:00-18:00'],
    wed: ['08:00-18:00'],
    thu: ['08:00-18:00'],
    fri: ['08:00-18:00'],
  };
  doc.schedules = [
    { id: 'workdays', weekly: weekdays, holidays: ['2026-07-01'] },
    { id: 'office', weekly: weekdays, holidays: ['2026-07-01'] },
  ];
  doc.energy = ENERGY;
  return stringify(doc);
}

/** The readings, one per slot at +1 min, as each counter showed them. */
function readings(): { asset: string; kind: string; field: string; ts: number; value: number }[] {
  const out: { asset: string; kind: string; field: string; ts: number; value: number }[] = [];
  let sub1 = 5000;
  let sub2 = 300;
  let water = 100;
  for (let k = 0, t = DATA_FROM; t < DATA_TO; k++, t += SLOT) {
    const ts = t + 60_000;
    // 1 kWh per slot; the register wraps at 100,000 after 1,000 slots
    out.push({
      asset: 'm-main',
      kind: 'electricity-meter',
      field: 'energy_kwh',
      ts,
      value: (99_000 + k) % 100_000,
    });
    // 0.25 kWh per slot; replaced by a new meter at REPLACED_AT, which shows 0.25 at the end of that slot
    sub1 = t === REPLACED_AT ? 0.25 : sub1 + 0.25;
    out.push({ asset: 'm-sub1', kind: 'electricity-meter', field: 'energy_kwh', ts, value: sub1 });
    sub2 += 0.25;
    if (t < GAP[0] || t >= GAP[1])
      out.push({ asset: 'm-sub2', kind: 'electricity-meter', field: 'energy_kwh', ts, value: sub2 });
    // 0.1 m³ per slot, 0.08 after the saving measure
    water += t >= MEASURE_AT ? 0.08 : 0.1;
    out.push({ asset: 'w1', kind: 'water-meter', field: 'volume_m3', ts, value: Number(water.toFixed(6)) });
  }
  return out;
}

const close = (a: number | null | undefined, b: number, digits = 6) => {
  expect(a).not.toBeNull();
  expect(a).toBeCloseTo(b, digits);
};

describe('energy against InfluxDB: known synthetic series', () => {
  let hub: Hub;
  let session: TestSession;
  const get = async (url: string) => {
    const res = await hub.http.inject({ method: 'GET', url, headers: session.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  // biome-ignore lint/suspicious/noExplicitAny: an API response's JSON; each test reads the fields it checks
  const json = async <T = any>(url: string): Promise<T> => (await get(url)).json() as T;

  beforeAll(async () => {
    const db = `energy_${process.pid}_${Date.now()}`;
    const site = parseSiteText(siteYaml(db), 'energy-site.yaml');
    const influx = influxClient(site.storage.influxdb);
    await setUpInflux(influx, site.storage);
    const lines = readings().map(
      (r) => `${r.kind},asset=${r.asset},site=t1,zone=b1 ${r.field}=${r.value} ${r.ts}`,
    );
    for (let i = 0; i < lines.length; i += 20_000) {
      const res = await fetch(`${inject('influxUrl')}/write?db=${db}&rp=raw&precision=ms`, {
        method: 'POST',
        body: lines.slice(i, i + 20_000).join('\n'),
      });
      expect(res.status, await res.text()).toBe(204);
    }
    hub = await buildHub(
      testHubOptions(site, { live: false, clock: new ManualClock(local('2026-07-04T00:40:00')) }),
    );
    session = await sessionAs(hub, ['viewer']);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it('the hierarchy: main with its sub-meters and the virtual unmetered meter; water on its own', async () => {
    const body = await json('/api/v1/energy/meters');
    expect(body.meters.map((m: { id: string }) => m.id)).toEqual(['main', 'water']);
    const main = body.meters[0];
    expect(main).toMatchObject({ medium: 'electricity', unit: 'kWh', zone: 'b1', billing: true });
    expect(main.children.map((c: { id: string }) => c.id)).toEqual(['sub1', 'sub2', 'unmetered']);
    expect(main.children[2]).toMatchObject({ add: ['main'], subtract: ['sub1', 'sub2'], billing: false });
    expect(body.meters[1]).toMatchObject({ medium: 'water', unit: 'm3' });
  });

  it('daily sums match the counters exactly across a rollover and a meter replacement', async () => {
    const main = await json(
      `/api/v1/energy/meters/main/intervals?interval=1d&from=${local('2026-06-01T00:00:00')}&to=${local('2026-07-01T00:00:00')}`,
    );
    expect(main.intervals).toHaveLength(30);
    for (const day of main.intervals) {
      expect(day.value).toBe(96); // the rollover on 11 June included
      expect(day.completeness).toBe(1);
      expect(day.peakDemandKw).toBe(4);
    }
    const sub1 = await json(
      `/api/v1/energy/meters/sub1/intervals?interval=1d&from=${local('2026-06-19T00:00:00')}&to=${local('2026-06-22T00:00:00')}`,
    );
    expect(sub1.intervals.map((d: { value: number }) => d.value)).toEqual([24, 24, 24]); // replaced on the 20th
    const month = await json(
      `/api/v1/energy/meters/sub1/intervals?interval=1mo&from=${local('2026-06-01T00:00:00')}&to=${local('2026-07-01T00:00:00')}`,
    );
    expect(month.intervals).toEqual([
      expect.objectContaining({ value: 720, completeness: 1, cost: expect.any(Number), carbonKg: 360 }),
    ]);
  });

  it('a gap is a gap: null 15-minute intervals, the catch-up after it, completeness per day', async () => {
    const q = await json(
      `/api/v1/energy/meters/sub2/intervals?interval=15m&from=${local('2026-06-30T09:45:00')}&to=${local('2026-06-30T13:30:00')}`,
    );
    const values = q.intervals.map((i: { value: number | null }) => i.value);
    expect(values).toEqual([0.25, ...Array(12).fill(null), 3.25, 0.25]);
    expect(q.intervals[1]).toMatchObject({ completeness: 0, peakDemandKw: null });
    expect(q.intervals[13].peakDemandKw).toBeNull(); // a catch-up over 13 slots is not a 15-minute demand
    const day = await json(
      `/api/v1/energy/meters/sub2/intervals?interval=1d&from=${local('2026-06-30T00:00:00')}&to=${local('2026-07-01T00:00:00')}`,
    );
    expect(day.intervals[0]).toMatchObject({ value: 24, completeness: 0.875 });
    // the virtual meter is unknown where a part is missing or catching up: 83 of 96 slots at 0.5
    const unmetered = await json(
      `/api/v1/energy/meters/unmetered/intervals?interval=1d&from=${local('2026-06-29T00:00:00')}&to=${local('2026-07-01T00:00:00')}`,
    );
    expect(
      unmetered.intervals.map((d: { value: number; completeness: number }) => [d.value, d.completeness]),
    ).toEqual([
      [48, 1],
      [41.5, 0.8646],
    ]);
  });

  it('TOU cost by hour across midnight into a new season on a holiday', async () => {
    const q = await json(
      `/api/v1/energy/meters/main/intervals?interval=1h&from=${local('2026-06-30T22:00:00')}&to=${local('2026-07-01T02:00:00')}`,
    );
    // 22:00 and 23:00 of 30 June: flat in the rest season (0.6 × 4 kWh); 1 July is a holiday: summer valley 0.25
    expect(q.intervals.map((i: { cost: number }) => i.cost)).toEqual([2.4, 2.4, 1, 1]);
    const days = await json(
      `/api/v1/energy/meters/main/intervals?interval=1d&from=${local('2026-06-30T00:00:00')}&to=${local('2026-07-03T00:00:00')}`,
    );
    // 30 June (rest): valley 8 h × 4 × 0.3 = 9.6, flat 11 h × 4 × 0.6 = 26.4, peak 5 h × 4 × 1.0 = 20 → 56
    // 1 July (holiday): 96 × 0.25 = 24
    // 2 July (summer Thursday): valley 9 h → 9, flat 7 h → 16.8, peak 8 h × 4 × 1.2 = 38.4 → 64.2
    expect(days.intervals.map((i: { cost: number }) => i.cost)).toEqual([56, 24, 64.2]);
  });

  it('the monthly report: totals over main meters, demand charge, carbon, top consumers; CSV', async () => {
    const r = await json('/api/v1/energy/reports/monthly?month=2026-06');
    expect(r.period).toEqual({
      label: '2026-06',
      from: local('2026-06-01T00:00:00'),
      to: local('2026-07-01T00:00:00'),
    });
    const elec = r.totals.find((t: { medium: string }) => t.medium === 'electricity');
    expect(elec).toMatchObject({
      consumption: 2880,
      completeness: 1,
      peakDemandKw: 4,
      demandCharge: 160,
      mainMeters: ['main'],
    });
    close(elec.cost, 30 * 56 + 160, 2); // every June day is a rest-season workday or weekend: 56 a day
    close(elec.carbonKg, 1440, 1);
    // the month before has one reading (23:46 on 31 May), the start of June's first slot: no consumption known
    expect(elec.previous).toEqual({ consumption: null, completeness: 0, cost: null });
    expect(elec.changePct).toBeNull();
    const water = r.totals.find((t: { medium: string }) => t.medium === 'water');
    const waterM3 = 21 * 96 * 0.1 + 9 * 96 * 0.08; // the measure took effect on the 22nd
    close(water.consumption, waterM3, 3);
    close(water.cost, waterM3 * 4, 2);
    close(r.carbonKg, 1440 + waterM3 * 0.2, 1);
    const meters = Object.fromEntries(r.meters.map((m: { id: string }) => [m.id, m]));
    expect(meters.sub1.consumption).toBe(720);
    expect(meters.sub2.consumption).toBe(720);
    expect(meters.unmetered).toMatchObject({ consumption: 1433.5, virtual: true, completeness: 0.9955 });
    // leaf meters only: the main meter is the sum of the others, not a consumer
    expect(r.topConsumers.map((c: { meter: string }) => c.meter)).not.toContain('main');
    // ranked by cost: water (≈1,083) before the unmetered load (1,433.5 kWh ≈ 836), then the sub-meters: sub2
    // costs a little more, as its catch-up after the gap is priced in the 13:00 peak slot
    expect(r.topConsumers.map((c: { meter: string }) => c.meter)).toEqual([
      'water',
      'unmetered',
      'sub2',
      'sub1',
    ]);
    expect(r.topConsumers[1]).toMatchObject({ consumption: 1433.5, sharePct: 49.8 });
    expect(r.buildings).toEqual([expect.objectContaining({ zone: 'b1', cost: r.cost })]);
    expect(r.days).toHaveLength(30);
    expect(r.days[0]).toMatchObject({ date: '2026-06-01', electricity: 96 });

    const csv = await get('/api/v1/energy/reports/monthly?month=2026-06&format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trim().split('\r\n');
    expect(rows[0]).toMatch(
      /^period,scope,meter,name,medium,unit,zone,parent,virtual,consumption,completeness,cost_CNY,/,
    );
    expect(rows).toHaveLength(1 + 5);
    expect(rows.find((l) => l.includes(',sub2,'))).toContain(',720,0.9958,');
  });

  it('the daily report: against the day before and the learned baseline; after-hours use', async () => {
    const r = await json('/api/v1/energy/reports/daily?date=2026-07-03');
    const elec = r.totals.find((t: { medium: string }) => t.medium === 'electricity');
    // constant load: the baseline (4 weeks before, by weekday and hour) expects exactly what was used
    expect(elec).toMatchObject({ consumption: 96, changePct: 0 });
    expect(elec.baseline).toMatchObject({ expected: 96, actual: 96, deviationPct: 0, coverage: 1 });
    // Friday outside 08:00–18:00: 14 h × 4 kWh, none of it above the baseline
    expect(elec.afterHours).toEqual({ consumption: 56, waste: 0 });
  });

  it('a saving measure: water use 20 % under the baseline of the weeks before it', async () => {
    const s = await json('/api/v1/energy/meters/water/savings?since=2026-06-22&until=2026-07-01');
    expect(s.savedPct).toBe(20);
    close(s.expected, 9 * 96 * 0.1, 3);
    close(s.actual, 9 * 96 * 0.08, 3);
    expect(s.coverage).toBe(1);
  });

  it('clear errors: unknown meter or zone, a month not begun, storage state', async () => {
    const bad = async (url: string, status: number, detail: RegExp) => {
      const res = await hub.http.inject({ method: 'GET', url, headers: session.headers });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().detail).toMatch(detail);
    };
    await bad('/api/v1/energy/meters/nope/intervals', 404, /no meter "nope"/);
    await bad('/api/v1/energy/reports/daily?date=2026-07-03&zone=nope', 404, /no zone "nope"/);
    await bad('/api/v1/energy/reports/monthly?month=2026-09', 400, /has not begun/);
    const res = await hub.http.inject({
      method: 'GET',
      url: '/api/v1/energy/reports/monthly?month=2026-13',
      headers: session.headers,
    });
    expect(res.statusCode).toBe(400);
    const ledger = await json('/api/v1/energy/ledger');
    expect(ledger.ledger.rows).toBeGreaterThan(0);
    expect(ledger.ledger.failures).toBe(0);
  });
});
