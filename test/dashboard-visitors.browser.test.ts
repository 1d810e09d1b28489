import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionMessage } from '../domains/visitors/gate-types.js';
import type { PassView } from '../domains/visitors/pass-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
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

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A lobby with one visitor gate on an MQTT gate controller, a climate sensor, and one staff badge. */
function siteYaml(mqttPort: number): string {
  return `
site: { id: v1, name: Visitor site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, liveIntervalMs: 50, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: ${mqttPort} }
zones:
  - { id: campus, name: Campus, kind: campus }
  - { id: lobby, name: Lobby, kind: building, parent: campus }
devices:
  - { id: north-ctl, protocol: mqtt, clientId: north-ctl }
  - { id: env-1, protocol: mqtt, clientId: env-1 }
assets:
  - { id: gate-north, name: North gate, kind: gate, zone: lobby, device: north-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
  - { id: lobby-air, name: Lobby climate, kind: env-sensor, zone: lobby, device: env-1, points: [{ name: temp_c, unit: degC }] }
visitors:
  staff:
    - { badge: 'CARD-0001', holder: Li Na, zones: [campus] }
`;
}

describe('dashboard: visitors and gates, in English and Chinese', () => {
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let gate: MqttClient;
  let host: TestSession;
  let kiosk: TestSession;
  let guard: TestSession;
  let page: Page;
  let errors: string[];
  const decisions = new Map<string, DecisionMessage>();
  let nonces = 0;
  let code = '';
  let passId = 0;

  const call = (who: TestSession, method: 'GET' | 'POST', path: string, payload?: object) =>
    hub.http.inject({ method, url: `/api/v1${path}`, headers: who.headers, payload });

  /** A visitor registers at the kiosk for the host, valid from now for three hours. */
  const register = async (name: string, company: string) => {
    const res = await call(kiosk, 'POST', '/visitors', {
      name,
      phone: '13812345678',
      company,
      host: host.username,
      purpose: 'Contract meeting',
      validFrom: Date.now() - MIN,
      validUntil: Date.now() + 3 * HOUR,
      maxEntries: 2,
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { pass: PassView }).pass;
  };

  /** The gate controller publishes what it scanned and waits for the hub's answer. */
  const scan = async (value: string, type: 'code' | 'card' = 'code') => {
    const nonce = `n${++nonces}`;
    gate.publish(
      'site/v1/gate-north/scan',
      JSON.stringify({ credential: { type, value }, nonce, ts: Date.now(), direction: 'in' }),
    );
    await waitFor(
      () => decisions.has(nonce),
      5_000,
      () => `the decision for ${nonce}`,
    );
    return decisions.get(nonce)!;
  };

  const passState = async (id: number) =>
    ((await call(host, 'GET', `/passes/${id}`)).json() as { pass: PassView }).pass;
  const text = (selector: string) => page.locator(selector).first().textContent();

  beforeAll(async () => {
    const mqttPort = await freePort();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(mqttPort), 'visitors-browser.yaml')));
    url = await hub.start();
    host = await sessionAs(hub, ['requester'], 'alice');
    kiosk = await sessionAs(hub, ['requester'], 'kiosk');
    guard = await sessionAs(hub, ['security'], 'guard');
    gate = await connectDevice(hub, mqttPort, 'north-ctl');
    await gate.subscribeAsync('site/v1/gate-north/decision');
    gate.on('message', (topic, payload) => {
      if (!topic.endsWith('/decision')) return;
      const d = JSON.parse(payload.toString()) as DecisionMessage;
      decisions.set(d.nonce, d);
    });
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, { lang: 'en' }));
    await logIn(page, host);
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await gate?.endAsync();
    await hub?.stop();
  });

  it('the host approves a pass in the browser and sees its code once', async () => {
    const pass = await register('Zhang Wei', 'Acme Ltd');
    passId = pass.id;
    await page.locator('[data-nav="visitors"]').click();
    await page.locator('[data-view-id="visitors"]').waitFor();
    const row = page.locator(`[data-section="pending"] [data-pass-id="${passId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('requested');
    expect(await row.textContent()).toContain('Zhang Wei');
    expect(await row.textContent()).toContain('Acme Ltd');
    expect(await text('[data-count="pending"]')).toBe('1');

    await row.locator('[data-action="approve"]').click();
    const shown = page.locator(`[data-issued-pass="${passId}"]`);
    await shown.waitFor();
    code = String(await shown.locator('[data-issued-code]').textContent());
    expect(code).toMatch(/^\d{8}$/);
    expect(await shown.locator('[data-issued-qr]').textContent()).toMatch(
      new RegExp(`^FH2:${code}\\.[\\w-]{22}$`),
    );
    expect(await shown.textContent()).toContain('Shown this once only');
    expect((await passState(passId)).state).toBe('approved');

    // the pass moves to today's visitors, approved, nobody inside yet
    const today = page.locator(`[data-section="today"] [data-pass-id="${passId}"]`);
    await expect.poll(() => today.getAttribute('data-state')).toBe('approved');
    expect(await page.locator(`[data-section="pending"] [data-pass-id="${passId}"]`).count()).toBe(0);
    expect(await today.getAttribute('data-inside')).toBe('false');
    expect(await today.locator('[data-entries-used]').textContent()).toBe('0 / 2');
    expect(await text('[data-count="pending"]')).toBe('0');
    expect(unexpected(errors)).toEqual([]);
  });

  it('the host declines another pass, with a reason', async () => {
    const other = await register('Li Lei', 'Globex');
    const row = page.locator(`[data-section="pending"] [data-pass-id="${other.id}"]`);
    await row.waitFor(); // a pass event brought it in without a reload
    await row.locator('[data-action="decline"]').click();
    const reason = page.locator(`[data-reason-for="${other.id}"]`);
    // no reason: the page asks for one and sends nothing
    await reason.locator('[data-action="confirm-decline"]').click();
    await expect.poll(() => page.locator('.pass-error').textContent()).toBe('Say why.');
    expect((await passState(other.id)).state).toBe('requested');
    await reason.locator('input[name="comment"]').fill('No meeting booked');
    await reason.locator('[data-action="confirm-decline"]').click();
    await expect
      .poll(() =>
        page.locator(`[data-section="today"] [data-pass-id="${other.id}"]`).getAttribute('data-state'),
      )
      .toBe('declined');
    const declined = await passState(other.id);
    expect(declined).toMatchObject({ state: 'declined', decisionComment: 'No meeting booked' });
    expect(unexpected(errors)).toEqual([]);
  });

  it('a visitor the host registered as their own waits for someone else: no Approve button for them', async () => {
    const res = await call(host, 'POST', '/visitors', {
      name: 'Wang Fang',
      phone: '13812345679',
      company: 'Initech',
      host: host.username,
      purpose: 'Own guest',
      validFrom: Date.now() - MIN,
      validUntil: Date.now() + 3 * HOUR,
      maxEntries: 1,
    });
    expect(res.statusCode, res.body).toBe(201);
    const own = (res.json() as { pass: PassView }).pass;
    const row = page.locator(`[data-section="pending"] [data-pass-id="${own.id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-action="decline"]').count()).toBe(1);
    expect(await row.locator('[data-action="approve"]').count()).toBe(0);
    expect(await row.locator('[data-approval="other"]').textContent()).toContain('someone else');
    await screenshot(page, 'visitors-own-guest-en');
    // security approves it; the host's list follows
    const approved = await call(guard, 'POST', `/passes/${own.id}/approve`, {});
    expect(approved.statusCode, approved.body).toBe(200);
    await expect.poll(() => row.count()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
  });

  it('a scan of the code at the gate shows in the live gate events, and the visitor is counted inside', async () => {
    expect(await text('[data-occupancy="visitors"]')).toBe('0');
    const refused = await scan('00000000');
    expect(refused).toMatchObject({ decision: 'deny', reason: 'unknown' });
    const opened = await scan(code);
    expect(opened).toMatchObject({ decision: 'open', passId });
    gate.publish(
      'site/v1/gate-north/passage',
      JSON.stringify({ direction: 'in', nonce: opened.nonce, ts: Date.now() }),
    );

    // newest first: the passage, the scan that opened, the refused scan
    const events = page.locator('[data-gate-event]');
    await expect.poll(() => events.count()).toBe(3);
    expect(await events.nth(0).getAttribute('data-gate-event')).toBe('passed');
    expect(await events.nth(0).getAttribute('data-direction')).toBe('in');
    expect(await events.nth(1).getAttribute('data-gate-event')).toBe('scanned');
    expect(await events.nth(1).getAttribute('data-decision')).toBe('open');
    expect(await events.nth(2).getAttribute('data-decision')).toBe('deny');
    expect(await events.nth(2).getAttribute('data-reason')).toBe('unknown');
    expect(await events.nth(1).textContent()).toContain('North gate');
    expect(await events.nth(1).textContent()).toContain('Opened');
    expect(await events.nth(2).textContent()).toContain('unknown credential');
    // the events carry no names, and neither does the list
    expect(await page.locator('[data-section="gate-events"]').textContent()).not.toContain('Zhang Wei');

    await expect.poll(() => text('[data-occupancy="visitors"]')).toBe('1');
    const today = page.locator(`[data-section="today"] [data-pass-id="${passId}"]`);
    await expect.poll(() => today.getAttribute('data-inside')).toBe('true');
    expect(await today.locator('[data-entries-used]').textContent()).toBe('1 / 2');

    // a staff badge counts as staff
    const staff = await scan('CARD-0001', 'card');
    expect(staff.decision).toBe('open');
    gate.publish(
      'site/v1/gate-north/passage',
      JSON.stringify({ direction: 'in', nonce: staff.nonce, ts: Date.now() }),
    );
    await expect.poll(() => text('[data-occupancy="staff"]')).toBe('1');
    expect(await text('[data-occupancy="visitors"]')).toBe('1');
    // only security sees the evacuation list
    expect(await page.locator('[data-section="evacuation"]').count()).toBe(0);
    await screenshot(page, 'visitors-en');
    expect(unexpected(errors)).toEqual([]);
  });

  it('switches to Chinese and back: the navigation, the visitors view and the site page', async () => {
    await page.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => text('[data-nav="visitors"]')).toBe('访客');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await text('[data-view-id="visitors"] .view-title')).toBe('访客与门禁');
    expect(await text('[data-section="pending"] h2')).toBe('待审批的通行证');
    expect(await text('[data-section="gate-events"] h2')).toBe('实时门禁事件');
    const events = page.locator('[data-gate-event]');
    expect(await events.nth(1).textContent()).toContain('放行');
    expect(await events.nth(1).textContent()).toContain('刷卡/扫码');
    expect(await events.nth(4).textContent()).toContain('无效凭证');
    expect(await page.locator(`[data-section="today"] [data-pass-id="${passId}"]`).textContent()).toContain(
      '已批准',
    );
    // the code stays on show (it cannot be fetched again), its text in Chinese
    expect(await text(`[data-issued-pass="${passId}"]`)).toContain('仅显示这一次');
    // the top bar is the site page's
    expect(await text('#logout')).toBe('登出');
    expect(await text('#user-roles')).toBe('申请人');
    expect(await text('#conn .conn-label')).toBe('实时');
    await screenshot(page, 'visitors-zh');

    await page.locator('[data-nav="overview"]').click();
    await page.locator('#view-site').waitFor({ state: 'visible' });
    expect(await text('#tree-title')).toBe('站点与资产');
    expect(await text('#devices-title')).toBe('设备状态');
    expect(await text('#links-title')).toBe('通信链路');
    expect(await text('[data-tile="online"] .tile-label')).toBe('设备在线');
    expect(await text('[data-zone-id="lobby"] .chip-zone')).toBe('楼栋');
    expect(await text('[data-asset-id="gate-north"] .chip-kind')).toBe('门禁');
    expect(await text('[data-point-id="lobby-air/temp_c"] .num')).toBe('无数据');
    expect(await text('[data-device-id="north-ctl"] .device-state')).toBe('在线');
    expect(await text('#devices-count')).toBe('2 台设备');
    expect(await page.title()).toBe('Visitor site · 设施监控');
    await screenshot(page, 'site-zh');

    await page.locator('#lang').selectOption('en');
    await expect.poll(() => text('#tree-title')).toBe('Site & assets');
    expect(await text('[data-nav="visitors"]')).toBe('Visitors');
    expect(await text('[data-device-id="north-ctl"] .device-state')).toBe('Online');
    expect(await text('[data-point-id="lobby-air/temp_c"] .num')).toBe('no data');
    expect(await text('#devices-count')).toBe('2 devices');
    expect(await page.title()).toBe('Visitor site · Facility monitor');
    await page.locator('[data-nav="visitors"]').click();
    await expect.poll(() => text('[data-view-id="visitors"] .view-title')).toBe('Visitors and gates');
    expect(unexpected(errors)).toEqual([]);
  });

  it('the choice is kept: after a reload the page is in the language chosen last', async () => {
    await page.locator('#lang').selectOption('zh-CN');
    await page.reload();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await text('[data-nav="visitors"]')).toBe('访客');
    expect(await text('[data-view-id="visitors"] .view-title')).toBe('访客与门禁');
    // the gate events seen before the reload are gone with the page
    expect(await page.locator('[data-gate-event]').count()).toBe(0);
    await page.locator('#lang').selectOption('en');
    expect(unexpected(errors)).toEqual([]);
  });

  it('security sees the evacuation list', async () => {
    const { page: p, errors: e } = await openLoginPage(browser, url, { lang: 'en' });
    try {
      await logIn(p, guard);
      await p.locator('[data-nav="visitors"]').click();
      const list = p.locator('[data-section="evacuation"]');
      await list.waitFor();
      await expect.poll(() => list.locator(`[data-on-site-pass="${passId}"]`).count()).toBe(1);
      expect(await list.locator(`[data-on-site-pass="${passId}"]`).textContent()).toContain('Zhang Wei');
      expect(await list.locator('[data-on-site-badge]').textContent()).toContain('Li Na');
      // security sees every pass and may decide on it, though not its host
      expect(
        await p.locator(`[data-section="today"] [data-pass-id="${passId}"] [data-action="revoke"]`).count(),
      ).toBe(1);
      await screenshot(p, 'visitors-security-en');
      expect(unexpected(e)).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('a browser in Chinese opens the login page in Chinese', async () => {
    const { page: p, errors: e } = await openLoginPage(browser, url, { lang: 'zh-CN' });
    try {
      expect(await p.locator('#login-submit').textContent()).toBe('登录');
      expect(await p.locator('#login-title').textContent()).toBe('设施监控');
      expect(await p.getByLabel('用户名').getAttribute('id')).toBe('login-username');
      expect(await p.title()).toBe('设施监控');
      await p.locator('#login-username').fill(host.username);
      await p.locator('#login-password').fill('wrong-password-0123');
      await p.locator('#login-submit').click();
      await expect.poll(() => p.locator('#login-error').textContent()).toBe('用户名或密码错误。');
      expect(unexpected(e)).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
