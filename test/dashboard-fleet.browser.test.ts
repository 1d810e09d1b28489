/**
 * The fleet view in a browser against a real central hub (hub.mode: central, a real mosquitto, the central's
 * InfluxDB) fed by simulated Sparkplug B edge nodes written with Eclipse Tahu's `sparkplug-payload` (not the
 * hub's codec): three sites born with their assets and two hours of history, one more listed but never heard
 * from. The central's navigation is the fleet; the sites table sorts; a site's assets by zone with an asset
 * whose device died (DDEATH) greyed as last known; an asset's trends from InfluxDB; a site killed (its will,
 * NDEATH) turns offline and a silent one stale without a reload. English, Chinese and a 390 px phone; the
 * screenshots go to /tmp/shots-fleet/.
 */
import { mkdirSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, unexpected } from './browser-harness.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

const SHOTS = '/tmp/shots-fleet';
const tahu = sparkplugPayload.get('spBv1.0')!;
const GROUP = `viewtest${process.pid}`;
const MIN = 60_000;

type Value = number | boolean | string | null;
interface SimPoint {
  name: string;
  unit: string;
  type: 'Double' | 'Boolean' | 'String';
  kind?: 'measurement' | 'counter' | 'state' | 'command';
  /** The value at a time (history and live). */
  at: (ms: number) => Value;
}
interface SimAsset {
  id: string;
  name: string;
  kind: string;
  zone: string;
  zoneName: string;
  points: SimPoint[];
}
interface SimSite {
  node: string;
  name: string;
  summary: Record<string, number | null>;
  assets: SimAsset[];
}

const wave = (base: number, amp: number, periodMin: number) => (ms: number) =>
  Math.round((base + amp * Math.sin((ms / (periodMin * MIN)) * 2 * Math.PI)) * 100) / 100;

const SUMMARY_ALIAS: Record<string, number> = {
  'Site/Alerts active': 4,
  'Site/Alerts unacknowledged': 5,
  'Site/Alerts critical': 6,
  'Site/Tickets open': 7,
  'Site/Tickets overdue': 8,
  'Site/Devices offline': 9,
  'Site/Power W': 10,
  'Site/Energy today kWh': 11,
};

/**
 * A Sparkplug B edge node as a site hub (or any Tahu-based gateway) would be: NBIRTH with bdSeq and the site's
 * metrics, a DBIRTH per asset, DDATA with aliases; NDEATH as its MQTT will; a rebirth on NCMD.
 */
class SimEdge {
  private client!: MqttClient;
  private seq = 0;
  private bdSeq = 0;
  private timer?: ReturnType<typeof setInterval>;
  readonly dead = new Set<string>();

  constructor(
    readonly site: SimSite,
    private readonly url: string,
  ) {}

  private topic(type: string, device?: string) {
    return `spBv1.0/${GROUP}/${type}/${this.site.node}${device ? `/${device}` : ''}`;
  }

  private async publish(type: string, metrics: object[], device?: string, seq = true): Promise<void> {
    const payload: Record<string, unknown> = { timestamp: Date.now(), metrics };
    if (seq) {
      payload.seq = this.seq;
      this.seq = (this.seq + 1) % 256;
    }
    await this.client.publishAsync(
      this.topic(type, device),
      Buffer.from(tahu.encodePayload(payload as never)),
      {
        qos: type === 'NBIRTH' || type === 'DBIRTH' ? 0 : 1,
      },
    );
  }

  async connect(): Promise<void> {
    this.client = await mqtt.connectAsync(this.url, {
      clientId: `${GROUP}-${this.site.node}`,
      clean: true,
      keepalive: 5,
      reconnectPeriod: 0,
      will: {
        topic: this.topic('NDEATH'),
        payload: Buffer.from(
          tahu.encodePayload({
            timestamp: Date.now(),
            metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }],
          } as never),
        ),
        qos: 1,
        retain: false,
      },
    });
    await this.client.subscribeAsync(this.topic('NCMD'), { qos: 1 });
    this.client.on('message', (_topic, buf) => {
      const p = tahu.decodePayload(buf) as { metrics?: { name?: string; value?: unknown }[] };
      if (p.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) void this.birth();
    });
    await this.birth();
  }

  private aliasOf(asset: SimAsset, point: SimPoint): number {
    const i = this.site.assets.indexOf(asset) * 100 + asset.points.indexOf(point);
    return 1000 + i;
  }

  async birth(): Promise<void> {
    this.seq = 0;
    const s = this.site.summary;
    await this.publish('NBIRTH', [
      { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { name: 'Site/Name', alias: 1, type: 'String', value: this.site.name },
      { name: 'Site/Timezone', alias: 2, type: 'String', value: 'Asia/Shanghai' },
      { name: 'Site/Hub version', alias: 3, type: 'String', value: 'sim-1' },
      ...Object.entries(SUMMARY_ALIAS).map(([name, alias]) => {
        const v = s[name] ?? null;
        const type = name.endsWith('W') || name.endsWith('kWh') ? 'Double' : 'Int32';
        return v === null
          ? { name, alias, type, value: null, isNull: true }
          : { name, alias, type, value: v };
      }),
    ]);
    const now = Date.now();
    for (const a of this.site.assets) {
      await this.publish(
        'DBIRTH',
        [
          { name: 'Asset/Name', type: 'String', value: a.name },
          { name: 'Asset/Kind', type: 'String', value: a.kind },
          { name: 'Asset/Zone', type: 'String', value: a.zone },
          { name: 'Asset/Zone name', type: 'String', value: a.zoneName },
          ...a.points.map((p) => {
            const v = p.at(now);
            return {
              name: p.name,
              alias: this.aliasOf(a, p),
              type: p.type,
              timestamp: now,
              ...(v === null ? { value: null, isNull: true } : { value: v }),
              properties: {
                engUnit: { type: 'String', value: p.unit },
                Kind: { type: 'String', value: p.kind ?? 'measurement' },
                ...(p.kind === 'command' ? { Writable: { type: 'Boolean', value: true } } : {}),
              },
            };
          }),
        ],
        a.id,
      );
      if (this.dead.has(a.id)) await this.publish('DDEATH', [], a.id);
    }
  }

  /** Every point's value at `ms`, one DDATA per asset. */
  async data(ms: number, historical = false): Promise<void> {
    for (const a of this.site.assets) {
      if (this.dead.has(a.id)) continue;
      const metrics = a.points
        .map((p) => ({ p, v: p.at(ms) }))
        .filter(({ v }) => v !== null)
        .map(({ p, v }) => ({
          alias: this.aliasOf(a, p),
          type: p.type,
          value: v,
          timestamp: ms,
          ...(historical ? { isHistorical: true } : {}),
        }));
      if (metrics.length) await this.publish('DDATA', metrics, a.id);
    }
  }

  async deviceDeath(assetId: string): Promise<void> {
    this.dead.add(assetId);
    await this.publish('DDEATH', [], assetId);
  }

  /** Live data every second (the site's hub reporting by exception, here everything). */
  live(): void {
    this.timer = setInterval(() => void this.data(Date.now()).catch(() => undefined), 1_000);
  }

  /** Silent: connected, but nothing published. */
  hush(): void {
    clearInterval(this.timer);
  }

  /** The site's hub dies: its socket closes without a DISCONNECT, so the broker publishes the will (NDEATH). */
  kill(): void {
    this.hush();
    this.client.stream.destroy();
  }

  async stop(): Promise<void> {
    this.hush();
    await this.client?.endAsync(true).catch(() => undefined);
  }
}

const AHU: SimAsset = {
  id: 'ahu-1',
  name: 'AHU 1',
  kind: 'ahu',
  zone: 'b1',
  zoneName: 'Building 1 / 1号楼',
  points: [
    { name: 'supply_temp_c', unit: 'degC', type: 'Double', at: wave(14, 1.5, 40) },
    { name: 'return_temp_c', unit: 'degC', type: 'Double', at: wave(24, 1, 55) },
    { name: 'fan_speed_pct', unit: 'pct', type: 'Double', at: wave(70, 10, 30) },
    { name: 'supply_temp_sp', unit: 'degC', type: 'Double', kind: 'command', at: () => 14 },
    { name: 'running', unit: '', type: 'Boolean', kind: 'state', at: () => true },
  ],
};
const METER: SimAsset = {
  id: 'meter-main',
  name: 'Main incomer',
  kind: 'electricity-meter',
  zone: 'plant',
  zoneName: 'Plant room / 配电房',
  points: [
    { name: 'active_power_w', unit: 'W', type: 'Double', at: wave(410_000, 30_000, 60) },
    {
      name: 'energy_kwh',
      unit: 'kWh',
      type: 'Double',
      kind: 'counter',
      at: (ms) => Math.round(ms / 10_000) / 100,
    },
  ],
};
const CHILLER: SimAsset = {
  id: 'chiller-1',
  name: 'Chiller 1',
  kind: 'chiller',
  zone: 'plant',
  zoneName: 'Plant room / 配电房',
  points: [
    { name: 'chw_supply_c', unit: 'degC', type: 'Double', at: wave(7, 0.4, 20) },
    { name: 'chw_return_c', unit: 'degC', type: 'Double', at: wave(12, 0.6, 25) },
    { name: 'mode', unit: '', type: 'String', kind: 'state', at: () => 'cooling' },
  ],
};

const summary = (o: Partial<Record<keyof typeof SUMMARY_ALIAS, number | null>>) => ({
  'Site/Alerts active': 0,
  'Site/Alerts unacknowledged': 0,
  'Site/Alerts critical': 0,
  'Site/Tickets open': 0,
  'Site/Tickets overdue': 0,
  'Site/Devices offline': 0,
  'Site/Power W': 0,
  'Site/Energy today kWh': 0,
  ...o,
});

const SITES: SimSite[] = [
  {
    node: 'sh-campus',
    name: '上海张江园区',
    summary: summary({
      'Site/Alerts active': 3,
      'Site/Alerts unacknowledged': 1,
      'Site/Tickets open': 5,
      'Site/Tickets overdue': 1,
      'Site/Devices offline': 1,
      'Site/Power W': 412_300,
      'Site/Energy today kWh': 5_230.4,
    }),
    assets: [AHU, METER, CHILLER],
  },
  {
    node: 'bj-plant',
    name: 'Beijing Plant 2',
    summary: summary({
      'Site/Alerts active': 4,
      'Site/Alerts unacknowledged': 4,
      'Site/Alerts critical': 2,
      'Site/Tickets open': 2,
      'Site/Power W': 1_250_000,
      'Site/Energy today kWh': 14_800,
    }),
    assets: [{ ...AHU, zone: 'w1', zoneName: 'Workshop 1' }, METER],
  },
  {
    node: 'sz-dorm',
    name: '深圳员工宿舍 A 区',
    summary: summary({ 'Site/Alerts active': 1, 'Site/Power W': 38_200, 'Site/Energy today kWh': 512 }),
    assets: [{ ...AHU, name: 'Fresh-air unit', zone: 'd1', zoneName: 'Dorm A' }],
  },
];

function centralYaml(db: string): string {
  return `
site: { id: central, name: 集团设施中心 Group facilities, timezone: Asia/Shanghai }
hub: { mode: central, http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: off }
storage:
  mode: influxdb
  influxdb: { url: ${inject('influxUrl')}, database: ${db} }
  outbox: { flushMs: 100 }
zones: [{ id: hq, name: Head office }]
central:
  url: ${inject('mosquittoUrl')}
  keepAliveS: 5
  groups: [${GROUP}]
  silentAfterS: 6
  sites: [{ group: ${GROUP}, node: cd-office, name: Chengdu Office }]
`;
}

describe('the fleet view', () => {
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let admin: TestSession;
  const edges = SITES.map((s) => new SimEdge(s, inject('mosquittoUrl')));
  const [sh, bj, sz] = edges as [SimEdge, SimEdge, SimEdge];

  const sites = async () =>
    (
      await hub.http.inject({ url: '/api/v1/fleet/sites', headers: admin.headers })
    ).json() as FleetSitesAnswer;
  const stateOf = async (id: string) => (await sites()).sites.find((s) => s.id === id)?.state;
  const wide = (page: Page) =>
    page.evaluate(
      `[...document.querySelectorAll('[data-view-id] *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1).map((e) => e.className || e.tagName).slice(0, 5)`,
    );
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    hub = await buildHub(
      testHubOptions(parseSiteText(centralYaml(`fleetview${process.pid}`), 'central.yaml')),
    );
    url = await hub.start();
    admin = await sessionAs(hub, ['admin'], 'fleet-admin');
    for (const e of edges) await e.connect();
    // two hours of history, every 4 minutes, then live every second
    const now = Date.now();
    for (let ms = now - 2 * 60 * MIN; ms < now - 5_000; ms += 4 * MIN)
      for (const e of edges) await e.data(ms, true);
    for (const e of edges) await e.data(Date.now());
    for (const e of edges) e.live();
    await sh.deviceDeath('meter-main');
    await waitFor(async () => (await sites()).sites.filter((s) => s.state === 'online').length === 3, 10_000);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const e of edges) await e.stop();
    await hub?.stop();
  });

  it('a central hub: the fleet is the home page; the sites table with states, alerts and power, sorted', async () => {
    const { page, errors } = await openLoginPage(browser, url, { lang: 'en' });
    page.setDefaultTimeout(10_000);
    await logIn(page, admin);
    await page.locator('[data-fleet-page="sites"] tr[data-site]').first().waitFor();
    expect(
      await page.locator('#nav a').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav'))),
    ).toEqual(['fleet', 'people']);
    expect(await page.locator('[data-nav="fleet"]').getAttribute('aria-current')).toBe('page');
    const rows = page.locator('[data-fleet-page="sites"] tbody tr[data-site]');
    await expect.poll(() => rows.count()).toBe(4);
    // what needs a look first: the never-heard-from site, then online by critical alerts
    expect(await rows.evaluateAll((els) => els.map((e) => `${e.dataset.site}:${e.dataset.state}`))).toEqual([
      'cd-office:unknown',
      'bj-plant:online',
      'sh-campus:online',
      'sz-dorm:online',
    ]);
    const bjRow = page.locator('tr[data-site="bj-plant"]');
    expect(await bjRow.locator('[data-cell="alerts"]').textContent()).toBe('42 critical');
    expect(await bjRow.locator('[data-cell="power"]').textContent()).toBe('1,250 kW');
    expect(await bjRow.locator('[data-cell="energy"]').textContent()).toBe('14,800 kWh');
    expect(await page.locator('tr[data-site="cd-office"] [data-cell="power"]').textContent()).toBe('—');
    expect(await page.locator('[data-tile="sites-online"]').textContent()).toContain('3/ 4');
    expect(await page.locator('[data-tile="power"] b').textContent()).toBe('1,700.5 kW');
    expect(await page.locator('[data-tile="alerts"]').getAttribute('data-nonzero')).toBe('true'); // critical ones

    await page.locator('[data-sort="power"]').click();
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((e) => e.dataset.site)))
      .toEqual(['bj-plant', 'sh-campus', 'sz-dorm', 'cd-office']);
    await page.locator('[data-sort="power"]').click();
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((e) => e.dataset.site)))
      .toEqual(['sz-dorm', 'sh-campus', 'bj-plant', 'cd-office']); // no figure: last either way
    await page.locator('[data-sort="site"]').click();
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((e) => e.dataset.site)))
      .toEqual(['bj-plant', 'cd-office', 'sh-campus', 'sz-dorm']);
    await page.locator('[data-sort-reset]').click();
    await shot(page, 'sites-en');
    expect(unexpected(errors)).toEqual([]);
    await page.close();
  });

  it("a site's assets by zone, a dead device's values greyed as last known; an asset's trends from InfluxDB", async () => {
    const { page, errors } = await openLoginPage(browser, url, { lang: 'en' });
    page.setDefaultTimeout(10_000);
    await logIn(page, admin);
    await page.locator('tr[data-site="sh-campus"] [data-link="site"]').click();
    await page.locator('[data-fleet-page="site"] [data-asset="ahu-1"]').waitFor();
    expect(await page.locator('.fl-site-title h1').textContent()).toBe('上海张江园区');
    expect(await page.locator('[data-zone]').evaluateAll((els) => els.map((e) => e.dataset.zone))).toEqual([
      'b1',
      'plant',
    ]);
    const meter = page.locator('[data-asset="meter-main"]');
    expect(await meter.getAttribute('data-asset-state')).toBe('offline');
    expect(await meter.locator('[data-asset-state="offline"]').textContent()).toBe('Offline');
    expect(await meter.locator('[data-point="active_power_w"] [data-stale="true"]').textContent()).toContain(
      'last known',
    );
    expect(await page.locator('[data-asset="ahu-1"] [data-point="supply_temp_c"]').textContent()).toMatch(
      /^supply_temp_c1\d\.\d+ °C$/,
    );
    expect(await page.locator('[data-asset="ahu-1"] [data-point="supply_temp_c"] [data-stale]').count()).toBe(
      0,
    );
    await page.locator('[data-filter="assets"]').fill('chiller');
    await expect.poll(() => page.locator('[data-fleet-page="site"] [data-asset]').count()).toBe(1);
    await page.locator('[data-filter="assets"]').fill('');
    await shot(page, 'site-en');

    await page.locator('[data-asset="ahu-1"] [data-link="asset"]').click();
    await page.locator('[data-fleet-page="asset"] [data-trend="supply_temp_c"] .uplot').waitFor();
    // the chart: 30 historical readings and the live ones, from the central InfluxDB
    await expect
      .poll(async () =>
        Number(await page.locator('[data-trend="supply_temp_c"]').getAttribute('data-points')),
      )
      .toBeGreaterThanOrEqual(30);
    expect(await page.locator('[data-trend]').evaluateAll((els) => els.map((e) => e.dataset.trend))).toEqual([
      'supply_temp_c',
      'return_temp_c',
      'fan_speed_pct',
      'supply_temp_sp',
    ]);
    expect(await page.locator('tr[data-point="supply_temp_sp"] th').textContent()).toBe(
      'supply_temp_spsetpoint',
    );
    await page.locator('[data-range="1h"]').click();
    await expect
      .poll(async () =>
        Number(await page.locator('[data-trend="supply_temp_c"]').getAttribute('data-points')),
      )
      .toBeLessThan(30);
    await page.locator('[data-range="24h"]').click();
    await page.locator('[data-trend="supply_temp_c"] .uplot').waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'asset-en');
    expect(unexpected(errors)).toEqual([]);
    await page.close();
  });

  it('a site killed goes offline (its will, NDEATH) and a silent one stale, in the open page; Chinese and a phone', async () => {
    const { page, errors } = await openLoginPage(browser, url, {
      lang: 'zh-CN',
      viewport: { width: 390, height: 844 },
    });
    page.setDefaultTimeout(10_000);
    await logIn(page, admin);
    await page.locator('[data-fleet-page="sites"] tr[data-site="bj-plant"]').waitFor();
    expect(await page.locator('[data-nav="fleet"]').textContent()).toBe('站点总览');

    const killedAt = Date.now();
    bj.kill();
    sz.hush();
    await waitFor(async () => (await stateOf('bj-plant')) === 'offline', 10_000);
    const offlineAfter = Date.now() - killedAt;
    expect(offlineAfter).toBeLessThan(7_500); // 1.5 × the keep-alive
    // the open page follows (a poll every 5 s)
    await page.locator('tr[data-site="bj-plant"][data-state="offline"]').waitFor({ timeout: 8_000 });
    expect(await page.locator('tr[data-site="bj-plant"] [data-site-state]').textContent()).toBe('离线');
    await page.locator('tr[data-site="sz-dorm"][data-state="stale"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('tr[data-site="sz-dorm"] [data-site-state]').textContent()).toBe('数据超时');
    expect(await page.locator('[data-tile="sites-down"] b').textContent()).toBe('2');
    expect(await page.locator('[data-tile="sites-down"]').getAttribute('data-nonzero')).toBe('true');
    // offline first now
    expect(
      await page.locator('tbody tr[data-site]').evaluateAll((els) => els.map((e) => e.dataset.site)),
    ).toEqual(['bj-plant', 'sz-dorm', 'cd-office', 'sh-campus']);
    expect(await wide(page)).toEqual([]);
    await shot(page, 'sites-phone-zh');

    await page.locator('tr[data-site="bj-plant"] [data-cell="power"]').click(); // a tap anywhere on the card
    await page.locator('[data-fleet-page="site"] [data-part="state-notice"]').waitFor();
    expect(await page.locator('[data-part="state-notice"]').textContent()).toContain('离线');
    expect(
      await page
        .locator('[data-asset="ahu-1"] [data-point="supply_temp_c"] [data-stale="true"]')
        .textContent(),
    ).toContain('最后已知');
    expect(await wide(page)).toEqual([]);
    await shot(page, 'site-phone-zh');
    await page.locator('[data-asset="ahu-1"] [data-link="asset"]').click();
    await page.locator('[data-trend="supply_temp_c"] .uplot').waitFor();
    expect(await page.locator('tr[data-point="supply_temp_c"]').getAttribute('data-stale')).toBe('true');
    await page.waitForTimeout(300);
    expect(await wide(page)).toEqual([]);
    await shot(page, 'asset-phone-zh');
    expect(unexpected(errors)).toEqual([]);
    await page.close();

    // the same in Chinese on a desktop, and in English on the phone
    const zh = await openLoginPage(browser, url, { lang: 'zh-CN' });
    await logIn(zh.page, admin);
    await zh.page.locator('tr[data-site="bj-plant"][data-state="offline"]').waitFor();
    await shot(zh.page, 'sites-zh');
    await zh.page.goto(`${url}#/fleet/sh-campus`);
    await zh.page.locator('[data-asset="meter-main"]').waitFor();
    await shot(zh.page, 'site-zh');
    await zh.page.goto(`${url}#/fleet/sh-campus/ahu-1`);
    await zh.page.locator('[data-trend="supply_temp_c"] .uplot').waitFor();
    await zh.page.waitForTimeout(300);
    await shot(zh.page, 'asset-zh');
    expect(unexpected(zh.errors)).toEqual([]);
    await zh.page.close();

    const en = await openLoginPage(browser, url, { lang: 'en', viewport: { width: 390, height: 844 } });
    await logIn(en.page, admin);
    await en.page.locator('tr[data-site="bj-plant"][data-state="offline"]').waitFor();
    expect(await wide(en.page)).toEqual([]);
    await shot(en.page, 'sites-phone-en');
    await en.page.goto(`${url}#/fleet/sh-campus`);
    await en.page.locator('[data-asset="meter-main"]').waitFor();
    expect(await wide(en.page)).toEqual([]);
    await shot(en.page, 'site-phone-en');
    await en.page.goto(`${url}#/fleet/sh-campus/ahu-1`);
    await en.page.locator('[data-trend="supply_temp_c"] .uplot').waitFor();
    await en.page.waitForTimeout(300);
    expect(await wide(en.page)).toEqual([]);
    await shot(en.page, 'asset-phone-en');
    expect(unexpected(en.errors)).toEqual([]);
    await en.page.close();
  }, 60_000);
});
