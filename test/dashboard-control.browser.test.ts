/**
 * The control view in a browser, against a real hub and the simulated BACnet air handler over real UDP on
 * loopback: an operator override with a reason and an expiry shows who holds the point and the value the
 * device reads back; releasing it falls through to the site file's default; a viewer sees the same points and
 * who holds them but no write control; a scene is activated only after a confirmation with a reason, and
 * released. The asset page has the same controls. In English, Chinese and at phone width; the screenshots go
 * to /tmp/shots-h6/ (and test-results/screenshots/).
 */
import { mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import {
  connectDevice,
  sessionAs,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';

const SHOTS = '/tmp/shots-h6';
const SETPOINT = 'ahu-1/setpoint_c';
const FAN = 'ahu-1/fan_cmd';
const DAMPER = 'ahu-1/damper_pct';

function site(sim: BacnetSite, mqttPort: number) {
  return parseSiteText(
    stringify({
      site: { id: 'ct', name: 'Control site', timezone: 'Asia/Shanghai' },
      hub: {
        http: { host: '127.0.0.1', port: 0 },
        dataDir: tempDataDir(),
        logLevel: 'silent',
        liveIntervalMs: 50,
      },
      mqtt: { mode: 'embedded', host: '127.0.0.1', port: mqttPort },
      storage: { mode: 'embedded' },
      zones: [
        { id: 'b1', name: 'Building 1', kind: 'building' },
        { id: 'plant', name: 'Plant room', kind: 'room', parent: 'b1' },
      ],
      devices: [
        {
          id: 'ahu-ctl',
          name: 'AHU 1 controller',
          protocol: 'bacnet',
          instance: 1001,
          address: sim.ahu.address,
          localAddress: '127.0.0.60',
          localPort: 0,
          intervalMs: 300,
          timeoutMs: 300,
          retries: 0,
          covLifetimeS: 2,
        },
        { id: 'env-1', protocol: 'mqtt', clientId: 'env-1' },
      ],
      assets: [
        {
          id: 'ahu-1',
          name: 'AHU 1',
          kind: 'ahu',
          zone: 'plant',
          device: 'ahu-ctl',
          points: [
            { name: 'supply_temp_c', unit: 'degC', object: 'analog-input:1' },
            {
              name: 'setpoint_c',
              label: 'Supply air setpoint',
              unit: 'degC',
              object: 'analog-value:1',
              kind: 'command',
              min: 10,
              max: 30,
            },
            { name: 'fan_cmd', label: 'Fan', type: 'boolean', object: 'binary-value:1', kind: 'command' },
            {
              name: 'damper_pct',
              label: 'Fresh-air damper',
              unit: '%',
              object: 'analog-output:1',
              kind: 'command',
              min: 0,
              max: 100,
            },
          ],
        },
        {
          id: 'room-1',
          name: 'Plant room sensor',
          kind: 'env-sensor',
          zone: 'plant',
          device: 'env-1',
          points: [
            { name: 'co2_ppm', unit: 'ppm', intervalMs: 60_000 },
            { name: 'motion', type: 'boolean', kind: 'state', intervalMs: 60_000 },
          ],
        },
      ],
      control: {
        overrideMinutes: 90,
        defaults: [{ point: SETPOINT, value: 18 }],
        occupancy: [
          {
            zone: 'plant',
            people: { motion: ['room-1/motion'] },
            co2: ['room-1/co2_ppm'],
            dcv: { targets: { points: [DAMPER] }, co2Low: 600, co2High: 1000, min: 20, max: 100 },
          },
        ],
        scenes: [
          {
            id: 'after-hours',
            name: 'After hours 下班模式',
            level: 'automation',
            roles: ['engineer', 'admin'],
            commands: [{ targets: { points: [FAN] }, value: false }],
          },
        ],
      },
    }),
    'control-browser.yaml',
  );
}

describe('dashboard: the control view', () => {
  let sim: BacnetSite;
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let engineer: TestSession;
  let viewer: TestSession;
  let page: Page;
  let errors: string[];
  let mqttPort: number;
  let sensor: MqttClient | undefined;

  const card = (p: Page, id: string) => p.locator(`[data-view-id] [data-control-point="${id}"]`);
  const field = (p: Page, id: string, name: string) => card(p, id).locator(`[data-field="${name}"]`).first();
  const text = async (p: Page, id: string, name: string) => (await field(p, id, name).textContent())?.trim();
  const shoot = async (p: Page, name: string) => {
    mkdirSync(SHOTS, { recursive: true });
    await p.evaluate('scrollTo(0, 0)');
    await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    await screenshot(p, `control-${name}`);
  };
  const api = <T>(s: TestSession, path: string): Promise<T> =>
    fetch(`${url}api/v1${path}`, { headers: s.headers }).then((r) => r.json() as Promise<T>);

  beforeAll(async () => {
    sim = await startBacnetSite({ hosts: ['127.0.0.61', '127.0.0.62', '127.0.0.63'], tickMs: 500 });
    mqttPort = await freePort();
    hub = await buildHub(testHubOptions(site(sim, mqttPort)));
    url = await hub.start();
    await waitFor(
      () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'ahu-ctl')?.state === 'online',
      10_000,
    );
    engineer = await sessionAs(hub, ['engineer'], 'eng');
    viewer = await sessionAs(hub, ['viewer'], 'vera');
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, { lang: 'en' }));
    page.setDefaultTimeout(5_000);
    await logIn(page, engineer);
  }, 30_000);

  afterAll(async () => {
    await sensor?.endAsync();
    await page?.close();
    await browser?.close();
    await hub?.stop();
    await sim?.stop();
  });

  it('overrides a setpoint with a reason and an expiry: who holds it, the value the device reads back; release falls through', async () => {
    await page.locator('[data-nav="control"]').click();
    await expect.poll(() => page.evaluate('location.hash')).toBe('#/control');
    await card(page, SETPOINT).waitFor();
    expect(
      await page
        .locator('[data-view-id="control"] [data-tab]')
        .evaluateAll((els) => els.map((e) => e.dataset.tab)),
    ).toEqual(['points', 'schedules', 'calendar', 'scenes', 'plans']);
    expect(await page.locator('[data-tab="points"]').textContent()).toBe('Points');
    expect(await page.locator('[data-tab="plans"]').textContent()).toBe('Occupancy & demand');
    expect(await page.locator('[data-zone="plant"] .ct-zone-name').textContent()).toBe(
      'Building 1 › Plant room',
    );
    // the site file's default holds it, and the device has it
    expect(await text(page, SETPOINT, 'holder')).toBe('Site file · 16 default');
    expect(await text(page, SETPOINT, 'effective')).toBe('18 °C');
    await expect.poll(() => text(page, SETPOINT, 'read-back'), { timeout: 5_000 }).toBe('18 °C');

    // the form: the value within the point's bounds, a reason, the expiry (the site's control.overrideMinutes, 90 here)
    await card(page, SETPOINT).locator('[data-action="override"]').click();
    const form = card(page, SETPOINT).locator('[data-form="override"]');
    expect(await form.locator('input[name="minutes"]').inputValue()).toBe('90');
    await form.locator('input[name="value"]').fill('45');
    await form.locator('input[name="reason"]').fill('Tenant says it is too cold');
    await form.locator('[data-action="apply-override"]').click();
    expect(await form.locator('[data-error="override"]').textContent()).toBe(
      'The value must be between 10 and 30.',
    );
    await form.locator('input[name="value"]').fill('23.5');
    await form.locator('input[name="reason"]').fill('');
    await form.locator('[data-action="apply-override"]').click();
    expect(await form.locator('[data-error="override"]').textContent()).toBe('Give a reason.');
    await form.locator('input[name="reason"]').fill('Tenant says it is too cold');
    await form.locator('input[name="minutes"]').fill('30');
    const before = Date.now();
    await form.locator('[data-action="apply-override"]').click();
    await form.waitFor({ state: 'detached' });

    // who holds it now, until when, and what the device reads back (polled from the simulator)
    await expect
      .poll(() => text(page, SETPOINT, 'holder'))
      .toMatch(/^Operator eng · 8 manual operator · until /);
    expect(await text(page, SETPOINT, 'effective')).toBe('23.5 °C');
    await expect.poll(() => text(page, SETPOINT, 'read-back'), { timeout: 5_000 }).toBe('23.5 °C');
    expect(await card(page, SETPOINT).getAttribute('data-pending')).toBe('false');
    // the controller's own priority array holds it at level 8
    expect(sim.ahu.object('analog-value:1').priority![7]).toBe(23.5);
    const state: { slots: { level: number; expiresAt?: number; reason?: string }[] } = await api(
      engineer,
      '/control/points/ahu-1/setpoint_c',
    );
    const slot = state.slots.find((s) => s.level === 8)!;
    expect(slot.reason).toBe('Tenant says it is too cold');
    expect(slot.expiresAt! - before).toBeGreaterThan(29 * 60_000);
    expect(slot.expiresAt! - before).toBeLessThan(31 * 60_000);

    // the array: level 8 in force over the default at 16
    await card(page, SETPOINT).locator('[data-part="array"] summary').click();
    const array = card(page, SETPOINT).locator('[data-priority-array]');
    expect(await array.locator('[data-level]').evaluateAll((els) => els.map((e) => e.dataset.level))).toEqual(
      ['8', '16'],
    );
    expect(await array.locator('[data-level="8"]').getAttribute('data-state')).toBe('active');
    expect(await array.locator('[data-level="16"]').getAttribute('data-state')).toBe('overruled');
    expect(await array.locator('[data-level="8"] [data-field="reason"]').textContent()).toContain(
      'Tenant says it is too cold',
    );
    await shoot(page, 'points-override-en');

    // release: it falls through to the default, on the device too
    await card(page, SETPOINT).locator('.ct-point-actions [data-action="release-override"]').click();
    await expect.poll(() => text(page, SETPOINT, 'holder')).toBe('Site file · 16 default');
    expect(await text(page, SETPOINT, 'effective')).toBe('18 °C');
    await expect.poll(() => text(page, SETPOINT, 'read-back'), { timeout: 5_000 }).toBe('18 °C');
    expect(await array.locator('[data-level]').count()).toBe(1);

    // relinquishing another level asks why; with every level empty the device's own default rules
    await array.locator('[data-level="16"] [data-action="relinquish"]').click();
    await array.locator('[data-form="relinquish"] [data-action="confirm-relinquish"]').click();
    expect(await array.locator('[data-form="relinquish"] .form-error').textContent()).toBe('Give a reason.');
    await array.locator('[data-form="relinquish"] input[name="reason"]').fill('Commissioning test');
    await array.locator('[data-form="relinquish"] [data-action="confirm-relinquish"]').click();
    await expect
      .poll(() => text(page, SETPOINT, 'holder'))
      .toBe('every level relinquished: the device’s own default rules');
    expect(await text(page, SETPOINT, 'effective')).toBe('—');
    expect(unexpected(errors)).toEqual([]);
  }, 40_000);

  it('a viewer sees the points and who holds them, and no write control', async () => {
    const v = await openLoginPage(browser, url, { lang: 'en' });
    try {
      await logIn(v.page, viewer);
      await v.page.goto(`${url}#/control/points`);
      await card(v.page, SETPOINT).waitFor();
      await card(v.page, FAN).waitFor();
      expect(await v.page.locator('[data-readonly]').count()).toBe(1);
      expect(await text(v.page, SETPOINT, 'holder')).toBeTruthy();
      await card(v.page, SETPOINT).locator('[data-part="array"] summary').click();
      expect(await v.page.locator('[data-view-id="control"] [data-action]').count()).toBe(0);
      expect(await v.page.locator('[data-view-id="control"] form').count()).toBe(0);
      // and the hub refuses the write anyway
      const res = await fetch(`${url}api/v1/control/points/ahu-1/setpoint_c/override`, {
        method: 'POST',
        headers: { ...viewer.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ value: 20, reason: 'try' }),
      });
      expect(res.status).toBe(403);
      // the asset page: the same cards, read only
      await v.page.goto(`${url}#/assets/ahu-1`);
      await v.page.locator('[data-section="control"]').waitFor();
      expect(await v.page.locator('[data-section="control"] [data-control-point]').count()).toBe(3);
      expect(await v.page.locator('[data-section="control"] [data-action]').count()).toBe(0);
      await shoot(v.page, 'viewer-en');
      expect(unexpected(v.errors)).toEqual([]);
    } finally {
      await v.page.close();
    }
  }, 30_000);

  it('shows a write the device has not taken as pending, until it answers again', async () => {
    await page.locator('[data-tab="points"]').click();
    await card(page, SETPOINT).waitFor();
    sim.ahu.setAnswering(false);
    await waitFor(
      () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'ahu-ctl')?.state === 'offline',
      10_000,
    );
    await card(page, SETPOINT).locator('[data-action="override"]').click();
    const form = card(page, SETPOINT).locator('[data-form="override"]');
    await form.locator('input[name="value"]').fill('25');
    await form.locator('input[name="reason"]').fill('Controller replaced');
    await form.locator('[data-action="apply-override"]').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => card(page, SETPOINT).getAttribute('data-pending')).toBe('true');
    expect(await card(page, SETPOINT).locator('[data-badge="pending"]').textContent()).toBe('pending');
    expect(await text(page, SETPOINT, 'effective')).toBe('25 °C');
    expect(sim.ahu.object('analog-value:1').priority![7]).toBeNull();
    await shoot(page, 'points-pending-en');
    sim.ahu.setAnswering(true);
    await expect
      .poll(() => card(page, SETPOINT).getAttribute('data-pending'), { timeout: 15_000 })
      .toBe('false');
    expect(await card(page, SETPOINT).locator('[data-badge="pending"]').count()).toBe(0);
    expect(sim.ahu.object('analog-value:1').priority![7]).toBe(25);
    await expect.poll(() => text(page, SETPOINT, 'read-back'), { timeout: 5_000 }).toBe('25 °C');
    await card(page, SETPOINT).locator('.ct-point-actions [data-action="release-override"]').click();
    await expect.poll(() => text(page, SETPOINT, 'holder')).toMatch(/^every level relinquished/);
    expect(unexpected(errors)).toEqual([]);
  }, 40_000);

  it('activates a scene only after a confirmation with a reason, and releases it', async () => {
    await page.locator('[data-tab="scenes"]').click();
    const scene = page.locator('[data-scene="after-hours"]');
    await scene.waitFor();
    expect(await scene.getAttribute('data-active')).toBe('false');
    await scene.locator('[data-action="activate"]').click();
    const dialog = page.locator('[data-dialog="activate-scene"]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Activate “After hours 下班模式”?');
    expect(await dialog.locator('p.muted').textContent()).toContain('level 12 automation');
    // cancelling does nothing
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await scene.getAttribute('data-active')).toBe('false');
    // no reason, no activation
    await scene.locator('[data-action="activate"]').click();
    await dialog.locator('[data-action="confirm-activate"]').click();
    expect(await dialog.locator('.form-error').textContent()).toBe('Give a reason.');
    await dialog.locator('input[name="reason"]').fill('Everyone left early');
    await shoot(page, 'scene-confirm-en');
    await dialog.locator('[data-action="confirm-activate"]').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => scene.getAttribute('data-active')).toBe('true');
    expect(await scene.locator('[data-field="state"]').textContent()).toMatch(/^active since .+, by eng$/);
    await shoot(page, 'scenes-en');

    // the fan is the scene's now, and the device has it
    await page.locator('[data-tab="points"]').click();
    await expect.poll(() => text(page, FAN, 'holder')).toBe('Scene after-hours · 12 automation');
    expect(await text(page, FAN, 'effective')).toBe('Off');
    await expect.poll(() => text(page, FAN, 'read-back'), { timeout: 5_000 }).toBe('Off');

    // released: the scene's level is empty again
    await page.locator('[data-tab="scenes"]').click();
    await scene.locator('[data-action="release-scene"]').click();
    await expect.poll(() => scene.getAttribute('data-active')).toBe('false');
    await page.locator('[data-tab="points"]').click();
    await expect.poll(() => text(page, FAN, 'holder')).not.toContain('Scene');
    expect(unexpected(errors)).toEqual([]);
  }, 30_000);

  it('the occupancy panel follows the zone: CO₂ from a sensor, and the damper DCV commands', async () => {
    sensor = await connectDevice(hub, mqttPort, 'env-1');
    await sensor.publishAsync('site/ct/room-1/telemetry', JSON.stringify({ co2_ppm: 800, motion: true }));
    await page.locator('[data-tab="plans"]').click();
    const zone = page.locator('[data-occupancy="plant"]');
    await zone.waitFor();
    await expect.poll(() => zone.getAttribute('data-occupied'), { timeout: 5_000 }).toBe('occupied');
    await expect
      .poll(() => zone.locator('[data-field="co2"]').textContent(), { timeout: 5_000 })
      .toBe('800 ppm');
    expect(await zone.locator('[data-field="motion"]').textContent()).toBe('movement');
    // 800 ppm, halfway between 600 and 1000: halfway between 20 and 100 %
    await expect
      .poll(() => zone.locator('[data-command="dcv"] b').textContent(), { timeout: 5_000 })
      .toBe('60 %');
    expect(await zone.locator('[data-command="dcv"]').textContent()).toContain('CO₂ 600–1000 ppm → 20–100 %');
    expect(await page.locator('[data-section="demand"] [data-empty]').textContent()).toBe(
      'No demand limit is configured.',
    );
    await shoot(page, 'plans-occupancy-en');
    // and the damper's card says who holds it; the controller reads it back
    await page.locator('[data-tab="points"]').click();
    await expect.poll(() => text(page, DAMPER, 'holder')).toBe('Occupancy plant · 12 automation');
    await expect.poll(() => text(page, DAMPER, 'read-back'), { timeout: 5_000 }).toBe('60 %');
    expect(unexpected(errors)).toEqual([]);
  }, 30_000);

  it('in Chinese, on the asset page and at phone width', async () => {
    // an override to look at
    await card(page, SETPOINT).locator('[data-action="override"]').click();
    const form = card(page, SETPOINT).locator('[data-form="override"]');
    await form.locator('input[name="value"]').fill('21');
    await form.locator('input[name="reason"]').fill('Meeting at 3 pm');
    await form.locator('[data-action="apply-override"]').click();
    await expect.poll(() => text(page, SETPOINT, 'effective')).toBe('21 °C');

    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => page.locator('[data-nav="control"]').textContent()).toBe('控制');
    expect(await page.locator('[data-tab="points"]').textContent()).toBe('控制点');
    expect(await text(page, SETPOINT, 'holder')).toMatch(/^操作员 eng · 8 手动操作 · 至 /);
    await card(page, SETPOINT).locator('[data-action="override"]').click();
    await shoot(page, 'points-zh');
    await card(page, SETPOINT).locator('[data-form="override"] button[type="button"]').click();
    await page.locator('[data-tab="scenes"]').click();
    await page.locator('[data-scene]').first().waitFor();
    await shoot(page, 'scenes-zh');
    await page.locator('[data-scene="after-hours"] [data-action="activate"]').click();
    await page.locator('[data-dialog="activate-scene"] input[name="reason"]').fill('提前下班');
    await page.screenshot({ path: `${SHOTS}/scene-confirm-zh.png` });
    await page.locator('[data-dialog="activate-scene"] button[type="button"]').click();
    await page.locator('[data-tab="plans"]').click();
    await page.locator('[data-section="demand"] :is([data-empty], [data-demand])').first().waitFor();
    await page.locator('[data-section="occupancy"] :is([data-empty], [data-occupancy])').first().waitFor();
    await shoot(page, 'plans-zh');
    await page.locator('#lang').selectOption('en');
    await shoot(page, 'plans-en');

    // the asset page has the same controls
    await page.goto(`${url}#/assets/ahu-1`);
    const asset = page.locator('[data-section="control"]');
    await asset.waitFor();
    expect(await asset.locator('[data-control-point]').count()).toBe(3);
    expect(await text(page, SETPOINT, 'holder')).toMatch(/^Operator eng · 8 manual operator/);
    await asset.locator(`[data-control-point="${SETPOINT}"] [data-action="override"]`).click();
    await shoot(page, 'asset-en');
    await asset.locator('[data-form="override"] button[type="button"]').click();

    // a phone: nothing wider than the screen
    const phone = await openLoginPage(browser, url, { viewport: { width: 390, height: 844 }, lang: 'zh-CN' });
    try {
      await logIn(phone.page, engineer);
      const wide = () =>
        phone.page.evaluate(
          `[...document.querySelectorAll('[data-view-id] *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1).map((e) => e.className).slice(0, 5)`,
        );
      for (const [route, name] of [
        ['#/control/points', 'phone-points-zh'],
        ['#/control/scenes', 'phone-scenes-zh'],
        ['#/control/plans', 'phone-plans-zh'],
        ['#/assets/ahu-1', 'phone-asset-zh'],
      ] as const) {
        await phone.page.goto(`${url}${route}`);
        await phone.page.locator('[data-view-id] .panel').first().waitFor();
        await phone.page
          .locator('[data-view-id] .ct-section .placeholder:not([data-empty])')
          .first()
          .waitFor({ state: 'detached' });
        if (route === '#/control/scenes') {
          await phone.page.locator('[data-scene="after-hours"] [data-action="activate"]').click();
          await phone.page.screenshot({ path: `${SHOTS}/phone-scene-confirm-zh.png` });
          await phone.page.locator('[data-dialog="activate-scene"] button[type="button"]').click();
        }
        if (route === '#/control/points') {
          await card(phone.page, SETPOINT).locator('[data-part="array"] summary').click();
          await card(phone.page, SETPOINT).locator('[data-action="override"]').click();
        }
        await phone.page.waitForTimeout(200);
        expect(await wide(), name).toEqual([]);
        await shoot(phone.page, name);
      }
      await phone.page.locator('#lang').selectOption('en');
      await phone.page.goto(`${url}#/control/points`);
      await card(phone.page, SETPOINT).waitFor();
      await shoot(phone.page, 'phone-points-en');
      expect(unexpected(phone.errors)).toEqual([]);
    } finally {
      await phone.page.close();
    }
    expect(unexpected(errors)).toEqual([]);
  }, 40_000);
});
