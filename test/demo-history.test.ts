import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { SiteModel } from '../core/model/site-model.js';
import { buildHub, type Hub } from '../hub/app.js';
import { type DemoHistoryResult, generateDemoHistory, historyStart } from '../hub/demo-history.js';
import { demoSite } from './demo-site-fixture.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';

/**
 * The demo's history, generated as `npm run demo` does at its first start (a hub of its own on a manual clock,
 * the simulators' models replayed, real storage: the embedded store in a fresh data dir), then read back by a
 * second hub over the same data dir through the energy ledger, reports, baselines, the savings API, tickets and
 * passes.
 */
describe('demo history: 5 weeks at the first start', () => {
  const WEEKS = 5;
  const DAY = 86_400_000;
  /** A Monday afternoon in Shanghai: the last two weeks are automated. */
  const TO = Date.parse('2026-12-07T15:00:00+08:00');
  let site: SiteModel;
  let control: Record<string, unknown>;
  let result: DemoHistoryResult;
  let hub: Hub;
  let clock: ManualClock;
  let session: TestSession;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    const mqttPort = await freePort();
    ({ site, control } = demoSite(dataDir, (raw) => {
      raw.mqtt.port = mqttPort;
      raw.hub.http.port = 0;
    }));
    const past = new ManualClock(historyStart(TO, WEEKS));
    const builder = await buildHub(testHubOptions(site, { clock: past, live: false }));
    result = await generateDemoHistory({
      hub: builder,
      clock: past,
      site,
      to: TO,
      automatedWeeks: 2,
      control: control as never,
    });
    await builder.stop();
    // the demo's hub: a new process would open the same data dir
    clock = new ManualClock(TO);
    hub = await buildHub(testHubOptions(site, { clock, live: false }));
    session = await sessionAs(hub, ['viewer']);
  }, 180_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('is quick enough for a first start and covers 5 weeks, the last 2 automated', () => {
    console.log(
      `demo history: ${result.readings} readings, ${result.activity} intervals, ${result.tickets} tickets, ${result.passes} passes in ${result.ms} ms`,
    );
    expect(result.to - result.from).toBeGreaterThan(WEEKS * 7 * DAY - 15 * 60_000);
    expect(result.automatedFrom).toBe(TO - 14 * DAY);
    expect(result.readings).toBeGreaterThan(400_000);
    expect(result.ms).toBeLessThan(120_000);
  });

  it('the energy ledger reads every day of the 5 weeks back from storage, in believable amounts', async () => {
    const r = await hub.energy.intervals('b1-main', result.from + DAY, TO - DAY, '1d');
    expect(r.intervals.length).toBeGreaterThanOrEqual(33);
    for (const row of r.intervals) {
      expect(row.completeness, new Date(row.start).toISOString()).toBeGreaterThan(0.95);
      expect(row.value, new Date(row.start).toISOString()).toBeGreaterThan(2_000); // kWh a day
      expect(row.value).toBeLessThan(10_000);
      expect(row.peakDemandKw).toBeGreaterThan(100);
    }
    // weekends use less than working days
    const byWeekday = (d: number) =>
      r.intervals.filter((x) => new Date(x.start + 8 * 3_600_000).getUTCDay() === d).map((x) => x.value!);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(byWeekday(0))).toBeLessThan(mean(byWeekday(3)) * 0.8);
  });

  it('yesterday’s report and the learned baseline have content', async () => {
    const report = await hub.energy.report('daily', '2026-12-06');
    const b1 = report.meters.find((m) => m.id === 'b1-main')!;
    expect(b1).toBeDefined();
    expect(JSON.stringify(b1)).not.toMatch(/"consumption":null/);
    const baseline = await hub.energy.baseline('b1-main');
    const monday = baseline.dayTypes.find((d) => d.dayType === 'mon')!;
    expect(monday.hours.every((h) => h !== null && h > 0)).toBe(true);
    expect(baseline.weeks).toBeGreaterThanOrEqual(4);
  });

  it('GET /energy/savings: consumption below the pre-automation baseline, attributed to schedules, DCV and the demand limiter', async () => {
    const res = await hub.http.inject({
      method: 'GET',
      url: '/api/v1/energy/savings?meter=b1-main',
      headers: session.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json() as {
      saved: number;
      savedPct: number;
      expected: number;
      automationSince: number;
      unattributed: number;
      baseline: { to: number };
      measures: { measure: string; saved: number; slots: number }[];
      days: unknown[];
    };
    const by = Object.fromEntries(s.measures.map((m) => [m.measure, m]));
    expect(s.automationSince).toBeGreaterThanOrEqual(result.automatedFrom);
    expect(s.baseline.to).toBeLessThanOrEqual(s.automationSince);
    expect(s.savedPct).toBeGreaterThan(5);
    expect(by.schedule!.saved).toBeGreaterThan(0);
    expect(by.dcv!.slots).toBeGreaterThan(0);
    expect(by['demand-limit']!.slots, 'the limiter acted in the automated weeks').toBeGreaterThan(0);
    const parts = s.measures.reduce((a, m) => a + m.saved, 0) + s.unattributed;
    expect(Math.abs(parts - s.saved)).toBeLessThan(1);
    expect(s.days.length).toBeGreaterThanOrEqual(14);
    // a range before automation: nothing to attribute
    const before = await hub.http.inject({
      method: 'GET',
      url: '/api/v1/energy/savings?meter=b1-main&from=2026-11-10&to=2026-11-17',
      headers: session.headers,
    });
    expect(before.statusCode, before.body).toBe(200);
    const b = before.json() as { measures: { slots: number }[] };
    expect(b.measures.every((m) => m.slots === 0)).toBe(true);
  });

  it('tickets went through the whole workflow and visitors through the gates, every week', () => {
    const all = hub.maintenance.tickets.list({ limit: 500 });
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((t) => t.state === 'closed').length).toBeGreaterThan(10);
    const weeks = new Set(all.map((t) => Math.floor((t.createdAt - result.from) / (7 * DAY))));
    expect(weeks.size).toBe(WEEKS);
    expect(result.passes).toBeGreaterThan(20);
  });
});
