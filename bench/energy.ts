/**
 * `npm run bench energy`: the target, "a month of 15-minute data for 500 meters: the monthly report for
 * the whole site in ≤ 2 s against InfluxDB". A private influxd 1.6; a site of 10 buildings, each with a main
 * meter, 49 sub-meters under it and a virtual "unmetered" meter (main − sub-meters): 500 counters, 510 meters,
 * a time-of-use tariff with a demand charge, carbon, a holiday calendar and working hours. Written straight
 * into the `raw` RP in the hub's schema: 15-minute counter readings (the last poll of each quarter hour) from
 * the day before the month before last up to now, a daily profile per kind of load, weekday/weekend/holiday.
 *
 * The hub runs in a process of its own (this file, forked), three times:
 *   1. cold: the monthly report of last month while the ledger is empty (it is built from InfluxDB: the
 *      report needs last month and the month before), then warm: the same report 5 times in-process, 5 times
 *      over HTTP (JSON, with a session) and 5 times as CSV (in-process and over HTTP);
 *   2. restart: hub.start() on the data dir of 1 (the ledger is SQLite and persists: only days not final yet
 *      are worked out again); the warm-up until health().ledger.lastRefresh is set, and the first HTTP report
 *      asked for right after the start;
 *   3. first start: the same on an empty ledger (a new installation): the warm-up has warmDays to work out.
 * The site total must equal what the generated counters counted over the month (relative 1e-6), else it fails.
 * Before all that, in this process: counterIntervals (the energy domain's counter → interval step) over a year
 * of 15-minute readings, as 15-minute intervals in Shanghai and as hours and days in Berlin (DST), the cases of
 * domains/energy/counter-intervals.test.ts whose times were asserted there (< 500 ms and < 2 s).
 * Results: bench/results/energy.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { silentLogger } from '../core/logger.js';
import { Schedule } from '../core/time/schedule.js';
import { ScheduleSchema } from '../core/time/schedule-schema.js';
import { fromWallTime, wallTime } from '../core/time/zoned-time.js';
import { counterIntervals } from '../domains/energy/counter-intervals.js';
import type { EnergyReport } from '../domains/energy/report.js';
import { reportCsv } from '../domains/energy/report-csv.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { SESSION_COOKIE } from '../platform/security/auth-service.js';
import { influxClient, RAW_RP, setUpInflux } from '../platform/storage/influx-setup.js';
import { startInfluxd } from '../test/services.js';
import { request } from './common.js';
import { processCpuSeconds } from './proc.js';

const TZ = 'Asia/Shanghai';
const BUILDINGS = 10;
/** Per building: one main meter and the sub-meters under it. */
const SUBS = 49;
const METERS = BUILDINGS * (SUBS + 1);
const RUNS = 5;
const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const ADMIN = { username: 'bench-admin', password: 'bench-energy-password-1' };
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const tsx = { execArgv: ['--import', 'tsx'] };

// ---------------------------------------------------------------------------------------------------------
// The site
// ---------------------------------------------------------------------------------------------------------

/**
 * The statutory holidays and the weekend days worked instead (调休) of 2026 as the State Council published
 * them, and the fixed-date ones of the years around it: the baselines and the load profile follow them.
 */
function holidays(): { holidays: string[]; extraWorkdays: string[] } {
  const out = new Set<string>();
  const range = (from: string, days: number) => {
    const [y, m, d] = from.split('-').map(Number) as [number, number, number];
    for (let i = 0; i < days; i++) out.add(new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10));
  };
  const year = new Date().getUTCFullYear();
  for (const y of [year - 1, year, year + 1]) {
    range(`${y}-01-01`, 1);
    range(`${y}-05-01`, 5);
    range(`${y}-10-01`, 7);
  }
  for (const [from, days] of [
    ['2026-01-01', 3],
    ['2026-02-15', 9],
    ['2026-04-04', 3],
    ['2026-06-19', 3],
    ['2026-09-25', 3],
  ] as const)
    range(from, days);
  return {
    holidays: [...out].sort(),
    extraWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const buildingId = (b: number) => `b${pad(b + 1)}`;
/** Meter k of a building: 0 is its main meter, 1–49 its sub-meters. */
const meterId = (b: number, k: number) => (k === 0 ? `${buildingId(b)}-main` : `${buildingId(b)}-m${pad(k)}`);
const LOADS = ['lighting', 'hvac', 'sockets', 'it', 'lifts', 'kitchen'] as const;

function siteObject(dataDir: string, influxUrl: string) {
  const cal = holidays();
  const zones = [
    { id: 'campus', name: 'Campus', kind: 'campus' },
    ...Array.from({ length: BUILDINGS }, (_, b) => ({
      id: buildingId(b),
      name: `Building ${b + 1}`,
      kind: 'building',
      parent: 'campus',
    })),
  ];
  const assets = [];
  const meters = [];
  for (let b = 0; b < BUILDINGS; b++) {
    for (let k = 0; k <= SUBS; k++) {
      const id = meterId(b, k);
      assets.push({
        id,
        name: k === 0 ? `Building ${b + 1} incomer` : `Building ${b + 1} ${LOADS[k % LOADS.length]} ${k}`,
        kind: 'electricity-meter',
        zone: buildingId(b),
        points: [{ name: 'energy_kwh', unit: 'kWh', kind: 'counter', intervalMs: 900_000 }],
      });
      meters.push(
        k === 0
          ? { id, point: `${id}/energy_kwh` }
          : { id, point: `${id}/energy_kwh`, parent: meterId(b, 0) },
      );
    }
    meters.push({
      id: `${buildingId(b)}-unmetered`,
      name: `Building ${b + 1} unmetered`,
      add: [meterId(b, 0)],
      subtract: Array.from({ length: SUBS }, (_, k) => meterId(b, k + 1)),
      parent: meterId(b, 0),
    });
  }
  return {
    site: { id: 'bench', name: 'Bench campus', timezone: TZ },
    hub: { http: { host: '127.0.0.1', port: 0 }, logLevel: 'silent', dataDir },
    mqtt: { mode: 'off' },
    storage: {
      mode: 'influxdb',
      // last month is within rawDays − 1 days: the ledger reads raw readings, not the 15-minute rollup
      retention: { rawDays: 120 },
      influxdb: { url: influxUrl, database: 'hub' },
    },
    zones,
    assets,
    schedules: [
      {
        id: 'cn-calendar',
        name: 'Working days (PRC calendar)',
        weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['00:00-24:00']])),
        ...cal,
      },
      {
        id: 'office-hours',
        name: 'Office hours',
        weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00-18:00']])),
        ...cal,
      },
    ],
    energy: {
      meters,
      calendar: 'cn-calendar',
      workingHours: 'office-hours',
      currency: 'CNY',
      tariffs: {
        electricity: {
          prices: { sharp: 1.38, peak: 1.12, flat: 0.68, valley: 0.31 },
          seasons: [
            {
              name: 'summer',
              months: [7, 8, 9],
              periods: {
                valley: ['00:00-06:00', '22:00-24:00'],
                flat: ['06:00-08:00', '11:00-13:00', '15:00-18:00'],
                peak: ['08:00-11:00', '18:00-22:00'],
                sharp: ['13:00-15:00'],
              },
            },
            {
              name: 'rest of the year',
              months: [1, 2, 3, 4, 5, 6, 10, 11, 12],
              periods: {
                valley: ['00:00-06:00', '22:00-24:00'],
                flat: ['06:00-08:00', '11:00-18:00'],
                peak: ['08:00-11:00', '18:00-22:00'],
              },
            },
          ],
          demandChargePerKw: 40,
        },
      },
      carbon: { electricity: 0.5703 },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The history: 15-minute counter readings straight into InfluxDB's raw RP
// ---------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run writes the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const bump = (h: number, at: number, width: number) => Math.exp(-(((h - at) / width) ** 2));

interface Months {
  label: string;
  previousLabel: string;
  /** Local midnights: the month before last, last month, this month. */
  previousFrom: number;
  periodFrom: number;
  periodTo: number;
}

function lastMonths(now: number): Months {
  const w = wallTime(now, TZ);
  const at = (monthOffset: number) =>
    fromWallTime({ ...w, month: w.month + monthOffset, day: 1, hour: 0, minute: 0 }, TZ);
  const label = (ts: number) => {
    const x = wallTime(ts, TZ);
    return `${x.year}-${pad(x.month)}`;
  };
  const previousFrom = at(-2);
  const periodFrom = at(-1);
  return {
    label: label(periodFrom),
    previousLabel: label(previousFrom),
    previousFrom,
    periodFrom,
    periodTo: at(0),
  };
}

interface Expected {
  /** Per building (main meter): what its counter counted over last month and over the month before. */
  period: number[];
  previous: number[];
  /** Per physical meter id: last month. */
  byMeter: Record<string, number>;
}

interface WriteResult {
  points: number;
  from: number;
  to: number;
  generateAndWriteS: number;
  expected: Expected;
}

/**
 * Every meter's counter from the day before the month before last until now, one reading per quarter hour
 * (the last poll of the slot, 5–60 s before its end), in line protocol, POSTed in batches of 50,000 lines.
 * A sub-meter follows its kind of load (lighting, HVAC, sockets, IT, lifts, kitchen) over the local day, by
 * working day or not (the calendar); a main meter counts its sub-meters plus losses and common areas.
 */
async function writeHistory(influxUrl: string, now: number, months: Months): Promise<WriteResult> {
  const rand = prng(20261125);
  const calendar = new Schedule(ScheduleSchema.parse(siteObject('', '').schedules[0]), TZ);
  const n = METERS;
  const ids: string[] = [];
  const prefix: string[] = [];
  const base = new Float64Array(n);
  const work = new Float64Array(n);
  const kind = new Uint8Array(n);
  const offset = new Float64Array(n);
  const counter = new Float64Array(n);
  for (let b = 0; b < BUILDINGS; b++)
    for (let k = 0; k <= SUBS; k++) {
      const i = b * (SUBS + 1) + k;
      ids.push(meterId(b, k));
      prefix.push(`electricity-meter,asset=${meterId(b, k)},site=bench,zone=${buildingId(b)} energy_kwh=`);
      kind[i] = k % LOADS.length;
      const load = LOADS[kind[i]!];
      // kW: base load around the clock, plus the load that follows occupancy
      base[i] = k === 0 ? 3 + rand() * 5 : load === 'it' ? 6 + rand() * 14 : 0.3 + rand() * 3;
      work[i] =
        k === 0
          ? 2
          : load === 'hvac'
            ? 15 + rand() * 35
            : load === 'kitchen'
              ? 10 + rand() * 20
              : 3 + rand() * 10;
      offset[i] = 5_000 + Math.floor(rand() * 55_000);
      counter[i] = Math.round((10_000 + rand() * 490_000) * 100) / 100;
    }

  // The counters at three boundaries: their last reading before each.
  const snapshot = (ts: number, slot: number) => (slot === ts ? Float64Array.from(counter) : undefined);
  let atPrevious: Float64Array | undefined;
  let atPeriod: Float64Array | undefined;
  let atEnd: Float64Array | undefined;

  const from = months.previousFrom - DAY_MS;
  const lastSlot = Math.floor((now - 60_000) / SLOT_MS) * SLOT_MS - SLOT_MS; // its readings are all past
  const t0 = performance.now();
  let lines: string[] = [];
  let points = 0;
  const inflight: Promise<void>[] = [];
  const post = async (body: string) => {
    const res = await fetch(`${influxUrl}/write?db=hub&rp=${RAW_RP}&precision=ms`, { method: 'POST', body });
    if (res.status !== 204) throw new Error(`influx write: ${res.status} ${await res.text()}`);
  };
  const flush = async () => {
    if (!lines.length) return;
    const body = lines.join('\n');
    points += lines.length;
    lines = [];
    inflight.push(post(body));
    if (inflight.length >= 2) await inflight.shift();
  };
  const subKw = new Float64Array(n);
  for (let slot = from; slot <= lastSlot; slot += SLOT_MS) {
    atPrevious ??= snapshot(months.previousFrom, slot);
    atPeriod ??= snapshot(months.periodFrom, slot);
    atEnd ??= snapshot(months.periodTo, slot);
    const w = wallTime(slot, TZ);
    const dayType = calendar.dayType(w.year, w.month, w.day); // 0 Sunday … 6 Saturday, 7 holiday
    const workday = dayType >= 1 && dayType <= 5;
    const h = w.hour + w.minute / 60;
    const occupied = workday ? clamp01((h - 7) / 2) * clamp01((19 - h) / 2) : 0;
    const weekend = workday ? 0 : clamp01((h - 9) / 1) * clamp01((17 - h) / 1);
    for (let b = 0; b < BUILDINGS; b++) {
      let sum = 0;
      for (let k = 1; k <= SUBS; k++) {
        const i = b * (SUBS + 1) + k;
        let shape: number;
        switch (LOADS[kind[i]!]) {
          case 'lighting':
            shape = occupied + 0.1 * weekend;
            break;
          case 'hvac':
            shape = occupied * (0.75 + 0.25 * Math.sin((Math.PI * (h - 8)) / 10)) + 0.25 * weekend;
            break;
          case 'it':
            shape = 0.05 * occupied;
            break;
          case 'lifts':
            shape =
              occupied * (0.4 + bump(h, 8.5, 0.7) + bump(h, 12, 0.6) + bump(h, 18, 0.7)) + 0.1 * weekend;
            break;
          case 'kitchen':
            shape = workday ? bump(h, 11.8, 0.8) + 0.7 * bump(h, 17.8, 0.7) : 0.1 * weekend;
            break;
          default:
            shape = occupied + 0.15 * weekend;
        }
        const kw = (base[i]! + work[i]! * shape) * (0.92 + 0.16 * rand());
        subKw[i] = kw;
        sum += kw;
      }
      const main = b * (SUBS + 1);
      // losses (2 %) and common areas nobody sub-meters
      subKw[main] = sum * 1.02 + (base[main]! + work[main]! * occupied) * (0.9 + 0.2 * rand());
    }
    for (let i = 0; i < n; i++) {
      counter[i] = Math.round((counter[i]! + subKw[i]! / 4) * 100) / 100;
      lines.push(`${prefix[i]}${counter[i]} ${slot + SLOT_MS - offset[i]!}`);
    }
    if (lines.length >= 50_000) await flush();
  }
  await flush();
  await Promise.all(inflight);
  atEnd ??= Float64Array.from(counter);
  if (!atPrevious || !atPeriod) throw new Error('the data does not cover the month before last');
  const expected: Expected = { period: [], previous: [], byMeter: {} };
  for (let b = 0; b < BUILDINGS; b++) {
    const main = b * (SUBS + 1);
    expected.period.push(atEnd[main]! - atPeriod[main]!);
    expected.previous.push(atPeriod[main]! - atPrevious[main]!);
  }
  for (let i = 0; i < n; i++) expected.byMeter[ids[i]!] = atEnd[i]! - atPeriod[i]!;
  return {
    points,
    from,
    to: lastSlot + SLOT_MS,
    generateAndWriteS: round((performance.now() - t0) / 1000, 1),
    expected,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The hub under test (this file, forked)
// ---------------------------------------------------------------------------------------------------------

interface ReportSummary {
  consumption: number | null;
  previous: number | null;
  completeness: number;
  previousCompleteness: number;
  cost: number | null;
  demandCharge: number | null;
  peakDemandKw: number | null;
  carbonKg: number | null;
  baselineDeviationPct: number | null;
  afterHoursKwh: number | null;
  afterHoursWasteKwh: number | null;
  buildings: { zone: string; consumption: number | null; previous: number | null }[];
  meters: Record<string, number | null>;
  meterCount: number;
}

interface ChildMemory {
  baselineRssMb: number;
  rssMb: number;
  peakRssMb: number;
}

function summarise(r: EnergyReport): ReportSummary {
  const e = r.totals.find((t) => t.medium === 'electricity')!;
  return {
    consumption: e.consumption,
    previous: e.previous.consumption,
    completeness: e.completeness,
    previousCompleteness: e.previous.completeness,
    cost: e.cost,
    demandCharge: e.demandCharge ?? null,
    peakDemandKw: e.peakDemandKw ?? null,
    carbonKg: e.carbonKg,
    baselineDeviationPct: e.baseline?.deviationPct ?? null,
    afterHoursKwh: e.afterHours?.consumption ?? null,
    afterHoursWasteKwh: e.afterHours?.waste ?? null,
    buildings: r.buildings.map((b) => {
      const t = b.totals.find((x) => x.medium === 'electricity')!;
      return { zone: b.zone!, consumption: t.consumption, previous: t.previous.consumption };
    }),
    meters: Object.fromEntries(r.meters.map((m) => [m.id, m.consumption])),
    meterCount: r.meters.length,
  };
}

function memory(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: round(performance.now() - t0, 1), value };
}

async function login(hub: Hub): Promise<string> {
  const res = await hub.auth.login(ADMIN.username, ADMIN.password, { ip: '127.0.0.1' });
  if (!res.ok) throw new Error(`bench login failed: ${res.reason}`);
  return `${SESSION_COOKIE}=${res.cookieValue}`;
}

function ledgerFailure(hub: Hub): void {
  const l = hub.energy.health().ledger;
  if (l.failures) throw new Error(`energy ledger: ${l.failures} failed refreshes: ${l.lastError}`);
}

/**
 * hub.start() warms the ledger with its first ensure from here on (energy.start()). A report asked for at
 * the same time queues behind it and would replace lastRefresh before a timer could see it: this catches
 * the warm-up's own end, right when it sets lastRefresh.
 */
function catchWarmup(hub: Hub): () => Promise<number> {
  const ledger = hub.energy.ledger;
  const ensure = ledger.ensure.bind(ledger);
  let warmup: Promise<number> | undefined;
  ledger.ensure = (from, to) => {
    const run = ensure(from, to);
    warmup ??= run;
    return run;
  };
  return () => {
    if (!warmup) throw new Error('hub.start() did not warm the energy ledger');
    return warmup;
  };
}

/** The next message `{ cmd }` from the parent (listen before asking for it: messages are not kept). */
function next(cmd: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { cmd?: string }) => {
      if (m.cmd !== cmd) return;
      process.off('message', on);
      resolve();
    };
    process.on('message', on);
  });
}

/** `reports`: cold, then warm in-process; HTTP from the parent. `start`: the warm-up at hub.start(). */
async function hubChild(mode: 'reports' | 'start', siteFile: string, label: string): Promise<void> {
  const site = parseSiteText(readFileSync(siteFile, 'utf8'), 'bench-energy.yaml');
  const baselineRss = memory().rss;
  const hub = await buildHub({
    site,
    log: silentLogger,
    admin: ADMIN,
    passwordCost: { N: 1024, r: 8, p: 1 },
    live: false,
  });
  const send = (m: object) => process.send?.(m);
  const stopped = next('stop');

  if (mode === 'reports') {
    const go = next('go');
    send({ cmd: 'built' });
    await go;
    // cold: nothing in the ledger; the report builds its two months (and the day before) from InfluxDB
    const cpu0 = processCpuSeconds();
    const cold = await timed(() => hub.energy.report('monthly', label));
    const coldCpuS = round(processCpuSeconds() - cpu0, 2);
    ledgerFailure(hub);
    const coldLedger = hub.energy.health().ledger;
    const afterCold = memory();
    const resume = next('go');
    send({ cmd: 'cold' }); // the parent reads influxd's CPU
    await resume;
    // the hub starts: the warm-up finds last month final and works out this month's days from InfluxDB
    const warmedUp = catchWarmup(hub);
    const t0 = performance.now();
    const url = await hub.start();
    await warmedUp();
    const warmup = { ms: round(performance.now() - t0, 1), refresh: hub.energy.health().ledger.lastRefresh };
    ledgerFailure(hub);
    const warm: number[] = [];
    let last = cold.value;
    for (let i = 0; i < RUNS; i++) {
      const t = await timed(() => hub.energy.report('monthly', label));
      warm.push(t.ms);
      last = t.value;
    }
    const csv: number[] = [];
    let csvBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = await timed(async () => reportCsv(await hub.energy.report('monthly', label)));
      csv.push(t.ms);
      csvBytes = Buffer.byteLength(t.value);
    }
    const cookie = await login(hub);
    const asked = next('memory');
    send({
      cmd: 'ready',
      url,
      cookie,
      coldMs: cold.ms,
      coldCpuS,
      coldLedger: { rows: coldLedger.rows, finalRows: coldLedger.finalRows, refresh: coldLedger.lastRefresh },
      startWarmup: warmup,
      warmMs: warm,
      csvMs: csv,
      csvBytes,
      cold: summarise(cold.value),
      warm: summarise(last),
      afterCold: { rssMb: mb(afterCold.rss), peakRssMb: mb(afterCold.hwm) },
    });
    await asked;
  } else {
    const warmedUp = catchWarmup(hub);
    const t0 = performance.now();
    const url = await hub.start();
    const cookie = await login(hub);
    send({ cmd: 'ready', url, cookie });
    await warmedUp();
    const warmupMs = round(performance.now() - t0, 1); // lastRefresh is set now: the warm-up's
    const l = hub.energy.health().ledger;
    if (!l.lastRefresh) throw new Error('the warm-up ended without a lastRefresh');
    const asked = next('memory');
    send({ cmd: 'warm', warmupMs, ledger: { rows: l.rows, finalRows: l.finalRows, refresh: l.lastRefresh } });
    await asked; // after the parent's first report
    ledgerFailure(hub);
  }
  const m = memory();
  send({
    cmd: 'memory',
    memory: { baselineRssMb: mb(baselineRss), rssMb: mb(m.rss), peakRssMb: mb(m.hwm) } satisfies ChildMemory,
  });
  await stopped;
  await hub.stop();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// The orchestration
// ---------------------------------------------------------------------------------------------------------

export interface EnergyBenchResult {
  /** counterIntervals over a year of 15-minute readings (35,041), in-process, 5 runs each. */
  intervals: IntervalsFigures;
  meters: number;
  virtualMeters: number;
  month: string;
  previousMonth: string;
  data: { points: number; from: string; to: string; generateAndWriteS: number; pointsPerS: number };
  /** The first report with an empty ledger (built from InfluxDB), in-process. */
  cold: { ms: number; hubCpuS: number; influxdCpuS: number; ledgerDays: number; ledgerRows: number };
  /** The same report again, in-process / over HTTP; CSV in-process (report + CSV) and over HTTP. */
  warm: Stats;
  http: Stats & { bytes: number };
  csv: Stats & { bytes: number; rows: number };
  csvHttp: Stats & { bytes: number };
  /** hub.start() after the cold report: last month is final in the ledger; this month's days are not. */
  warmupAfterCold: { ms: number; days: number };
  /** hub.start() with the ledger of the run above (a restart) and on an empty one (a first start). */
  restart: StartRun;
  firstStart: StartRun;
  memory: { reports: ChildMemory & { afterColdRssMb: number; afterColdPeakRssMb: number } };
  check: {
    siteTotalKwh: number;
    expectedKwh: number;
    relError: number;
    previousKwh: number;
    expectedPreviousKwh: number;
    leavesKwh: number;
    completeness: number;
  };
  report: Omit<ReportSummary, 'meters' | 'buildings'>;
}

/** hub.start(): the warm-up until lastRefresh (and the ledger's own account), the first HTTP report. */
export interface StartRun {
  warmupMs: number;
  days: number;
  ledgerMs: number;
  rows: number;
  /** Asked for as soon as the hub listened: queued behind the warm-up. */
  firstReportMs: number;
  memory: ChildMemory;
}

interface Stats {
  runs: number[];
  p50: number;
  max: number;
}

export interface IntervalsFigures {
  /** 35,040 15-minute intervals in Asia/Shanghai. */
  year15mShanghai: Stats;
  /** 8,760 hours and 365 days in Europe/Berlin (a 23-hour and a 25-hour day). */
  yearHoursDaysBerlin: Stats;
}

/**
 * counterIntervals over a year of readings, a quarter hour apart, 0.25 kWh each: the same data and ranges as
 * the year cases of domains/energy/counter-intervals.test.ts, checked as there (every interval full, 8,760 kWh).
 */
export function runIntervalsBench(runs = RUNS): IntervalsFigures {
  const Q = 900_000;
  const year = (from: number): [number, number][] =>
    Array.from({ length: 35_041 }, (_, i) => [from - Q + i * Q, i * 0.25] as [number, number]);
  const timedRuns = (work: () => void) =>
    stats(
      Array.from({ length: runs }, () => {
        const t0 = performance.now();
        work();
        return round(performance.now() - t0, 1);
      }),
    );
  const total = (r: { intervals: { value: number | null }[] }) =>
    r.intervals.reduce((a, i) => a + (i.value ?? 0), 0);
  const sh = Date.parse('2022-12-31T16:00:00Z'); // 2023-01-01 00:00 in Shanghai
  const shLasts = year(sh);
  const year15mShanghai = timedRuns(() => {
    const r = counterIntervals(shLasts, {
      from: sh,
      to: Date.parse('2023-12-31T16:00:00Z'),
      unit: '15m',
      tz: TZ,
    });
    if (r.intervals.length !== 35_040 || total(r) !== 8760)
      throw new Error(
        `energy bench: a year of 15-minute intervals gave ${r.intervals.length}, ${total(r)} kWh`,
      );
  });
  const be = Date.parse('2022-12-31T23:00:00Z'); // 2023-01-01 00:00 CET
  const beTo = Date.parse('2023-12-31T23:00:00Z');
  const beLasts = year(be);
  const yearHoursDaysBerlin = timedRuns(() => {
    const h = counterIntervals(beLasts, { from: be, to: beTo, unit: '1h', tz: 'Europe/Berlin' });
    const d = counterIntervals(beLasts, { from: be, to: beTo, unit: '1d', tz: 'Europe/Berlin' });
    if (h.intervals.length !== 8760 || d.intervals.length !== 365 || total(d) !== 8760)
      throw new Error(
        `energy bench: a Berlin year gave ${h.intervals.length} hours, ${d.intervals.length} days`,
      );
  });
  return { year15mShanghai, yearHoursDaysBerlin };
}

const stats = (runs: number[]): Stats => {
  const sorted = [...runs].sort((a, b) => a - b);
  return { runs, p50: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)! };
};

const round = (v: number, digits = 0) => Number(v.toFixed(digits));
const relError = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function check(what: string, got: number | null, want: number, tolerance = 1e-6): number {
  const e = got === null ? Number.NaN : relError(got, want);
  if (!(e <= tolerance))
    throw new Error(
      `energy bench: ${what} is ${got}, the generated counters counted ${want} (relative error ${e})`,
    );
  return e;
}

function checkReport(s: ReportSummary, expected: Expected): void {
  if (s.meterCount !== METERS + BUILDINGS)
    throw new Error(`energy bench: the report has ${s.meterCount} meters, expected ${METERS + BUILDINGS}`);
  if (s.completeness !== 1 || s.previousCompleteness !== 1)
    throw new Error(`energy bench: completeness ${s.completeness} / ${s.previousCompleteness}, expected 1`);
  check(
    'the site total',
    s.consumption,
    expected.period.reduce((a, b) => a + b, 0),
  );
  check(
    'the previous month',
    s.previous,
    expected.previous.reduce((a, b) => a + b, 0),
  );
  for (let b = 0; b < BUILDINGS; b++) {
    const got = s.buildings.find((x) => x.zone === buildingId(b));
    check(`${buildingId(b)}'s total`, got?.consumption ?? Number.NaN, expected.period[b]!);
  }
  for (const [id, want] of Object.entries(expected.byMeter)) check(`meter ${id}`, s.meters[id]!, want, 1e-5);
}

const leaves = (s: ReportSummary) =>
  Object.entries(s.meters)
    .filter(([id]) => !id.endsWith('-main'))
    .reduce((a, [, v]) => a + (v ?? Number.NaN), 0);

async function get(url: string, cookie: string): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.text();
  const ms = round(performance.now() - t0, 1);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 300)}`);
  return { ms, body };
}

/** A hub process (this file, forked) and `ask`: request(), failing if the process dies first. */
function forkHub(mode: 'reports' | 'start', siteFile: string, label: string) {
  const child = fork(here('./energy.ts'), ['hub', mode, siteFile, label], tsx);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ask = <T>(cmd: string | object, reply: string) =>
    Promise.race([
      request<T>(child, cmd, reply),
      exited.then((code) => {
        throw new Error(`the hub process exited (${code}) before it sent "${reply}"`);
      }),
    ]);
  const stop = async () => {
    child.send({ cmd: 'stop' });
    const code = await exited;
    if (code !== 0) throw new Error(`the hub process exited with ${code}`);
  };
  return { child, ask, stop };
}

export async function runEnergyBench(): Promise<EnergyBenchResult> {
  const intervals = runIntervalsBench();
  const influxd = await startInfluxd();
  const children: ChildProcess[] = [];
  const dirs: string[] = [influxd.dir];
  try {
    const now = Date.now();
    const months = lastMonths(now);
    const siteFile = () => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-energy-'));
      dirs.push(dir);
      const file = join(dir, 'site.yaml');
      writeFileSync(file, stringify(siteObject(join(dir, 'data'), influxd.url)));
      return file;
    };
    const reportsSite = siteFile();
    const site = parseSiteText(readFileSync(reportsSite, 'utf8'), 'bench-energy.yaml'); // validates it
    await setUpInflux(influxClient(site.storage.influxdb), site.storage);
    console.log(
      `energy: ${METERS} meters in ${BUILDINGS} buildings; writing 15-minute readings from ${new Date(months.previousFrom - DAY_MS).toISOString()} to now into InfluxDB…`,
    );
    const written = await writeHistory(influxd.url, now, months);
    console.log(
      `  ${written.points.toLocaleString('en')} readings in ${written.generateAndWriteS} s; now the monthly report of ${months.label}`,
    );

    // 1. cold, warm, HTTP, CSV
    const one = forkHub('reports', reportsSite, months.label);
    children.push(one.child);
    await one.ask('', 'built');
    const influxCpu0 = processCpuSeconds(influxd.pid!);
    await one.ask({ cmd: 'go' }, 'cold');
    const influxdCpuS = round(processCpuSeconds(influxd.pid!) - influxCpu0, 2);
    const ready = await one.ask<{
      url: string;
      cookie: string;
      coldMs: number;
      coldCpuS: number;
      coldLedger: { rows: number; finalRows: number; refresh?: { days: number; ms: number } };
      startWarmup: { ms: number; refresh?: { days: number; ms: number } };
      warmMs: number[];
      csvMs: number[];
      csvBytes: number;
      cold: ReportSummary;
      warm: ReportSummary;
      afterCold: { rssMb: number; peakRssMb: number };
    }>({ cmd: 'go' }, 'ready');
    checkReport(ready.cold, written.expected);
    checkReport(ready.warm, written.expected);
    const reportUrl = `${ready.url}api/v1/energy/reports/monthly?month=${months.label}`;
    const http: number[] = [];
    let httpBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await get(reportUrl, ready.cookie);
      http.push(r.ms);
      httpBytes = Buffer.byteLength(r.body);
      if (i === 0) checkReport(summarise(JSON.parse(r.body) as EnergyReport), written.expected);
    }
    const csvHttp: number[] = [];
    let csvBody = '';
    for (let i = 0; i < RUNS; i++) {
      const r = await get(`${reportUrl}&format=csv`, ready.cookie);
      csvHttp.push(r.ms);
      csvBody = r.body;
    }
    const mem1 = await one.ask<{ memory: ChildMemory }>({ cmd: 'memory' }, 'memory');
    await one.stop();

    // 2. a restart: the ledger of 1 kept; 3. a first start: an empty ledger
    const start = async (file: string): Promise<StartRun> => {
      const hub = forkHub('start', file, months.label);
      children.push(hub.child);
      const r = await hub.ask<{ url: string; cookie: string }>('', 'ready');
      const warmed = hub.ask<{
        warmupMs: number;
        ledger: { rows: number; refresh?: { days: number; ms: number } };
      }>('', 'warm');
      const first = await get(`${r.url}api/v1/energy/reports/monthly?month=${months.label}`, r.cookie);
      checkReport(summarise(JSON.parse(first.body) as EnergyReport), written.expected);
      const w = await warmed;
      const { memory } = await hub.ask<{ memory: ChildMemory }>({ cmd: 'memory' }, 'memory');
      await hub.stop();
      return {
        warmupMs: w.warmupMs,
        days: w.ledger.refresh?.days ?? 0,
        ledgerMs: w.ledger.refresh?.ms ?? 0,
        rows: w.ledger.rows,
        firstReportMs: first.ms,
        memory,
      };
    };
    const restart = await start(reportsSite);
    const firstStart = await start(siteFile());

    const expectedTotal = written.expected.period.reduce((a, b) => a + b, 0);
    const { meters: _m, buildings: _b, ...report } = ready.cold;
    const result: EnergyBenchResult = {
      meters: METERS,
      virtualMeters: BUILDINGS,
      month: months.label,
      previousMonth: months.previousLabel,
      intervals,
      data: {
        points: written.points,
        from: new Date(written.from).toISOString(),
        to: new Date(written.to).toISOString(),
        generateAndWriteS: written.generateAndWriteS,
        pointsPerS: Math.round(written.points / written.generateAndWriteS),
      },
      cold: {
        ms: ready.coldMs,
        hubCpuS: ready.coldCpuS,
        influxdCpuS,
        ledgerDays: ready.coldLedger.refresh?.days ?? 0,
        ledgerRows: ready.coldLedger.rows,
      },
      warm: stats(ready.warmMs),
      http: { ...stats(http), bytes: httpBytes },
      csv: { ...stats(ready.csvMs), bytes: ready.csvBytes, rows: csvBody.trimEnd().split('\n').length - 1 },
      csvHttp: { ...stats(csvHttp), bytes: Buffer.byteLength(csvBody) },
      warmupAfterCold: { ms: ready.startWarmup.ms, days: ready.startWarmup.refresh?.days ?? 0 },
      restart,
      firstStart,
      memory: {
        reports: {
          ...mem1.memory,
          afterColdRssMb: ready.afterCold.rssMb,
          afterColdPeakRssMb: ready.afterCold.peakRssMb,
        },
      },
      check: {
        siteTotalKwh: ready.cold.consumption!, // checked: not null
        expectedKwh: round(expectedTotal, 3),
        relError: relError(ready.cold.consumption!, expectedTotal),
        previousKwh: ready.cold.previous!,
        expectedPreviousKwh: round(
          written.expected.previous.reduce((a, b) => a + b, 0),
          3,
        ),
        leavesKwh: round(leaves(ready.cold), 3),
        completeness: ready.cold.completeness,
      },
      report,
    };
    check('the leaf meters (sub-meters + unmetered)', result.check.leavesKwh, expectedTotal);
    mkdirSync(here('./results/'), { recursive: true });
    writeFileSync(
      here('./results/energy.json'),
      `${JSON.stringify(
        {
          scenario: 'energy',
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
          ...result,
        },
        null,
        2,
      )}\n`,
    );
    return result;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await influxd.stop();
    // ~100 MB a run (InfluxDB's shards, the ledgers): not left behind in the temp dir
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function printEnergy(r: EnergyBenchResult): void {
  const n = (v: number) => v.toLocaleString('en');
  const s = (x: Stats) => `p50 ${x.p50} ms, max ${x.max} ms`;
  console.log(
    `energy: ${r.meters} meters (+${r.virtualMeters} virtual), monthly report of ${r.month} for the whole site, InfluxDB 1.6`,
  );
  console.log(
    `  counterIntervals, a year of 15-minute readings: 35,040 quarter hours (Shanghai) ${s(r.intervals.year15mShanghai)}; 8,760 hours + 365 days (Berlin) ${s(r.intervals.yearHoursDaysBerlin)}`,
  );
  console.log(
    `  data: ${n(r.data.points)} readings ${r.data.from} → ${r.data.to}, generated and written in ${r.data.generateAndWriteS} s (${n(r.data.pointsPerS)}/s)`,
  );
  console.log(
    `  cold (empty ledger, built from InfluxDB)   ${r.cold.ms} ms   (${r.cold.ledgerDays} days → ${n(r.cold.ledgerRows)} ledger rows; hub CPU ${r.cold.hubCpuS} s, influxd CPU ${r.cold.influxdCpuS} s)`,
  );
  console.log(
    `  warm, in-process (×${r.warm.runs.length})                  ${s(r.warm)}   [${r.warm.runs.join(', ')}]`,
  );
  console.log(
    `  warm, HTTP JSON (×${r.http.runs.length}, ${n(r.http.bytes)} bytes)      ${s(r.http)}   [${r.http.runs.join(', ')}]`,
  );
  console.log(
    `  warm, CSV in-process (×${r.csv.runs.length}, ${r.csv.rows} rows)         ${s(r.csv)}   [${r.csv.runs.join(', ')}]`,
  );
  console.log(
    `  warm, CSV over HTTP (×${r.csvHttp.runs.length}, ${n(r.csvHttp.bytes)} bytes)   ${s(r.csvHttp)}   [${r.csvHttp.runs.join(', ')}]`,
  );
  console.log(
    `  hub.start() after the cold report        warm-up ${r.warmupAfterCold.ms} ms (${r.warmupAfterCold.days} days of this month; last month already final)`,
  );
  const start = (what: string, x: StartRun) =>
    console.log(
      `  ${what} warm-up ${x.warmupMs} ms until lastRefresh (${x.days} day${x.days === 1 ? '' : 's'} worked out in ${x.ledgerMs} ms; ${n(x.rows)} ledger rows); first HTTP report asked right after start ${x.firstReportMs} ms; RSS ${x.memory.rssMb} MB, peak ${x.memory.peakRssMb} MB`,
    );
  start('restart (ledger kept):  ', r.restart);
  start('first start (empty ledger):', r.firstStart);
  const m = r.memory.reports;
  console.log(
    `  hub RSS (run 1): ${m.baselineRssMb} MB loaded, ${m.afterColdRssMb} MB after the cold report (peak so far ${m.afterColdPeakRssMb} MB), ${m.rssMb} MB after all reports (peak ${m.peakRssMb} MB)`,
  );
  console.log(
    `  check: site total ${n(r.check.siteTotalKwh)} kWh = generated ${n(r.check.expectedKwh)} kWh (rel. error ${r.check.relError.toExponential(1)}); previous month ${n(r.check.previousKwh)} = ${n(r.check.expectedPreviousKwh)}; leaf meters ${n(r.check.leavesKwh)}; completeness ${r.check.completeness}`,
  );
  console.log(
    `  report: cost ${n(r.report.cost ?? 0)} CNY (demand charge ${n(r.report.demandCharge ?? 0)}), peak ${r.report.peakDemandKw} kW, carbon ${n(r.report.carbonKg ?? 0)} kg, baseline deviation ${r.report.baselineDeviationPct} %, after hours ${n(r.report.afterHoursKwh ?? 0)} kWh (waste ${r.report.afterHoursWasteKwh})`,
  );
}

// forked by runEnergyBench: `energy.ts hub <reports|start> <site file> <YYYY-MM>`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'hub')
  await hubChild(process.argv[3] as 'reports' | 'start', process.argv[4]!, process.argv[5]!);
