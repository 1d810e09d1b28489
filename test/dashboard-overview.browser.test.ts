import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { connectDevice, TEST_ADMIN, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * The overview in a real browser: its tiles load from the API, and the site's power changes live as the
 * incomer meter publishes; a critical alert shows in the alerts tile without a reload.
 */
describe('dashboard overview', () => {
  let browser: Browser;
  let hub: Hub;
  let mqttPort: number;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
    mqttPort = await freePort();
    const doc = parse(testSiteYaml({ mqttPort }));
    doc.storage = { mode: 'embedded' };
    doc.assets.push({
      id: 'incomer',
      name: 'Incomer',
      kind: 'electricity-meter',
      zone: 'b1',
      device: 'env-2',
      points: [
        { name: 'active_power_kw', unit: 'kW', intervalMs: 60_000 },
        { name: 'energy_kwh', unit: 'kWh', kind: 'counter', intervalMs: 60_000 },
      ],
    });
    doc.rules = [
      {
        id: 'overload',
        name: 'Incomer overload',
        severity: 'critical',
        target: { point: 'incomer/active_power_kw' },
        condition: { type: 'threshold', high: 500 },
      },
    ];
    hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'overview.yaml')));
    const url = await hub.start();
    ({ page, errors } = await openLoginPage(browser, url));
    await logIn(page, TEST_ADMIN);
  }, 30_000);

  afterAll(async () => {
    await page?.close();
    await hub?.stop();
    await browser?.close();
  });

  const tile = (name: string) => page.locator(`[data-tile="${name}"] .tile-value b`).textContent();

  it('loads its tiles, and the site power follows the meter live', async () => {
    await page.locator('[data-tile="power"]').waitFor();
    await expect.poll(() => tile('alerts')).toBe('0');
    expect(await tile('tickets')).toBe('0');
    expect(await tile('people')).toBe('0');
    const meter = await connectDevice(hub, mqttPort, 'env-2');
    try {
      await meter.publishAsync(
        'site/t1/incomer/telemetry',
        JSON.stringify({ active_power_kw: 123.4, energy_kwh: 1000 }),
      );
      await expect.poll(() => tile('power'), { timeout: 3_000 }).toBe('123.4');
      await meter.publishAsync('site/t1/incomer/telemetry', JSON.stringify({ active_power_kw: 130 }));
      await expect.poll(() => tile('power'), { timeout: 3_000 }).toBe('130');
      // over the limit: a critical alert, counted in the tile at once
      await meter.publishAsync('site/t1/incomer/telemetry', JSON.stringify({ active_power_kw: 612 }));
      await expect.poll(() => tile('alerts'), { timeout: 3_000 }).toBe('1');
      expect(await page.locator('[data-tile="alerts"]').getAttribute('class')).toContain('tile-bad');
      // and the notice of a new critical alert, on this view too
      await page.locator('[data-critical-notice]').waitFor({ timeout: 2_000 });
      expect(await page.locator('[data-critical-notice]').textContent()).toContain('New critical alert');
      await screenshot(page, 'overview');
    } finally {
      await meter.endAsync();
    }
    // each tile links to its view
    await page.locator('[data-tile="alerts"]').click();
    await expect.poll(() => page.evaluate('location.hash')).toBe('#/alerts');
    await expect.poll(() => page.locator('#view-site').isHidden()).toBe(true);
    await page.locator('[data-nav="overview"]').click();
    await expect.poll(() => page.locator('#view-site').isVisible()).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });
});
