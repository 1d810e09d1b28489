import { copyFileSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../core/actor.js';
import { onCallAt } from '../domains/people/rota.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { WecomServer } from '../simulators/messaging/wecom-server.js';
import { launchBrowser, logIn, openLoginPage, screenshot as shoot, unexpected } from './browser-harness.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

/**
 * The People view's on-call section in a real browser against a real hub: the rota with who is on call now
 * (worked out here by the same pure function, for today), a supervisor adds an override through the form and
 * sees it on the card and in the table, a technician sees no form; then the same in Chinese at phone width.
 * People are told on the WeCom app (wecom-app) against the verifying WeCom simulator, by their userid.
 */

const TZ = 'Asia/Shanghai';
const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/shots-oncall';
const AGENT_ID = 1000002;
const SECRET_ENV = 'HUB_TEST_ONCALL_BROWSER_WECOM_SECRET';
const SECRET = 'oncall-browser-app-secret';
const PEOPLE = ['ann', 'bob', 'cai', 'li', 'dan'];

function siteYaml(dataDir: string, wecomUrl: string): string {
  return `
site: { id: oc, name: On-call site, timezone: ${TZ} }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  liveIntervalMs: 50
  logLevel: silent
  auth: { loginAttemptsPerMinute: 100 }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones: [{ id: b1, name: Building 1, kind: building }]
devices: [{ id: d1, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: d1, points: [{ name: supply_temp_c, unit: degC }] }
rules:
  - { id: supply-hot, name: Supply hot, severity: critical, target: { point: ahu-1/supply_temp_c }, condition: { type: threshold, high: 30 } }
maintenance:
  teams:
    - { id: hvac, name: HVAC team 暖通组, members: [ann, bob, cai], skills: [ahu] }
    - { id: utilities, name: Utilities 水电组, members: [li], skills: [electricity-meter] }
actions:
  - { id: wecom, type: wecom-app, baseUrl: '${wecomUrl}', corpId: ww-oncall, agentId: ${AGENT_ID}, secretEnv: ${SECRET_ENV} }
people:
  publicUrl: 'https://hub.example.com'
  channels: { wecom: wecom }
  defaultChannels: { alert: [wecom] }
  escalation:
    critical: [{ to: oncall }, { to: next, afterMinutes: 10 }, { to: supervisor, afterMinutes: 20 }]
  oncall:
    - { team: hvac, members: [ann, bob, cai], supervisor: sue, start: '2026-01-05', handover: { day: mon, time: '09:00' } }
    - { team: utilities, members: [li], supervisor: sue, start: '2026-01-05', handover: { day: fri, time: '18:00' } }
`;
}

describe('the on-call section of the People view', () => {
  let browser: Browser;
  let hub: Hub;
  let url: string;
  let sup: TestSession;
  let tech: TestSession;
  const wecom = new WecomServer({
    robots: {},
    corpId: 'ww-oncall',
    apps: { [AGENT_ID]: SECRET },
    users: PEOPLE.map((u) => `${u}-wx`),
  });
  const pages: { page: Page; errors: string[] }[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    process.env[SECRET_ENV] = SECRET;
    const wecomUrl = await wecom.start();
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(tempDataDir(), wecomUrl), 'oncall-browser.yaml')),
    );
    url = await hub.start();
    for (const u of PEOPLE) {
      const { user } = await hub.auth.createUser(SYSTEM, {
        username: u,
        roles: ['technician'],
        password: 'correct-horse-battery-staple-42',
      });
      // each reachable on the WeCom app, by userid
      hub.profiles.put(user.id, { contacts: { wecomId: `${u}-wx` }, channels: {} }, 'admin', Date.now());
    }
    sup = await sessionAs(hub, ['supervisor'], 'sue-sup');
    tech = await sessionAs(hub, ['technician'], 'tech-wu');
    mkdirSync(SHOTS, { recursive: true });
  }, 30_000);

  afterAll(async () => {
    for (const p of pages) await p.page.close().catch(() => undefined);
    await hub?.stop();
    await browser?.close();
    await wecom.stop();
    delete process.env[SECRET_ENV];
  });

  async function open(who: TestSession, opts: { phone?: boolean; lang?: 'en' | 'zh-CN' } = {}) {
    const opened = await openLoginPage(browser, url, {
      viewport: opts.phone ? PHONE : undefined,
      lang: opts.lang ?? 'en',
    });
    opened.page.setDefaultTimeout(8_000);
    await logIn(opened.page, who);
    await opened.page.goto(`${url}#/people/oncall`);
    await opened.page.locator('[data-section="oncall"] [data-rota="hvac"]').waitFor();
    pages.push(opened);
    return opened;
  }
  async function screenshot(p: Page, name: string) {
    await p.evaluate('scrollTo(0, 0)');
    const path = await shoot(p, name);
    copyFileSync(path, `${SHOTS}/${name}.png`);
  }
  const rota = () => hub.site.config.people.oncall[0]!;

  it('shows who is on call now, the next and the supervisor; a supervisor adds an override', async () => {
    const { page, errors } = await open(sup);
    const now = onCallAt(rota(), [], TZ, Date.now());
    const card = page.locator('[data-rota="hvac"]');
    await expect(card.locator(`[data-oncall="${now.username}"]`).isVisible()).resolves.toBe(true);
    expect(await card.locator(`[data-next]`).getAttribute('data-next')).toBe(now.next);
    expect(await card.textContent()).toContain('sue');
    expect(await card.locator('[data-week]').count()).toBe(4);
    expect(await page.locator('[data-rota="utilities"]').textContent()).toContain('Hands over Fri 18:00');

    // dan covers hvac from now for two hours; the form takes the site's wall time (the browser runs in UTC)
    const local = (ms: number) =>
      new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, dateStyle: 'short', timeStyle: 'short' })
        .format(ms)
        .replace(' ', 'T');
    const until = Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    await page.locator('#oc-username').fill('nobody');
    await page.locator('#oc-from').fill(local(Date.now() - 60_000));
    await page.locator('#oc-to').fill(local(until));
    await page.locator('[data-form="override"] button[type="submit"]').click();
    await expect(page.locator('[data-error="override"]').textContent()).resolves.toContain(
      'no active user "nobody"',
    );
    await page.locator('#oc-username').fill('dan');
    await page.locator('#oc-note').fill('ann at the dentist');
    await page.locator('[data-form="override"] button[type="submit"]').click();
    await page.locator('[data-override]').waitFor();
    await card.locator('[data-oncall="dan"]').waitFor();
    expect(await card.textContent()).toContain(`covering for ${now.scheduled}`);
    expect(await page.locator('[data-override]').textContent()).toContain('ann at the dentist');
    expect(hub.site.config.people.oncall).toHaveLength(2);
    const stored = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/oncall/overrides', headers: sup.headers })
    ).json();
    expect(stored.overrides).toMatchObject([
      { team: 'hvac', username: 'dan', to: until, createdBy: 'sue-sup' },
    ]);
    // a critical alert on hvac's equipment: escalating now, ann's or whoever's turn it is told first
    hub.alerts.conditionChanged(
      {
        key: 'supply-hot|ahu-1|ahu-1/supply_temp_c',
        ruleId: 'supply-hot',
        assetId: 'ahu-1',
        pointId: 'ahu-1/supply_temp_c',
        severity: 'critical',
        priority: 1,
        chatter: { transitions: 5, withinMs: 600_000 },
      },
      { active: true, message: 'supply 35 °C above 30 °C' },
      Date.now(),
    );
    await page.reload();
    const row = page.locator('[data-escalation]');
    await row.waitFor();
    expect(await row.locator('[data-told]').getAttribute('data-told')).toBe('dan');
    expect(await row.textContent()).toContain('next in rota');
    expect(await row.textContent()).not.toContain('unreachable');
    // the alert's own panel shows its chain too
    const alertId = hub.alerts.list({ limit: 1 })[0]!.id;
    await page.goto(`${url}#/alerts/${alertId}`);
    await page.locator('[data-escalation-state="running"] [data-told="dan"]').waitFor();
    await screenshot(page, 'oncall-alert-detail-en');
    await page.goto(`${url}#/people/oncall`);
    await page.locator('[data-escalation]').waitFor();
    await screenshot(page, 'oncall-en');
    expect(unexpected(errors).filter((e) => !e.includes('400'))).toEqual([]);
  }, 30_000);

  it('a technician sees the rotas but no override form', async () => {
    const { page, errors } = await open(tech);
    expect(await page.locator('[data-override]').count()).toBe(1);
    expect(await page.locator('[data-form="override"]').count()).toBe(0);
    expect(await page.locator('[data-escalation]').count()).toBe(0); // the chains are oncall:manage's
    expect(await page.locator('[data-override] button').count()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
  }, 30_000);

  it("the message's acknowledge link: a page without script, in the person's language, at phone width", async () => {
    await waitFor(
      () => wecom.messages.length > 0,
      5_000,
      () => 'the WeCom message to dan',
    );
    // what WeCom took: one app message, a text card to dan's userid (he covers the rota) with the signed link
    const sent = wecom.messages.map((m) => m.body as { touser?: string; textcard?: { url?: string } });
    expect(sent.map((b) => b.touser)).toEqual(['dan-wx']);
    expect(wecom.messages[0]).toMatchObject({
      channel: 'wecom-app',
      to: String(AGENT_ID),
      mentions: ['dan-wx'],
    });
    const card = sent[0]!.textcard;
    expect(card?.url, 'dan was sent the alert with a link').toMatch(
      /^https:\/\/hub\.example\.com\/api\/v1\/oncall\/ack\/[\w-]+\.[\w-]+$/,
    );
    // the link names the public address; here the hub listens on its own port
    const link = `${url.replace(/\/$/, '')}${new URL(card!.url!).pathname}`;
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe('确认告警');
    expect(await page.locator('body').textContent()).toContain('dan');
    await screenshot(page, 'oncall-ack-zh-phone');
    await page.locator('button[name="ack"]').click();
    await page.locator('h1', { hasText: '已确认' }).waitFor();
    expect(await page.locator('body').textContent()).toContain('已由 dan 于');
    await screenshot(page, 'oncall-acked-zh-phone');
    await page.goto(`${link}?lang=en`);
    expect(await page.locator('body').textContent()).toContain('Acknowledged by dan at');
    await screenshot(page, 'oncall-acked-en-phone');
    await context.close();
    const alerts = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: sup.headers })
    ).json();
    expect(alerts.alerts[0]).toMatchObject({ state: 'acked', ackedBy: 'dan' });
  }, 30_000);

  it('in Chinese at phone width: no sideways scrolling', async () => {
    const { page, errors } = await open(sup, { phone: true, lang: 'zh-CN' });
    await page.locator('text=当前值班').first().waitFor();
    // the alert was acknowledged from the message: nothing escalates any more
    await page.locator('text=当前没有升级中的告警。').waitFor();
    expect(await page.locator('[data-rota="hvac"]').textContent()).toContain('代替');
    expect(await page.locator('[data-rota="utilities"]').textContent()).toContain('每周五 18:00 交班');
    expect(
      await page.evaluate<boolean>(
        'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
      ),
    ).toBe(true);
    await screenshot(page, 'oncall-zh-phone');
    expect(unexpected(errors)).toEqual([]);
  }, 30_000);
});
