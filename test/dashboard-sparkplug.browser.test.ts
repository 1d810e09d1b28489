import type { Browser, Page } from 'playwright-core';
import { newClient, type UPayload } from 'sparkplug-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';

/** A boiler PLC speaking Sparkplug B (Eclipse Tahu's edge client) to the hub's embedded broker. */
function site(port: number) {
  return parseSiteText(
    stringify({
      site: { id: 'sp2', name: 'Sparkplug site' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir: tempDataDir(), logLevel: 'silent' },
      mqtt: { mode: 'embedded', host: '127.0.0.1', port },
      storage: { mode: 'embedded' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [
        {
          id: 'plc-1',
          name: 'Boiler PLC',
          protocol: 'mqtt',
          clientId: 'plc-1',
          sparkplug: { groupId: 'Plant', edgeNodeId: 'PLC1' },
        },
      ],
      assets: [
        {
          id: 'boiler-1',
          name: 'Boiler 1',
          kind: 'boiler',
          zone: 'plant',
          device: 'plc-1',
          points: [
            { name: 'supply_temp_c', unit: 'degC', metric: 'Inputs/Temperature', sparkplugDevice: 'boiler' },
          ],
        },
      ],
    }),
    'sparkplug-browser.yaml',
  );
}

describe('dashboard: a Sparkplug B edge node’s metrics', () => {
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let tahu: ReturnType<typeof newClient>;

  const view = () => page.locator('[data-view-id="devices"]');
  const panel = () => view().locator('[data-sparkplug="plc-1"]');

  beforeAll(async () => {
    const port = await freePort();
    hub = await buildHub(testHubOptions(site(port)));
    url = await hub.start();
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state === 'up');
    const { password } = hub.deviceCredentials.issue(SYSTEM, 'plc-1');
    tahu = newClient({
      serverUrl: `mqtt://127.0.0.1:${port}`,
      username: 'plc-1',
      password,
      groupId: 'Plant',
      edgeNode: 'PLC1',
      clientId: 'plc-1',
      mqttOptions: { reconnectPeriod: 0 },
    });
    tahu.on('birth', () => {
      tahu.publishNodeBirth({
        timestamp: Date.now(),
        metrics: [{ name: 'Node/Firmware', alias: 1, type: 'String', value: '4.2.1' }],
      } as UPayload);
      tahu.publishDeviceBirth('boiler', {
        timestamp: Date.now(),
        metrics: [
          { name: 'Inputs/Temperature', alias: 10, type: 'Float', value: 61.5 },
          { name: 'Inputs/Flow Rate', alias: 11, type: 'Double', value: 2.5 },
        ],
      } as UPayload);
    });
    await waitFor(() => hub.latest.get('boiler-1/supply_temp_c')?.value === 61.5, 10_000);
    const engineer = await sessionAs(hub, ['engineer'], 'eng');
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, {
      lang: 'en',
      viewport: { width: 390, height: 844 },
    }));
    page.setDefaultTimeout(5_000);
    await logIn(page, engineer);
  });

  afterAll(async () => {
    try {
      tahu?.stop();
    } catch {}
    await page?.close();
    await browser?.close();
    await hub?.stop();
  });

  it('the device’s Browse shows its session, every metric with alias and type, and site-file lines for the unmapped (en, zh-CN, 390 px)', async () => {
    await page.goto(`${url}#/devices`);
    const row = view().locator('[data-device-id="plc-1"]');
    await row.waitFor();
    await row.locator('[data-action="browse"]').click();
    await panel().waitFor();
    await panel().locator('[data-metric="Inputs/Temperature"]').waitFor();
    expect(await panel().locator('[data-session]').getAttribute('data-session')).toBe('born');
    expect(await panel().locator('[data-field="devices"]').textContent()).toBe('boiler');
    const temp = panel().locator('[data-metric="Inputs/Temperature"]');
    expect(await temp.getAttribute('data-mapped')).toBe('true');
    expect(await temp.textContent()).toContain('Float');
    expect(await temp.textContent()).toContain('61.5');
    expect(await temp.textContent()).toContain('boiler-1/supply_temp_c');
    expect(await panel().locator('[data-metric="Inputs/Flow Rate"]').getAttribute('data-mapped')).toBe(
      'false',
    );
    const snippet = await panel().locator('[data-snippet]').textContent();
    expect(snippet).toContain(
      '- { name: node_firmware, metric: "Node/Firmware", type: string, kind: state }',
    );
    expect(snippet).toContain(
      '- { name: inputs_flow_rate, metric: "Inputs/Flow Rate", sparkplugDevice: "boiler" }',
    );
    expect(await panel().textContent()).toContain('Sparkplug metrics: Boiler PLC');
    // it fits a phone: no sideways scroll of the page
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'devices-sparkplug-en-390');

    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => panel().locator('h2').textContent()).toContain('Sparkplug 指标');
    expect(await panel().textContent()).toContain('未映射');
    await screenshot(page, 'devices-sparkplug-zh-390');
    expect(unexpected(errors)).toEqual([]);
  });
});
