/**
 * The People view in a browser against a real hub: a technician fills in their profile (a bad e-mail is refused
 * naming the field, then it saves and routing uses it), and sees only their profile tab; the service desk sees
 * the delivery log (a sent WeCom message, an SMS gateway that refused the connection with why, someone no channel
 * reaches) with filters and the channel cards. In English, Chinese and at phone width; the screenshots go to
 * /tmp/shots-people-core/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketView } from '../domains/tickets/ticket-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, unexpected } from './browser-harness.js';
import { hookServer } from './hook-server.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';

const SHOTS = '/tmp/shots-people-core';

function siteYaml(hookUrl: string, closedPort: number) {
  return `
site: { id: pb, name: People browser site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent, liveIntervalMs: 50 }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones: [{ id: b1, name: Building 1, kind: building }]
devices: [{ id: gw, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: gw, points: [{ name: supply_temp_c, unit: degC }] }
actions:
  - { id: wecom-app, type: webhook, url: '${hookUrl}', retries: 0 }
  - { id: sms-gw, type: webhook, url: 'http://127.0.0.1:${closedPort}/sms', retries: 0, timeoutMs: 1000 }
people:
  channels: { wecom: wecom-app, sms: sms-gw }
  defaultChannels: { ticket: [wecom, sms] }
maintenance:
  requireApproval: false
  teams: [{ id: hvac, name: HVAC, members: [tech-a, tech-b, tech-c] }]
`;
}

describe('the People view', () => {
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let hook: Awaited<ReturnType<typeof hookServer>>;
  let s: Record<'tech' | 'techB' | 'techC' | 'desk' | 'req' | 'admin', TestSession>;

  const call = (who: TestSession, method: 'POST' | 'PUT', path: string, payload: object) =>
    hub.http.inject({ method, url: path, headers: who.headers, payload });
  const wide = (page: Page) =>
    page.evaluate(
      `[...document.querySelectorAll('[data-view-id] *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1).map((e) => e.className).slice(0, 5)`,
    );

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    hook = await hookServer();
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(hook.url, await freePort()), 'people-browser.yaml')),
    );
    url = await hub.start();
    s = {
      tech: await sessionAs(hub, ['technician'], 'tech-a'),
      techB: await sessionAs(hub, ['technician'], 'tech-b'),
      techC: await sessionAs(hub, ['technician'], 'tech-c'),
      desk: await sessionAs(hub, ['dispatcher'], 'desk'),
      req: await sessionAs(hub, ['requester'], 'req-1'),
      admin: await sessionAs(hub, ['admin'], 'root-2'),
    };
    browser = await launchBrowser();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    hook?.server.close();
  });

  it('a technician fills in their profile: a bad e-mail is refused at its field, then it saves; both languages', async () => {
    const { page, errors } = await openLoginPage(browser, url, { lang: 'en' });
    page.setDefaultTimeout(5_000);
    await logIn(page, s.tech);
    await page.locator('[data-nav="people"]').click();
    await page.locator('[data-form="profile"]').waitFor();
    expect(await page.locator('[data-nav="people"]').textContent()).toBe('People');
    // no notify:read: the profile tab, and the on-call rotas (everyone sees who is on call)
    expect(
      await page
        .locator('[data-view-id="people"] [data-tab]')
        .evaluateAll((els) => els.map((e) => e.dataset.tab)),
    ).toEqual(['profile', 'oncall']);
    // the site's channels and its default for tickets
    expect(
      await page.locator('[data-kind="ticket"] select').first().locator('option').allTextContents(),
    ).toEqual(['Site default (WeCom → SMS)', 'SMS', 'WeCom']);

    await page.locator('#pp-email').fill('tech-a.example.com');
    await page.locator('#pp-wecomId').fill('TechA');
    await page.locator('#pp-mobile').fill('13800000001');
    await page.locator('[data-submit="profile"]').click();
    await page.locator('[data-error-for="contacts.email"]').waitFor();
    expect(await page.locator('[data-result="error"]').textContent()).toContain('Not saved');
    expect(hub.profiles.get(hub.auth.users.findByName('tech-a')!.id)).toBeUndefined();

    await page.locator('#pp-email').fill('tech-a@example.com');
    await page.locator('[data-kind="ticket"] select').first().selectOption('sms');
    await page.locator('[data-kind="ticket"] select').nth(1).selectOption('wecom');
    await page.locator('input[name="quiet"]').check();
    await page.locator('#pp-quietStart').fill('22:30');
    await page.locator('#pp-lang').selectOption('en');
    await page.locator('[data-submit="profile"]').click();
    await page.locator('[data-result="ok"]').waitFor();
    await page.screenshot({ path: `${SHOTS}/profile-en.png`, fullPage: true });
    expect(hub.people.profile('tech-a')).toEqual({
      username: 'tech-a',
      displayName: 'tech-a',
      language: 'en',
      contacts: { email: 'tech-a@example.com', mobile: '13800000001', wecomId: 'TechA' },
      channels: { ticket: ['sms', 'wecom'] },
      quietHours: { start: '22:30', end: '07:00' },
    });

    await page.locator('#lang').selectOption('zh-CN');
    await page.reload();
    await page.locator('[data-form="profile"]').waitFor();
    expect(await page.locator('[data-tab="profile"]').textContent()).toBe('我的资料');
    expect(await page.locator('#pp-wecomId').inputValue()).toBe('TechA');
    expect(await page.locator('[data-kind="ticket"] select').first().inputValue()).toBe('sms');
    await page.screenshot({ path: `${SHOTS}/profile-zh.png`, fullPage: true });
    expect(unexpected(errors).filter((e) => !e.includes('400 (Bad Request)'))).toEqual([]);
    await page.close();
  });

  it('the desk sees the delivery log with why and the channel cards; filters; both languages and a phone', async () => {
    // tech-b: WeCom (sent); tech-c: only a mobile (the SMS gateway is down: failed); nobody: unreachable
    await call(s.techB, 'PUT', '/api/v1/me/profile', { contacts: { wecomId: 'TechB' } });
    await call(s.techC, 'PUT', '/api/v1/me/profile', {
      contacts: { mobile: '13900000003' },
      channels: { ticket: ['sms'] },
    });
    await sessionAs(hub, ['technician'], 'tech-d');
    for (const assignee of ['tech-b', 'tech-c', 'tech-d']) {
      const t = (
        await call(s.req, 'POST', '/api/v1/tickets', {
          title: `Fault for ${assignee}`,
          description: 'Noise',
          assetId: 'ahu-1',
        })
      ).json().ticket as TicketView;
      expect((await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee })).statusCode).toBe(
        200,
      );
    }
    await waitFor(() => hub.deliveries.list({ recipient: 'tech-c' })[0]?.state === 'failed');
    await waitFor(() => hub.deliveries.list({ recipient: 'tech-b' })[0]?.state === 'sent');

    const { page, errors } = await openLoginPage(browser, url, { lang: 'zh-CN' });
    page.setDefaultTimeout(5_000);
    await logIn(page, s.desk);
    await page.goto(`${url}#/people/deliveries`);
    await page.locator('[data-channel="sms-gw"]').waitFor();
    expect(
      await page
        .locator('[data-view-id="people"] [data-tab]')
        .evaluateAll((els) => els.map((e) => e.dataset.tab)),
    ).toEqual(['profile', 'deliveries', 'oncall']);
    expect(await page.locator('[data-channel="sms-gw"]').getAttribute('data-tone')).toBe('bad');
    expect(await page.locator('[data-channel="wecom-app"]').getAttribute('data-tone')).toBe('good');
    expect(await page.locator('[data-channel="sms-gw"] [data-count="failed"] b').textContent()).toBe('1');
    expect(await page.locator('[data-unreachable]').textContent()).toContain('tech-d（工单）：1 次');
    await page.locator('tr[data-state="failed"]').waitFor();
    expect(
      await page.locator('tr[data-state]').evaluateAll((els) => els.map((e) => e.dataset.state)),
    ).toEqual(['unreachable', 'failed', 'sent']);
    const failedRow = page.locator('tr[data-state="failed"]');
    expect(await failedRow.locator('.badge').textContent()).toBe('失败');
    expect(await failedRow.locator('.pp-why').textContent()).toMatch(/ECONNREFUSED|refused|connect/i);
    expect(await page.locator('tr[data-state="unreachable"] .pp-why').textContent()).toBe(
      'wecom: no contact; sms: no contact',
    );
    await page.screenshot({ path: `${SHOTS}/deliveries-zh.png`, fullPage: true });

    await page.locator('[data-form="deliveries"] select[name="state"]').selectOption('sent');
    await page.locator('[data-submit="deliveries"]').click();
    await expect
      .poll(() => page.locator('tr[data-state]').evaluateAll((els) => els.map((e) => e.dataset.state)))
      .toEqual(['sent']);

    await page.locator('#lang').selectOption('en');
    await page.locator('[data-form="deliveries"] select[name="state"]').selectOption('');
    await page.locator('[data-form="deliveries"] input[name="recipient"]').fill('tech-c');
    await page.locator('[data-submit="deliveries"]').click();
    await expect
      .poll(() => page.locator('tr[data-state]').evaluateAll((els) => els.map((e) => e.dataset.state)))
      .toEqual(['failed']);
    expect(await page.locator('tr[data-state="failed"] .badge').textContent()).toBe('failed');
    await page.locator('[data-form="deliveries"] input[name="recipient"]').fill('');
    await page.locator('[data-submit="deliveries"]').click();
    await expect.poll(() => page.locator('tr[data-state]').count()).toBe(3);
    await page.screenshot({ path: `${SHOTS}/deliveries-en.png`, fullPage: true });
    expect(unexpected(errors)).toEqual([]);
    await page.close();

    const phone = await openLoginPage(browser, url, { viewport: { width: 390, height: 844 }, lang: 'zh-CN' });
    phone.page.setDefaultTimeout(5_000);
    await logIn(phone.page, s.desk);
    for (const [route, name, ready] of [
      ['#/people/profile', 'phone-profile-zh', '[data-form="profile"]'],
      ['#/people/deliveries', 'phone-deliveries-zh', 'tr[data-state="failed"]'],
    ] as const) {
      await phone.page.goto(`${url}${route}`);
      await phone.page.locator(ready).waitFor();
      expect(await wide(phone.page), name).toEqual([]);
      await phone.page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
    await phone.page.locator('#lang').selectOption('en');
    await phone.page.goto(`${url}#/people/deliveries`);
    await phone.page.locator('tr[data-state="failed"]').waitFor();
    expect(await wide(phone.page)).toEqual([]);
    await phone.page.screenshot({ path: `${SHOTS}/phone-deliveries-en.png`, fullPage: true });
    expect(unexpected(phone.errors)).toEqual([]);
    await phone.page.close();
  });

  it("an admin sets another user's profile from Users' profiles; audited as the admin", async () => {
    const { page, errors } = await openLoginPage(browser, url, { lang: 'en' });
    page.setDefaultTimeout(5_000);
    await logIn(page, s.admin);
    await page.goto(`${url}#/people/users`);
    await page.locator('#pp-user').waitFor();
    expect(
      await page
        .locator('[data-view-id="people"] [data-tab]')
        .evaluateAll((els) => els.map((e) => e.dataset.tab)),
    ).toEqual(['profile', 'deliveries', 'users', 'oncall']);
    const techB = hub.auth.users.findByName('tech-b')!;
    await page.locator('#pp-user').selectOption(String(techB.id));
    await expect.poll(() => page.evaluate('location.hash')).toBe(`#/people/users/${techB.id}`);
    await page.locator('[data-form="profile"]').waitFor();
    expect(await page.locator('[data-form="profile"] h2').first().textContent()).toBe(
      'How the hub reaches tech-b (tech-b)',
    );
    expect(await page.locator('#pp-wecomId').inputValue()).toBe('TechB');
    await page.locator('#pp-mobile').fill('+8613700000002');
    await page.locator('[data-submit="profile"]').click();
    await page.locator('[data-result="ok"]').waitFor();
    expect(hub.people.profile('tech-b')?.contacts).toEqual({ wecomId: 'TechB', mobile: '+8613700000002' });
    expect(hub.audit.query({ action: 'profile.update', limit: 1 })[0]).toMatchObject({
      actor: 'root-2',
      target: 'user:tech-b',
      detail: 'changed: contacts.mobile',
    });
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({ path: `${SHOTS}/users-en.png`, fullPage: true });
    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('[data-tab="users"]').filter({ hasText: '人员资料' }).waitFor();
    expect(await page.locator('[data-result="ok"]').textContent()).toBe('已保存。');
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({ path: `${SHOTS}/users-zh.png`, fullPage: true });
    expect(unexpected(errors)).toEqual([]);
    await page.close();
  });
});
