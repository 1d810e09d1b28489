import { existsSync, mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/config/load-config.js';
import { silentLogger } from '../hub/logger.js';
import { freePort } from './services.js';
import { testSite, testSiteYaml } from './site-fixtures.js';

/** Debian's chromium: playwright never downloads a browser here. No chromium, no pass. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = 'test-results';

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: the dashboard test needs Debian's chromium (apt-get install -y chromium)`,
    );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** A page that records its script errors and console errors. */
async function openDashboard(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.goto(url);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
  // Set once; still there at the end proves the page was updated in place, never reloaded.
  await page.evaluate(() => {
    (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  return { page, errors };
}

/** What a point's value element shows. */
function point(page: Page, pointId: string) {
  return page.locator(`[data-point-id="${pointId}"]`).evaluate((el) => ({
    value: el.querySelector('.num')?.textContent ?? '',
    unit: el.querySelector('.unit')?.textContent ?? '',
    quality: el.getAttribute('data-quality'),
  }));
}

const deviceState = (page: Page, deviceId: string) =>
  page.locator(`[data-device-id="${deviceId}"]`).getAttribute('data-state');

describe('dashboard in a real browser', () => {
  let hub: Hub;
  let url: string;
  let mqttPort: number;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    mqttPort = await freePort();
    const site = testSite({ mqttPort });
    hub = await buildHub({ site, log: silentLogger });
    url = await hub.start();
    ({ page, errors } = await openDashboard(url));
  });

  afterAll(async () => {
    await page?.close();
    await hub?.stop();
  });

  it('renders the site, its zones, assets, points and devices from the API', async () => {
    await expect.poll(() => page.locator('#site-name').textContent()).toBe('Test site');
    expect(await page.title()).toContain('Test site');
    // zones nested: Floor 1 inside Building 1; the gate sits on the building itself
    expect(
      await page.locator('[data-zone-id="b1"] [data-zone-id="b1-f1"] [data-asset-id="room-1"]').count(),
    ).toBe(1);
    expect(await page.locator('[data-zone-id="b1"] > .asset-grid [data-asset-id="gate-a"]').count()).toBe(1);
    expect(await page.locator('[data-asset-id]').count()).toBe(3);
    expect(await page.locator('[data-point-id]').count()).toBe(7);
    expect(await page.locator('[data-device-id]').count()).toBe(3);
    for (const d of ['env-1', 'env-2', 'gate-ctl']) expect(await deviceState(page, d)).toBe('unknown');
    expect(await page.locator('[data-link-id="mqtt"]').getAttribute('data-state')).toBe('up');
    // nothing published yet: every point says so, with the hub's quality
    expect(await point(page, 'room-1/temp_c')).toEqual({ value: '无数据 no data', unit: '', quality: 'bad' });
  });

  it('shows MQTT readings and device state live, without a reload', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'env-1' });
    try {
      await client.publishAsync(
        'site/t1/room-1/telemetry',
        JSON.stringify({ ts: Date.now(), temp_c: 21.5, humidity_pct: 40, air: { co2: 800 } }),
      );
      // temp_c turns stale 2 s after the reading (interval 1 s), so 'good' must show well before that
      await expect
        .poll(() => point(page, 'room-1/temp_c'), { timeout: 1_800, interval: 50 })
        .toEqual({ value: '21.5', unit: '°C', quality: 'good' });
      expect(await point(page, 'room-1/humidity_pct')).toMatchObject({ value: '40', unit: '%' });
      expect(await point(page, 'room-1/co2_ppm')).toMatchObject({ value: '800', unit: 'ppm' });
      await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('online');
      expect(await page.locator('[data-device-ref="env-1"]').getAttribute('data-state')).toBe('online');
      expect(await page.locator('[data-sum="online"]').textContent()).toBe('1');

      // env-2 never published: its point still says no data, the device is still unknown
      expect(await point(page, 'room-2/temp_c')).toEqual({
        value: '无数据 no data',
        unit: '',
        quality: 'bad',
      });
      expect(await deviceState(page, 'env-2')).toBe('unknown');
      expect(await point(page, 'gate-a/door_open')).toMatchObject({ value: '无数据 no data' });
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
      expect(await page.locator('#last-update').textContent()).toMatch(/\d\d:\d\d:\d\d/);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({
        path: `${SCREENSHOT_DIR}/dashboard.png`,
        fullPage: true,
        animations: 'disabled',
      });
    } finally {
      await client.endAsync();
    }

    // the hub marks a device with a clientId offline when its client disconnects
    await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('offline');
    expect(await page.locator('[data-device-ref="env-1"]').getAttribute('data-state')).toBe('offline');
    expect(await page.locator('[data-device-id="env-1"] .device-state').textContent()).toContain('离线');
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(errors).toEqual([]);
  });
});

describe('dashboard: points without a device, and losing the hub', () => {
  let hub: Hub;
  let running = false;
  let page: Page;
  let errors: string[];
  let httpPort: number;
  let mqttPort: number;

  /** The test site plus a meter whose device is not configured yet, on fixed ports so it can come back. */
  async function startHub(): Promise<string> {
    const doc = parse(testSiteYaml({ httpPort, mqttPort }));
    doc.assets.push({
      id: 'meter-1',
      name: 'Main meter 总表',
      kind: 'electricity-meter',
      zone: 'b1',
      points: [{ name: 'energy_kwh', label: 'Energy 电能', unit: 'kWh', kind: 'counter' }],
    });
    hub = await buildHub({ site: parseSiteText(stringify(doc), 'awaiting-site.yaml'), log: silentLogger });
    const url = await hub.start();
    running = true;
    return url;
  }

  beforeAll(async () => {
    httpPort = await freePort();
    mqttPort = await freePort();
    ({ page, errors } = await openDashboard(await startHub()));
  });

  afterAll(async () => {
    await page?.close();
    if (running) await hub?.stop();
  });

  it('says "awaiting device" for a point with no device', async () => {
    const meter = page.locator('[data-point-id="meter-1/energy_kwh"]');
    expect(await meter.textContent()).toBe('待接入 awaiting device');
    expect(await page.locator('[data-asset-id="meter-1"] .chip-nodevice').count()).toBe(1);
    expect(await page.locator('[data-asset-id="meter-1"] .asset-name').textContent()).toBe('Main meter 总表');
    expect(errors).toEqual([]);
  });

  it('shows "reconnecting" while the hub is away, then subscribes again and goes on updating', async () => {
    running = false;
    await hub.stop();
    await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 5_000 });

    await startHub();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'env-1' });
    try {
      await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 19 }));
      await expect
        .poll(() => point(page, 'room-1/temp_c'), { timeout: 1_800, interval: 50 })
        .toEqual({ value: '19', unit: '°C', quality: 'good' });
      await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('online');
    } finally {
      await client.endAsync();
    }
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });
});
