import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { influxClient, setUpInflux } from '../platform/storage/influx-setup.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { connectDevice, TEST_ADMIN, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { clearOfSiteMidnight } from './site-day.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * The energy and trends views in a real browser, against a hub on InfluxDB with the real clock: counters of
 * two buildings' meters and a water meter written as 15-minute readings from before last month up to now
 * (a day load above the demand limit, a 3-hour gap, a water leak at night), and a day of a room's
 * temperature and humidity. The energy view must show what the API says; the trends view draws two points
 * and takes a reading published over MQTT without a reload.
 */

const TZ = 'Asia/Shanghai'; // UTC+8, no DST
const SLOT = 15 * 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const OFFSET = 8 * HOUR;
const localDate = (ms: number) => new Date(ms + OFFSET).toISOString().slice(0, 10);
const localHour = (ms: number) => new Date(ms + OFFSET).getUTCHours();
const localWeekday = (ms: number) => new Date(ms + OFFSET).getUTCDay();
const midnight = (date: string) => Date.parse(`${date}T00:00:00+08:00`);

function siteYaml(db: string, mqttPort: number): string {
  const doc = parse(testSiteYaml({ mqttPort }));
  doc.site.timezone = TZ;
  doc.storage = {
    mode: 'influxdb',
    influxdb: { url: inject('influxUrl'), database: db },
    retention: { rawDays: 3650 },
  };
  doc.zones.push({ id: 'b2', name: 'Building 2', kind: 'building' });
  const meter = (id: string, name: string, kind: string, zone: string, points: object[]) => ({
    id,
    name,
    kind,
    zone,
    device: 'env-2',
    points,
  });
  const counter = (name: string, unit: string) => ({ name, unit, kind: 'counter', intervalMs: 60_000 });
  doc.assets.push(
    meter('m-b1', 'B1 incomer', 'electricity-meter', 'b1', [
      counter('energy_kwh', 'kWh'),
      { name: 'active_power_kw', unit: 'kW', min: 0, intervalMs: 60_000 },
    ]),
    meter('m-b1-hvac', 'B1 HVAC', 'electricity-meter', 'b1', [counter('energy_kwh', 'kWh')]),
    meter('m-b2', 'B2 incomer', 'electricity-meter', 'b2', [counter('energy_kwh', 'kWh')]),
    meter('w-b1', 'B1 water meter', 'water-meter', 'b1', [
      counter('volume_m3', 'm3'),
      { name: 'flow_m3h', unit: 'm3/h', min: 0, intervalMs: 60_000 },
    ]),
  );
  const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00-18:00']]));
  doc.schedules = [{ id: 'office', weekly: weekdays }];
  doc.rules = [
    {
      id: 'b1-demand',
      name: 'B1 demand over its limit',
      severity: 'high',
      target: { point: 'm-b1/active_power_kw' },
      condition: { type: 'demand', limitKw: 60 },
    },
    {
      id: 'b1-night-water',
      name: 'Water never stops at night',
      severity: 'high',
      target: { point: 'w-b1/flow_m3h' },
      condition: { type: 'night-flow', from: '01:00', to: '04:00' },
    },
  ];
  doc.energy = {
    calendar: 'office',
    workingHours: 'office',
    currency: 'CNY',
    meters: [
      { id: 'b1-main', name: 'B1 incomer', point: 'm-b1/energy_kwh', zone: 'b1', billing: true },
      { id: 'b1-hvac', name: 'B1 HVAC', point: 'm-b1-hvac/energy_kwh', parent: 'b1-main' },
      { id: 'b1-other', name: 'B1 other', add: ['b1-main'], subtract: ['b1-hvac'], parent: 'b1-main' },
      { id: 'b2-main', name: 'B2 incomer', point: 'm-b2/energy_kwh', zone: 'b2', billing: true },
      { id: 'b1-water', name: 'B1 water', point: 'w-b1/volume_m3', zone: 'b1' },
    ],
    tariffs: {
      electricity: {
        prices: { peak: 1.0, flat: 0.6, valley: 0.3 },
        demandChargePerKw: 40,
        seasons: [
          {
            name: 'all',
            months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            periods: { valley: ['00:00-08:00'], flat: ['08:00-12:00', '17:00-24:00'], peak: ['12:00-17:00'] },
          },
        ],
      },
      water: { price: 4 },
    },
    carbon: { electricity: 0.57, water: 0.17 },
  };
  return stringify(doc);
}

/** Line protocol: the counters every 15 minutes (+1 min) from 30 days before last month up to now. */
function meterLines(now: number): string[] {
  const thisMonth = localDate(now).slice(0, 7);
  const [y, m] = thisMonth.split('-').map(Number) as [number, number];
  const lastMonth = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 10);
  const from = midnight(lastMonth) - 30 * DAY - SLOT;
  const gapDay = localDate(now - DAY);
  const gap = [midnight(gapDay) + 10 * HOUR, midnight(gapDay) + 13 * HOUR];
  const c = { b1: 50_000, hvac: 8_000, b2: 20_000, water: 300 };
  const out: string[] = [];
  for (let t = from; t + 60_000 <= now; t += SLOT) {
    const ts = t + 60_000;
    const h = localHour(t);
    const workday = localWeekday(t) >= 1 && localWeekday(t) <= 5;
    const day = workday && h >= 9 && h < 17;
    const evening = h >= 18 && h < 22;
    c.b1 += day ? 20 : 10; // 80 kW by day (over the 60 kW limit), 40 kW otherwise
    c.hvac += day ? 6 : 1;
    c.b2 += evening ? 8 : 5;
    c.water += day ? 0.5 : 0.02; // it never stops at night
    if (t < gap[0]! || t >= gap[1]!)
      out.push(`electricity-meter,asset=m-b1,site=t1,zone=b1 energy_kwh=${c.b1} ${ts}`);
    out.push(`electricity-meter,asset=m-b1-hvac,site=t1,zone=b1 energy_kwh=${c.hvac} ${ts}`);
    out.push(`electricity-meter,asset=m-b2,site=t1,zone=b2 energy_kwh=${c.b2} ${ts}`);
    out.push(`water-meter,asset=w-b1,site=t1,zone=b1 volume_m3=${c.water.toFixed(4)} ${ts}`);
  }
  return out;
}

/** A day of room-1's temperature and humidity, every 20 s, up to 90 s ago. */
function roomLines(now: number): string[] {
  const out: string[] = [];
  for (let t = now - DAY; t < now - 90_000; t += 20_000) {
    const phase = ((t % DAY) / DAY) * 2 * Math.PI;
    const temp = (21 + 2 * Math.sin(phase)).toFixed(3);
    const hum = (45 + 6 * Math.cos(phase)).toFixed(2);
    out.push(`env-sensor,asset=room-1,site=t1,zone=b1-f1 temp_c=${temp},humidity_pct=${hum} ${t}`);
  }
  return out;
}

async function write(db: string, lines: string[]) {
  for (let i = 0; i < lines.length; i += 20_000) {
    const res = await fetch(`${inject('influxUrl')}/write?db=${db}&rp=raw&precision=ms`, {
      method: 'POST',
      body: lines.slice(i, i + 20_000).join('\n'),
    });
    expect(res.status, await res.text()).toBe(204);
  }
}

const hashOf = (page: Page) => page.evaluate<string>('location.hash');
const notReloaded = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded);

interface MonthlyReport {
  period: { label: string };
  meters: { id: string; consumption: number | null; completeness: number }[];
  totals: { medium: string; consumption: number | null; changePct: number | null }[];
  days: { date: string; electricity: number | null; water: number | null }[];
}

await clearOfSiteMidnight(TZ); // `month` and the data written hold for the whole file

describe('energy and trends views in a real browser', () => {
  let hub: Hub;
  let url: string;
  let mqttPort: number;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const month = localDate(Date.now()).slice(0, 7);

  /** GET through the page's own session. */
  const apiGet = <T>(path: string) =>
    page.evaluate(async (p) => {
      const res = await fetch(`/api/v1${p}`, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return res.json();
    }, path) as Promise<T>;

  beforeAll(async () => {
    mqttPort = await freePort();
    const db = `dash_energy_${process.pid}_${Date.now()}`;
    const site = parseSiteText(siteYaml(db, mqttPort), 'energy-dashboard-site.yaml');
    await setUpInflux(influxClient(site.storage.influxdb), site.storage);
    const now = Date.now();
    await write(db, [...meterLines(now), ...roomLines(now)]);
    hub = await buildHub(testHubOptions(site));
    url = await hub.start();
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url));
    await logIn(page, TEST_ADMIN);
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
  }, 90_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await hub?.stop();
  });

  it("shows the month's consumption per day and meter as the API has it", async () => {
    await page.goto(`${url}#/energy`);
    const rows = page.locator('[data-table="days"] tr[data-date]');
    await rows.first().waitFor({ timeout: 30_000 });
    const report = await apiGet<MonthlyReport>(`/energy/reports/monthly?month=${month}`);
    expect(report.period.label).toBe(month);

    // each day that has begun: the electricity the report has for it (a gap stays "no data", never 0)
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        date: tr.getAttribute('data-date'),
        value: tr.querySelector('td[data-value]')?.getAttribute('data-value'),
        text: tr.querySelector('td[data-value]')?.textContent ?? '',
      })),
    );
    const today = localDate(Date.now());
    const begun = report.days.filter((d) => d.date <= today);
    expect(shown.map((d) => d.date)).toEqual(begun.map((d) => d.date));
    for (const [i, d] of begun.entries()) {
      expect(shown[i]!.value).toBe(d.electricity === null ? '' : String(d.electricity));
      expect(shown[i]!.text).not.toBe('');
    }
    expect(await page.locator('[data-chart="days"]').getAttribute('data-points')).toBe(String(begun.length));
    // the day with the gap is less than complete
    await expect
      .poll(() => page.locator('[data-table="days"] [data-completeness]').count(), { timeout: 10_000 })
      .toBe(begun.length);

    // every meter of the scope, with its consumption and completeness
    for (const m of report.meters) {
      const row = page.locator(`[data-table="meters"] tr[data-meter="${m.id}"]`);
      expect(await row.locator('td[data-value]').getAttribute('data-value')).toBe(
        m.consumption === null ? '' : String(m.consumption),
      );
      expect(await row.locator('[data-completeness]').getAttribute('data-completeness')).toBe(
        String(m.completeness),
      );
    }
    expect(await page.locator('[data-table="meters"] tr[data-meter]').count()).toBe(report.meters.length);
    // the totals against the last month, as the report has them
    const elec = report.totals.find((x) => x.medium === 'electricity')!;
    expect(
      await page.locator('[data-total="electricity"] td[data-value]').first().getAttribute('data-value'),
    ).toBe(String(elec.consumption));
    expect(await page.locator('[data-stat="vs-last"] [data-pct]').getAttribute('data-pct')).toBe(
      elec.changePct === null ? '' : String(elec.changePct),
    );
    // both buildings
    expect(await page.locator('[data-table="buildings"] tr[data-zone]').count()).toBe(2);
  });

  it("draws today's 15-minute demand against the demand rule's limit, and the water's night flow", async () => {
    // in the first quarter hour of the site's day none of today's has ended: yesterday's demand then
    // (a hash change, not a reload: the trends test checks the page was never reloaded)
    if (Date.now() - midnight(localDate(Date.now())) < 20 * 60_000)
      await page.evaluate(`location.hash = '#/energy?date=${localDate(Date.now() - DAY)}'`);
    const demand = page.locator('[data-chart="demand"]');
    await expect.poll(() => demand.getAttribute('data-points')).toBe('96');
    expect(await page.locator('[data-stat="demand-limit"] b').textContent()).toBe('60');
    await expect
      .poll(() => page.locator('[data-stat="demand-latest"] b').textContent(), { timeout: 10_000 })
      .toMatch(/^\d+$/);
    expect(await page.locator('[data-stat="demand-limit"] .e-stat-sub').textContent()).toContain(
      'B1 demand over its limit',
    );
    // 0.02 m³ a quarter hour all night: 0.08 m³/h, never zero
    await expect
      .poll(() => page.locator('[data-stat="night-min"] b').textContent(), { timeout: 10_000 })
      .toBe('0.08');
    expect(await page.locator('[data-stat="night-min"] .e-stat-sub').textContent()).toContain('leak');
    await screenshot(page, 'energy');
  });

  it("until tonight's window has a finished quarter hour, the night-flow panel shows last night", async () => {
    // the browser's clock yesterday (site time) at 00:30, before the window (01:00–04:00), and at 01:10, in its
    // first quarter hour: both show the night before, whole; at 01:20 tonight's, with its first quarter hour
    const yesterday = midnight(localDate(Date.now() - DAY));
    for (const [minutes, night] of [
      [30, localDate(yesterday - DAY)],
      [70, localDate(yesterday - DAY)],
      [80, localDate(yesterday)],
    ] as const) {
      const at = yesterday + minutes * 60_000;
      const { page: early, errors: earlyErrors } = await openLoginPage(browser, url);
      await early.clock.setFixedTime(at);
      await logIn(early, TEST_ADMIN);
      await early.goto(`${url}#/energy`);
      await expect
        .poll(() => early.locator('input[data-control="night"]').inputValue(), { timeout: 15_000 })
        .toBe(night);
      await expect
        .poll(() => early.locator('[data-stat="night-min"] b').textContent(), { timeout: 10_000 })
        .toBe('0.08');
      expect(await early.evaluate('location.hash')).not.toContain('night=');
      if (minutes === 30) {
        await screenshot(early, 'energy-after-midnight');
        // a night chosen is in the URL; choosing the latest again takes it out
        await early.locator('input[data-control="night"]').fill(localDate(at - 3 * DAY));
        await expect
          .poll(() => early.evaluate<string>('location.hash'))
          .toContain(`night=${localDate(at - 3 * DAY)}`);
        await early.locator('input[data-control="night"]').fill(night);
        await expect.poll(() => early.evaluate<string>('location.hash')).not.toContain('night=');
      }
      expect(unexpected(earlyErrors)).toEqual([]);
      await early.close();
    }
  });

  it('the CSV link downloads the monthly report as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-export="monthly"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`energy-monthly-${month}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toMatch(/^period,scope,meter,name,medium,unit,zone,parent,virtual,consumption,/);
    expect(csv).toHaveLength(1 + 5);
    expect(csv.find((l) => l.includes(',b2-main,'))).toBeDefined();
  });

  it('a building as scope: its meters only; the selection is in the URL', async () => {
    await page.locator('select[data-control="zone"]').selectOption('b2');
    await expect.poll(() => hashOf(page)).toContain('zone=b2');
    await expect
      .poll(() => page.locator('[data-table="meters"] tr[data-meter]').count(), { timeout: 15_000 })
      .toBe(1);
    expect(await page.locator('[data-table="meters"] tr[data-meter="b2-main"]').count()).toBe(1);
    expect(await page.locator('[data-export="monthly"]').getAttribute('href')).toContain('zone=b2');

    // in Chinese
    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => page.locator('[data-view-id="energy"] .view-title').textContent()).toBe('能耗');
    expect(await page.locator('[data-panel="demand"] h2').textContent()).toContain('需量');
    await screenshot(page, 'energy-zh');
    await page.locator('#lang').selectOption('en');
    // on a phone
    await page.setViewportSize({ width: 400, height: 860 });
    await page.locator('[data-panel="meters"]').waitFor();
    await screenshot(page, 'energy-narrow');
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(unexpected(errors)).toEqual([]);
  });

  it('trends: two points on one chart from history, and a reading published over MQTT added live', async () => {
    await page.goto(`${url}#/trends?points=room-1/temp_c,room-1/humidity_pct&range=24h`);
    const chart = page.locator('[data-chart="trend"]');
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(1_000);
    // two series and a unit on each axis
    expect(await chart.locator('.u-legend .u-series').count()).toBe(3);
    expect(await page.locator('[data-units]').getAttribute('data-units')).toBe('°C,%');
    expect(await page.locator('.trend-chip').count()).toBe(2);
    expect(await page.locator('[data-live="on"]').count()).toBe(1);
    const before = Number(await chart.getAttribute('data-points'));

    const client = await connectDevice(hub, mqttPort, 'env-1');
    const ts = Date.now();
    try {
      await client.publishAsync(
        'site/t1/room-1/telemetry',
        JSON.stringify({ ts, temp_c: 23.75, humidity_pct: 47 }),
      );
      await expect
        .poll(() => page.locator('[data-point="room-1/temp_c"] [data-value]').getAttribute('data-value'), {
          timeout: 5_000,
        })
        .toBe('23.75');
      // in its minute's bucket, the newest on the chart (the history ends 90 s before)
      const bucket = Math.floor(ts / 60_000) * 60_000;
      await expect
        .poll(async () => JSON.parse((await page.locator('[data-last]').getAttribute('data-last'))!))
        .toEqual([
          [bucket, 23.75],
          [bucket, 47],
        ]);
      // the window moved on: the oldest minute left as the new one came
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(before);
    } finally {
      await client.endAsync();
    }
    expect(await notReloaded(page)).toBe(true);
    await screenshot(page, 'trends');
  });

  it('trends: presets, zoom by dragging, pan; the range is in the URL', async () => {
    await page.locator('[data-range="1h"]').click();
    await expect.poll(() => hashOf(page)).toContain('range=1h');
    const over = page.locator('[data-chart="trend"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => hashOf(page)).toContain('range=custom');
    const zoomed = new URLSearchParams((await hashOf(page)).split('?')[1]);
    const span = Date.parse(zoomed.get('to')!) - Date.parse(zoomed.get('from')!);
    expect(span).toBeGreaterThan(15 * 60_000);
    expect(span).toBeLessThan(21 * 60_000);
    expect(zoomed.get('points')).toBe('room-1/temp_c,room-1/humidity_pct');
    // the hash changes first, the view renders after it
    await expect.poll(() => page.locator('[data-live="off"]').count()).toBe(1);

    await page.locator('[data-pan="left"]').click();
    await expect
      .poll(async () => {
        const q = new URLSearchParams((await hashOf(page)).split('?')[1]);
        return Date.parse(q.get('from')!);
      })
      .toBeLessThan(Date.parse(zoomed.get('from')!));
    await expect
      .poll(async () => Number(await page.locator('[data-chart="trend"]').getAttribute('data-points')))
      .toBeGreaterThan(10);
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });
});
