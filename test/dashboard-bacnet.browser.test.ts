/**
 * The devices view's BACnet panels in a browser: discovery (Who-Is through the hub, both simulated devices,
 * their objects and a site-file snippet the hub's own parser takes) and the object inspector (the priority
 * array after a write at priority 8), against the simulated BACnet site over real UDP on loopback.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';
import {
  launchBrowser,
  logIn,
  openLoginPage,
  SCREENSHOT_DIR,
  screenshot,
  statusLogged,
  unexpected,
} from './browser-harness.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

const ENGINEER = { actor: 'eng', via: 'session' as const, permissions: new Set(['setpoint:write' as const]) };

/** The AHU controller by its address; the lighting controller is only found by discovery. */
function site(sim: BacnetSite) {
  return parseSiteText(
    stringify({
      site: { id: 'bd', name: 'BACnet dashboard site', timezone: 'Asia/Shanghai' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir: tempDataDir(), logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'off' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [
        {
          id: 'ahu-ctl',
          name: 'AHU 1 controller',
          protocol: 'bacnet',
          instance: 1001,
          address: sim.ahu.address,
          // loopback has no broadcast: the subnet spelled out, for discovery
          broadcast: [sim.ahu.address, sim.lighting.address],
          localAddress: '127.0.0.30',
          localPort: 0,
          intervalMs: 500,
          timeoutMs: 300,
          retries: 0,
          breakerFailures: 2,
          covLifetimeS: 2,
        },
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
            // polled: a device that stops answering opens its breaker and the link goes down
            { name: 'return_temp_c', unit: 'degC', object: 'analog-input:2', cov: false },
            { name: 'setpoint_c', unit: 'degC', object: 'analog-value:1', kind: 'command' },
          ],
        },
      ],
    }),
    'bacnet-browser.yaml',
  );
}

describe('dashboard: BACnet discovery and the object inspector', () => {
  let sim: BacnetSite;
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let engineer: TestSession;
  let page: Page;
  let errors: string[];

  const view = () => page.locator('[data-view-id="devices"]');
  const panel = () => view().locator('[data-section="bacnet-discover"]');
  const inspector = () => view().locator('[data-inspect="ahu-ctl"]');
  const level = (n: number) => inspector().locator(`[data-priority-array] [data-level="${n}"]`);
  const readObject = async (object: string) => {
    await inspector().locator('input[name="object"]').fill(object);
    await inspector().locator('[data-action="read"]').click();
  };
  /** The panel alone, for a closer look: cut from the full page (an element's own shot is under the sticky top bar). */
  const shoot = async (name: string, what = panel()) => {
    await page.evaluate('scrollTo(0, 0)');
    const box = await what.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const { scrollX, scrollY } = el.ownerDocument.defaultView!;
      return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
    });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true, clip: box });
  };

  beforeAll(async () => {
    sim = await startBacnetSite({ hosts: ['127.0.0.31', '127.0.0.32', '127.0.0.33'], tickMs: 500 });
    hub = await buildHub(testHubOptions(site(sim)));
    url = await hub.start();
    await waitFor(() => hub.supervisor.deviceHealth()[0]?.state === 'online', 10_000);
    engineer = await sessionAs(hub, ['engineer'], 'eng');
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, { lang: 'en' }));
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    page.setDefaultTimeout(5_000);
    await logIn(page, engineer);
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await hub?.stop();
    await sim?.stop();
  });

  it('discovers both simulated devices with their objects and a snippet the site file takes', async () => {
    await page.locator('[data-nav="devices"]').click();
    await view().locator('[data-device-id="ahu-ctl"]').waitFor();
    expect(await view().locator('[data-device-id="ahu-ctl"]').textContent()).toContain('BACnet');
    await panel().locator('select[name="wait"]').selectOption('1');
    await panel().locator('[data-action="discover"]').click();
    const result = panel().locator('[data-discover-result]');
    await result.waitFor({ timeout: 8_000 });
    expect(await result.getAttribute('data-count')).toBe('2');
    expect(
      await result
        .locator('[data-bacnet-device]')
        .evaluateAll((els) => els.map((e) => e.dataset.bacnetDevice)),
    ).toEqual(['1001', '2001']);

    const ahu = result.locator('[data-bacnet-device="1001"]');
    const summary = await ahu.locator('summary').textContent();
    expect(summary).toContain('AHU-1');
    expect(summary).toContain(sim.ahu.address);
    expect(summary).toContain('1476'); // max APDU
    expect(summary).toContain('no-segmentation');
    expect(await ahu.locator('[data-object="analog-input:1"]').textContent()).toContain('SA-Temp');
    expect(await ahu.locator('[data-object="analog-input:1"]').textContent()).toContain('degC');
    expect(
      await ahu.locator('[data-object="binary-input:1"] [data-field="present-value"]').textContent(),
    ).toMatch(/^(in)?active$/);
    expect(
      await result.locator('[data-bacnet-device="2001"] [data-object="multi-state-value:1"]').count(),
    ).toBe(1);

    // the snippet: the README's shape, and the hub's own parser takes it once the zone is chosen
    const snippet = (await ahu.locator('[data-snippet]').textContent())!;
    expect(snippet).toContain(
      `- { id: ahu-1-ctl, protocol: bacnet, instance: 1001, address: ${sim.ahu.address} }`,
    );
    expect(snippet).toContain('{ name: sa_temp, unit: degC, object: analog-input:1 }');
    expect(snippet).toMatch(
      /\{ name: oa_damper, unit: "%", object: analog-output:1 \} # OA-Damper = [\d.]+ · kind: command\?$/m,
    );
    expect(snippet).toContain('{ name: fan_cmd, type: boolean, object: binary-value:1 }');
    const lighting = (await result.locator('[data-bacnet-device="2001"] [data-snippet]').textContent())!;
    for (const text of [snippet, lighting]) {
      const doc = parse(text) as { devices: object[]; assets: { zone: string }[] };
      expect(() =>
        parseSiteText(
          stringify({
            site: { id: 'paste', name: 'Pasted' },
            zones: [{ id: 'plant', name: 'Plant' }],
            devices: doc.devices,
            assets: doc.assets.map((a) => ({ ...a, zone: 'plant' })),
          }),
          'pasted.yaml',
        ),
      ).not.toThrow();
    }
    const pasted = parse(snippet) as { assets: { points: { object: string }[] }[] };
    expect(pasted.assets[0]!.points.map((p) => p.object)).toEqual([
      'analog-input:1',
      'analog-input:2',
      'analog-input:3',
      'analog-value:1',
      'analog-output:1',
      'binary-value:1',
      'binary-input:1',
    ]);

    // copy: the clipboard has the snippet (or, without a clipboard, it is selected)
    await ahu.locator('[data-action="copy"]').click();
    const copied = await ahu.locator('[data-copied]').getAttribute('data-copied');
    if (copied === 'copied')
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(snippet);
    else expect(await page.evaluate<string>('getSelection().toString()')).toBe(snippet);

    await screenshot(page, 'devices-bacnet-en');
    await shoot('devices-bacnet-discover-en');
    expect(unexpected(errors)).toEqual([]);
  });

  it('says clearly when nothing answers', async () => {
    await panel().locator('input[name="low"]').fill('5000');
    await panel().locator('input[name="high"]').fill('5001');
    await panel().locator('[data-action="discover"]').click();
    await expect
      .poll(() => panel().locator('[data-discover-result]').getAttribute('data-count'), { timeout: 8_000 })
      .toBe('0');
    expect(await panel().locator('[data-discover-result]').textContent()).toContain(
      'No device answered in 1 s',
    );
    // an instance range the wrong way round is refused before it is sent
    await panel().locator('input[name="low"]').fill('9');
    await panel().locator('input[name="high"]').fill('3');
    expect(await panel().locator('[data-action="discover"]').isDisabled()).toBe(true);
    await panel().locator('input[name="low"]').fill('');
    await panel().locator('input[name="high"]').fill('');
  });

  it('the inspector shows the priority array after a write at priority 8, and the relinquish default after', async () => {
    await hub.commands.write(ENGINEER, 'ahu-1/setpoint_c', 21.5, 'test', 8);
    await view().locator('[data-device-id="ahu-ctl"] [data-action="inspect"]').click();
    await inspector().waitFor();
    expect(page.url()).toContain('#/devices/ahu-ctl');
    await readObject('analog-value:1');
    const result = inspector().locator('[data-object-result="analog-value:1"]');
    await result.waitFor();
    expect(await result.locator('h3').first().textContent()).toContain('SA-Temp-Setpoint');
    expect(await result.locator('[data-field="present-value"]').textContent()).toBe('21.5 °C');
    expect(await inspector().locator('[data-priority-array] li[data-level]').count()).toBe(16);
    expect(await level(8).getAttribute('data-state')).toBe('active');
    expect(await level(8).textContent()).toContain('manual operator');
    expect(await level(8).textContent()).toContain('21.5');
    expect(await level(1).textContent()).toContain('manual life safety');
    expect(await level(16).textContent()).toContain('lowest');
    for (const n of [1, 7, 9, 16]) expect(await level(n).getAttribute('data-state')).toBe('empty');
    expect(await result.locator('[data-commanded]').textContent()).toBe(
      'Priority 8 (manual operator) commands it: 21.5 °C',
    );
    expect(await result.locator('[data-relinquish-default]').textContent()).toContain('16 °C');
    expect(await result.locator('[data-flag="fault"]').getAttribute('data-on')).toBe('false');
    expect(await result.locator('[data-field="reliability"]').textContent()).toBe('no-fault-detected');
    // the discovery's objects of this device are offered to pick from
    await inspector().locator('[data-pick="binary-value:1"]').waitFor();
    await screenshot(page, 'devices-bacnet-inspect-en');
    await shoot('devices-bacnet-object-en', inspector());

    // a higher level overrules the operator; relinquished, level 8 is in force again
    await hub.commands.write(ENGINEER, 'ahu-1/setpoint_c', 12, 'test', 5);
    await readObject('analog-value:1');
    await expect.poll(() => level(5).getAttribute('data-state')).toBe('active');
    expect(await level(8).getAttribute('data-state')).toBe('overruled');
    await hub.commands.relinquish(ENGINEER, 'ahu-1/setpoint_c', 5, 'test');
    await hub.commands.relinquish(ENGINEER, 'ahu-1/setpoint_c', 8, 'test');
    await readObject('analog-value:1');
    await expect
      .poll(() => result.locator('[data-commanded]').getAttribute('data-commanded'))
      .toBe('default');
    expect(await result.locator('[data-relinquish-default]').getAttribute('data-state')).toBe('active');

    // an input has no priority array; an object the device lacks is said as such
    await inspector().locator('[data-pick="analog-input:1"]').click();
    await expect
      .poll(() => inspector().locator('[data-commanded]').getAttribute('data-commanded'))
      .toBe('none');
    await readObject('analog-value:99');
    const fault = inspector().locator('[data-inspect-error]');
    await fault.waitFor();
    expect(await fault.getAttribute('data-inspect-error')).toBe('no-object');
    expect(await fault.textContent()).toContain('unknown-object');
    expect(unexpected(errors)).toEqual([]);
  });

  it('without a discovery, the inspector lists the device’s objects once a read told its instance', async () => {
    const other = await openLoginPage(browser, url, { lang: 'en' });
    try {
      await logIn(other.page, engineer);
      await other.page.evaluate('location.hash = "#/devices/ahu-ctl"');
      const inspect = other.page.locator('[data-inspect="ahu-ctl"]');
      await inspect.locator('[data-action="read"]').click(); // analog-value:1 to start with
      await inspect.locator('[data-object-result="analog-value:1"]').waitFor();
      await inspect.locator('[data-action="list-objects"]').click();
      await inspect.locator('[data-pick="analog-output:1"]').click();
      await inspect.locator('[data-object-result="analog-output:1"]').waitFor();
      expect(await inspect.locator('[data-object-result] h3').first().textContent()).toContain('OA-Damper');
      expect(await inspect.locator('[data-action="list-objects"]').count()).toBe(0);
      expect(unexpected(other.errors)).toEqual([]);
    } finally {
      await other.page.close();
    }
  });

  it('in Chinese, and a device that stops answering is said as such', async () => {
    await hub.commands.write(ENGINEER, 'ahu-1/setpoint_c', 20, 'test', 8);
    await page.locator('#lang').selectOption('zh-CN');
    await readObject('analog-value:1');
    await expect.poll(() => level(8).getAttribute('data-state')).toBe('active');
    expect(await level(8).textContent()).toContain('手动操作员');
    expect(await inspector().locator('[data-commanded]').textContent()).toContain(
      '优先级 8（手动操作员）控制它',
    );
    await panel().locator('[data-action="discover"]').click();
    // the last result (none answered) stays on screen while this one runs: its wait and reads take over a second
    await expect
      .poll(() => panel().locator('[data-discover-result]').getAttribute('data-count'), { timeout: 8_000 })
      .toBe('2');
    expect(await panel().textContent()).toContain('2 个设备应答');
    expect(await panel().locator('[data-snippet="1001"]').textContent()).toContain('可写：kind: command？');
    await screenshot(page, 'devices-bacnet-zh');
    await shoot('devices-bacnet-discover-zh');
    await shoot('devices-bacnet-object-zh', inspector());

    sim.ahu.setAnswering(false);
    await readObject('analog-value:1');
    await expect
      .poll(() => inspector().locator('[data-inspect-error]').getAttribute('data-status'))
      .toMatch(/^50[23]$/);
    expect(await inspector().locator('[data-object-result]').count()).toBe(0);
    // once the link is down, discovery has no socket to send on
    await waitFor(() => hub.supervisor.linkHealth()[0]?.state !== 'up', 10_000);
    await panel().locator('[data-action="discover"]').click();
    await expect.poll(() => panel().locator('[data-discover-error]').getAttribute('data-status')).toBe('503');
    expect(await panel().locator('[data-discover-error]').textContent()).toContain(
      '没有已连接的 BACnet 链路',
    );
    await shoot('devices-bacnet-down-zh');
    sim.ahu.setAnswering(true);
    expect(
      unexpected(errors).filter(
        (e) => e !== statusLogged('502 (Bad Gateway)') && e !== statusLogged('503 (Service Unavailable)'),
      ),
    ).toEqual([]);
  });

  it('a viewer sees the BACnet device but neither discovery nor the inspector', async () => {
    const viewer = await sessionAs(hub, ['viewer'], 'watcher');
    const other = await openLoginPage(browser, url, { lang: 'en' });
    try {
      await logIn(other.page, viewer);
      await other.page.evaluate('location.hash = "#/devices/ahu-ctl"');
      await other.page.locator('[data-view-id="devices"] [data-device-id="ahu-ctl"]').waitFor();
      expect(await other.page.locator('[data-section="bacnet-discover"]').count()).toBe(0);
      expect(await other.page.locator('[data-inspect]').count()).toBe(0);
      expect(await other.page.locator('[data-action="inspect"]').count()).toBe(0);
      expect(unexpected(other.errors)).toEqual([]);
    } finally {
      await other.page.close();
    }
  });
});
