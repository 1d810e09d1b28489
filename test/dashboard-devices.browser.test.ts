import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  launchBrowser,
  logIn,
  openLoginPage,
  screenshot,
  statusLogged,
  unexpected,
} from './browser-harness.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { float32Registers, type RegisterServer, startRegisterServer } from './modbus-fixtures.js';
import { freePort } from './services.js';

/** A plant room with one Modbus TCP meter on a register server (a real socket). */
function site(port: number) {
  return parseSiteText(
    stringify({
      site: { id: 'd1', name: 'Devices site', timezone: 'Asia/Shanghai' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir: tempDataDir(), logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'embedded' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices: [
        {
          id: 'meter-1',
          protocol: 'modbus',
          host: '127.0.0.1',
          port,
          unitId: 1,
          intervalMs: 200,
          timeoutMs: 300,
        },
      ],
      assets: [
        {
          id: 'm1',
          name: 'Main meter',
          kind: 'electricity-meter',
          zone: 'plant',
          device: 'meter-1',
          points: [
            { name: 'voltage_v', unit: 'V', register: 0, dataType: 'float32' },
            { name: 'pulses', kind: 'counter', register: 10, dataType: 'uint32', order: 'CDAB' },
          ],
        },
      ],
    }),
    'devices-browser.yaml',
  );
}

describe('dashboard: devices and links, the Modbus decode preview', () => {
  let server: RegisterServer;
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let engineer: TestSession;
  let viewer: TestSession;
  let page: Page;
  let errors: string[];

  const view = () => page.locator('[data-view-id="devices"]');
  const deviceRow = (p: Page = page) => p.locator('[data-view-id="devices"] [data-device-id="meter-1"]');
  const linkRow = () => view().locator('[data-link-id]').first();

  /** Fill the preview form and read. */
  const preview = async (register: number, count: number) => {
    const form = view().locator('[data-preview-form]');
    await form.locator('select[name="table"]').selectOption('holding');
    await form.locator('input[name="register"]').fill(String(register));
    await form.locator('input[name="count"]').fill(String(count));
    await form.locator('[data-action="read"]').click();
  };
  const decoded = (type: string, order: string) =>
    view().locator(`[data-decoded="${type}"] [data-order="${order}"]`).textContent();

  let port: number;

  beforeAll(async () => {
    port = await freePort();
    server = await startRegisterServer(port, [1]);
    const hr = server.units.get(1)!.hr;
    hr.splice(0, 2, ...float32Registers(230.5)); // float32 ABCD
    hr.splice(2, 2, ...float32Registers(49.98, 'CDAB')); // float32 CDAB
    hr[4] = 0xfffe; // int16 -2
    hr.splice(10, 2, 0x5678, 0x1234); // uint32 0x12345678 in CDAB
    server.exceptions.set(50, 2); // illegal data address
    hub = await buildHub(testHubOptions(site(port)));
    url = await hub.start();
    await waitFor(() => hub.supervisor.deviceHealth()[0]?.state === 'online', 10_000);
    engineer = await sessionAs(hub, ['engineer'], 'eng');
    viewer = await sessionAs(hub, ['viewer'], 'watcher');
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, { lang: 'en' }));
    page.setDefaultTimeout(5_000);
    await logIn(page, engineer);
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await hub?.stop();
    await server?.close().catch(() => undefined);
  });

  it('lists the link up and the Modbus device online, with its counters', async () => {
    await page.locator('[data-nav="devices"]').click();
    await view().waitFor();
    await deviceRow().waitFor();
    expect(await deviceRow().getAttribute('data-state')).toBe('online');
    expect(await linkRow().getAttribute('data-state')).toBe('up');
    expect(await deviceRow().textContent()).toContain('Modbus');
    expect(await deviceRow().textContent()).toContain('Online');
    await expect
      .poll(async () =>
        Number((await deviceRow().locator('[data-field="readings"]').textContent())?.replace(/\D/g, '')),
      )
      .toBeGreaterThan(0);
    expect(await linkRow().locator('[data-stat="polls"]').count()).toBe(1);
    // the overview's site page, which uses the same attributes, is hidden here
    expect(await page.locator('#view-site').isHidden()).toBe(true);

    // filters: by state and by text
    await view().locator('[data-filter="state"]').selectOption('offline');
    await expect.poll(() => deviceRow().count()).toBe(0);
    await view().locator('[data-filter="state"]').selectOption('');
    await view().locator('[data-filter="text"]').fill('nothing-like-it');
    await expect.poll(() => deviceRow().count()).toBe(0);
    await view().locator('[data-filter="text"]').fill('meter');
    await expect.poll(() => deviceRow().count()).toBe(1);
    expect(unexpected(errors)).toEqual([]);
  });

  it('the decode preview shows the raw registers and every decoding, and a Modbus exception clearly', async () => {
    await deviceRow().locator('[data-action="preview"]').click();
    await view().locator('[data-preview-form]').waitFor();
    expect(page.url()).toContain('#/devices/meter-1');

    await preview(0, 5);
    await view().locator('[data-preview-result]').waitFor();
    const hex = float32Registers(230.5)
      .map((r) => r.toString(16).padStart(4, '0'))
      .join(' ');
    expect(await view().locator('[data-hex]').textContent()).toContain(hex);
    expect(await decoded('float32', 'ABCD')).toBe('230.5');
    expect(await decoded('int16', 'ABCD')).toBe(String(float32Registers(230.5)[0]));
    expect(await view().locator('[data-preview-result] [data-address="4"]').textContent()).toContain('fffe');
    expect(await view().locator('[data-preview-result] [data-address="4"]').textContent()).toContain('65534');

    await preview(2, 2);
    await expect.poll(async () => Number(await decoded('float32', 'CDAB'))).toBeCloseTo(49.98, 5);
    await preview(10, 2);
    await expect.poll(() => decoded('uint32', 'CDAB')).toBe(String(0x12345678));
    expect(await decoded('uint32', 'ABCD')).toBe(String(0x56781234));
    expect(await decoded('int16', 'ABCD')).toBe(String(0x5678));

    // register 50 answers with exception 2: the error is shown, no stale result
    await preview(50, 2);
    const fault = view().locator('[data-preview-error]');
    await fault.waitFor();
    expect(await fault.textContent()).toMatch(/exception 2/i);
    expect(await fault.getAttribute('data-status')).toBe('502');
    expect(await view().locator('[data-preview-result]').count()).toBe(0);
    // the device itself is unaffected
    expect(await deviceRow().getAttribute('data-state')).toBe('online');

    await preview(0, 4);
    await expect.poll(() => decoded('float32', 'ABCD')).toBe('230.5');
    await screenshot(page, 'devices-en');
    expect(unexpected(errors).filter((e) => e !== statusLogged('502 (Bad Gateway)'))).toEqual([]);
  });

  it('the device goes offline live when its server stops, and the link shows the error', async () => {
    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => deviceRow().textContent()).toContain('在线');
    const url0 = page.url();
    await server.close();
    await expect.poll(() => deviceRow().getAttribute('data-state'), { timeout: 5_000 }).toBe('offline');
    expect(page.url()).toBe(url0); // no reload
    expect(await deviceRow().textContent()).toContain('离线');
    await expect.poll(() => linkRow().getAttribute('data-state'), { timeout: 5_000 }).not.toBe('up');
    await expect.poll(() => linkRow().locator('.dv-error-msg').count()).toBe(1);
    // while the link is down its error stands, in red
    expect(await linkRow().locator('[data-error-past]').count()).toBe(0);
    // the event changed the row at once; the counters follow from the API soon after
    await expect
      .poll(async () => Number(await linkRow().locator('[data-field="attempts"]').textContent()), {
        timeout: 5_000,
      })
      .toBeGreaterThan(0);
    expect(await linkRow().locator('.dv-code').textContent()).toBeTruthy();
    expect(await view().textContent()).toContain('链路');
    expect(await view().textContent()).toContain('最后错误');
    expect(await view().textContent()).toContain('寄存器预览');
    await view().locator('[data-filter="state"]').selectOption('offline');
    await expect.poll(() => deviceRow().count()).toBe(1);
    await view().locator('[data-filter="state"]').selectOption('');
    // with the link down the preview says so
    await preview(0, 2);
    await expect.poll(() => view().locator('[data-preview-error]').getAttribute('data-status')).toBe('503');
    await screenshot(page, 'devices-zh');
    expect(
      unexpected(errors).filter(
        (e) => e !== statusLogged('502 (Bad Gateway)') && e !== statusLogged('503 (Service Unavailable)'),
      ),
    ).toEqual([]);
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  it('a viewer sees the devices but no preview form', async () => {
    const other = await openLoginPage(browser, url, { lang: 'en' });
    try {
      await logIn(other.page, viewer);
      await other.page.evaluate('location.hash = "#/devices/meter-1"');
      await deviceRow(other.page).waitFor();
      expect(await deviceRow(other.page).getAttribute('data-state')).toBe('offline');
      expect(await other.page.locator('[data-view-id="devices"] [data-action="preview"]').count()).toBe(0);
      expect(await other.page.locator('[data-view-id="devices"] [data-preview-form]').count()).toBe(0);
      expect(unexpected(other.errors)).toEqual([]);
    } finally {
      await other.page.close();
    }
  });

  it('once the device is back, the last error is said to be from before it recovered, not shown as standing', async () => {
    server = await startRegisterServer(port, [1]);
    await expect.poll(() => linkRow().getAttribute('data-state'), { timeout: 15_000 }).toBe('up');
    await expect.poll(() => deviceRow().getAttribute('data-state'), { timeout: 10_000 }).toBe('online');
    const cell = linkRow().locator('td.dv-error');
    await expect.poll(() => cell.getAttribute('data-error-past')).toBe('true');
    expect(await cell.textContent()).toContain('恢复之前'); // the page is in Chinese since the test above
    expect(await cell.locator('.dv-error-msg').textContent()).toBeTruthy(); // still there to read
    const colour = await cell
      .locator('.dv-error-msg')
      .evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).color);
    expect(colour).toBe('rgb(123, 135, 148)'); // --muted, not --bad
    await screenshot(page, 'devices-recovered-zh');
  });
});
