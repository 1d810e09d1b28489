import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { HUB } from '../domains/tickets/ticket-service.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { connectDevice, TEST_ADMIN, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * The asset page in a real browser: reached from an asset's name in the site tree, its points follow the
 * device live (a point that stops reporting turns stale and looks it), its equipment file shows the details,
 * documents and plans, and an alert on the asset is listed with a link to it. In English, Chinese and on a
 * phone.
 */
describe('dashboard asset page', () => {
  let browser: Browser;
  let hub: Hub;
  let mqttPort: number;
  let url: string;
  let page: Page;
  let errors: string[];
  let device: MqttClient | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    mqttPort = await freePort();
    const doc = parse(testSiteYaml({ mqttPort }));
    doc.storage = { mode: 'embedded' };
    doc.assets.push({
      id: 'pump-1',
      name: 'Pump 1',
      kind: 'pump',
      zone: 'b1-f1',
      device: 'env-2',
      model: 'NB 65-200',
      details: { manufacturer: 'Grundfos', serial: 'GF-0042', installed: '2022-03-15' },
      documents: [{ title: 'Pump manual', url: 'https://docs.example/nb65.pdf' }],
      points: [
        { name: 'flow_m3h', label: 'Flow', unit: 'm3/h', intervalMs: 60_000 },
        // reports often: silent for 2 intervals it turns uncertain (stale), for 4 bad
        { name: 'pressure_bar', label: 'Pressure', unit: 'bar', intervalMs: 400 },
        { name: 'run_hours_h', label: 'Run hours', unit: 'h', kind: 'counter', intervalMs: 60_000 },
      ],
    });
    doc.rules = [
      {
        id: 'pump-flow-high',
        name: 'Pump flow high',
        severity: 'high',
        target: { point: 'pump-1/flow_m3h' },
        condition: { type: 'threshold', high: 100 },
      },
    ];
    doc.maintenance = {
      plans: [
        {
          id: 'pump-monthly',
          name: 'Pump monthly service',
          assets: ['pump-1'],
          trigger: { cron: '0 8 1 * *' },
        },
        {
          id: 'pump-hours',
          name: 'Pump 500 h service',
          assets: ['pump-1'],
          trigger: { point: 'run_hours_h', every: 500 },
        },
      ],
    };
    hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'asset.yaml')));
    url = await hub.start();
    hub.maintenance.tickets.report(HUB, {
      title: 'Pump noisy',
      description: 'Grinding noise at start',
      assetId: 'pump-1',
      priority: 2,
    });
    ({ page, errors } = await openLoginPage(browser, url));
    await logIn(page, TEST_ADMIN);
  }, 30_000);

  afterAll(async () => {
    await device?.endAsync();
    await page?.close();
    await hub?.stop();
    await browser?.close();
  });

  const point = (id: string) => page.locator(`[data-asset-point="pump-1/${id}"]`);

  it('opens from the site tree and shows the asset live, its file and its alerts', async () => {
    await page.locator('[data-asset-id="pump-1"] .asset-name a').click();
    await expect.poll(() => page.evaluate('location.hash')).toBe('#/assets/pump-1');
    await page.locator('[data-view-id="asset"] .as-name').waitFor();
    expect(await page.locator('.as-name').textContent()).toBe('Pump 1');
    expect(await page.locator('[data-part="zone-path"]').textContent()).toContain('Building 1 › Floor 1');
    expect(await page.locator('[data-part="kind"]').textContent()).toBe('pump');
    expect(await page.locator('[data-part="device"]').textContent()).toContain('env-2');
    expect(await page.locator('#view-site').isHidden()).toBe(true);

    // the equipment file
    await page.locator('[data-section="file"]').waitFor();
    expect(await page.locator('[data-detail="manufacturer"]').textContent()).toBe('Grundfos');
    expect(await page.locator('[data-detail="serial"]').textContent()).toBe('GF-0042');
    const doc = page.locator('[data-part="documents"] a');
    expect(await doc.textContent()).toBe('Pump manual');
    expect(await doc.getAttribute('href')).toBe('https://docs.example/nb65.pdf');
    expect(await page.locator('[data-plan-id]').count()).toBe(2);
    expect(await page.locator('[data-maintenance="off"]').count()).toBe(1);
    // the reported fault, and how to report another
    // by its title: a monthly plan's work order may be newer (a run at its cron minute)
    const ticket = page.locator('[data-list="tickets"] [data-ticket-id] a', { hasText: 'Pump noisy' });
    expect(await ticket.textContent()).toContain('Pump noisy');
    expect(await ticket.getAttribute('href')).toMatch(/^#\/tickets\/\d+$/);
    expect(await page.locator('[data-link="report"]').getAttribute('href')).toBe(
      '#/tickets/new?asset=pump-1',
    );

    // no data yet: bad, with why
    expect(await point('flow_m3h').getAttribute('data-quality')).toBe('bad');
    expect(await point('flow_m3h').locator('.as-reason').textContent()).toBe('no data yet');

    // live values, without a reload
    device = await connectDevice(hub, mqttPort, 'env-2');
    await device.publishAsync(
      'site/t1/pump-1/telemetry',
      JSON.stringify({ flow_m3h: 42.5, pressure_bar: 3.2, run_hours_h: 1234 }),
    );
    await expect
      .poll(() => point('flow_m3h').locator('.as-num').textContent(), { timeout: 3_000 })
      .toBe('42.5');
    expect(await point('flow_m3h').getAttribute('data-quality')).toBe('good');
    expect(await point('flow_m3h').locator('.as-unit').textContent()).toBe(' m³/h');
    expect(await point('flow_m3h').getAttribute('class')).not.toContain('as-point-stale');
    expect(await point('flow_m3h').locator('.as-age').textContent()).toMatch(/^\d+ s ago$/);
    await device.publishAsync('site/t1/pump-1/telemetry', JSON.stringify({ flow_m3h: 47 }));
    await expect
      .poll(() => point('flow_m3h').locator('.as-num').textContent(), { timeout: 3_000 })
      .toBe('47');

    // the pressure stops reporting: stale, and it looks stale, with why
    await expect
      .poll(() => point('pressure_bar').getAttribute('data-quality'), { timeout: 5_000 })
      .not.toBe('good');
    expect(await point('pressure_bar').getAttribute('class')).toContain('as-point-stale');
    expect(await point('pressure_bar').locator('.as-num').textContent()).toBe('3.2');
    expect(await point('pressure_bar').locator('.as-reason').textContent()).toMatch(/^no update for \d+ s/);
    const colorOf = (id: string) =>
      page.evaluate(
        `getComputedStyle(document.querySelector('[data-asset-point="pump-1/${id}"] .as-num')).color`,
      );
    const color = await colorOf('pressure_bar');
    const fresh = await colorOf('flow_m3h');
    expect(color).not.toBe(fresh);
    // the age counts on by itself
    const age0 = await point('flow_m3h').locator('.as-age').textContent();
    await expect
      .poll(() => point('flow_m3h').locator('.as-age').textContent(), { timeout: 3_000 })
      .not.toBe(age0);

    // an alert on the asset shows at once, with its link
    await device.publishAsync('site/t1/pump-1/telemetry', JSON.stringify({ flow_m3h: 150 }));
    const alert = page.locator('[data-list="active-alerts"] [data-alert-id] a');
    await alert.waitFor({ timeout: 3_000 });
    expect(await alert.textContent()).toContain('High');
    const alertId = await page
      .locator('[data-list="active-alerts"] [data-alert-id]')
      .getAttribute('data-alert-id');
    expect(await alert.getAttribute('href')).toBe(`#/alerts/${alertId}`);

    // the 24 h trend of its numeric points, and the same in Trends
    await page.locator('[data-chart="asset-trend"]').waitFor();
    const trends = await page.locator('[data-link="trends"]').getAttribute('href');
    expect(decodeURIComponent(trends!)).toBe(
      '#/trends?points=pump-1/flow_m3h,pump-1/pressure_bar,pump-1/run_hours_h&range=24h',
    );
    await screenshot(page, 'asset-en');

    // in Chinese
    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => page.locator('[data-section="file"] h2').textContent()).toBe('设备档案');
    expect(await page.locator('.as-points thead').textContent()).toContain('实时值');
    expect(await page.locator('.as-points thead').textContent()).toContain('数据质量');
    expect(await point('pressure_bar').locator('.as-reason').textContent()).toMatch(/秒未更新/);
    expect(await page.locator('[data-part="details"] dl').textContent()).toContain('制造商');
    await screenshot(page, 'asset-zh');
    await page.locator('#lang').selectOption('en');

    // the alert's link opens the alert
    await alert.click();
    await expect.poll(() => page.evaluate('location.hash')).toBe(`#/alerts/${alertId}`);
    expect(unexpected(errors)).toEqual([]);
  }, 30_000);

  it('fits a phone', async () => {
    const phone = await openLoginPage(browser, url, { viewport: { width: 390, height: 844 } });
    try {
      await logIn(phone.page, TEST_ADMIN);
      await phone.page.evaluate('location.hash = "#/assets/pump-1"');
      await phone.page.locator('[data-section="file"]').waitFor();
      await phone.page.locator('[data-chart="asset-trend"]').waitFor();
      await phone.page.locator('[data-asset-point="pump-1/flow_m3h"] .as-num').waitFor();
      expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(phone.page, 'asset-phone');
      expect(unexpected(phone.errors)).toEqual([]);
    } finally {
      await phone.page.close();
    }
  }, 30_000);

  it('says so for an asset that does not exist', async () => {
    await page.evaluate('location.hash = "#/assets/nope"');
    await page.locator('[data-not-found]').waitFor();
    expect(await page.locator('[data-not-found]').textContent()).toContain('nope');
  });
});
