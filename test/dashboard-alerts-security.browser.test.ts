import { copyFileSync, mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { connectDevice, sessionAs, type TestSession, testHubOptions, waitFor } from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * A gate's alarm in the alerts console: the gate controller reports its door forced; an engineer sees it
 * marked as security's, may acknowledge it but gets no Shelve button (their room alert keeps one); security
 * staff shelve and unshelve it from the console. Screenshots in English and Chinese.
 */

const SHOTS = '/tmp/shots-alerts';

const site = (mqttPort: number) =>
  parseSiteText(
    `${testSiteYaml({ mqttPort })}
rules:
  - { id: room-hot, name: Room too hot, severity: high, target: { point: room-1/temp_c }, condition: { type: threshold, high: 30 } }
`,
    'alerts-security-browser-site.yaml',
  );

/** A screenshot under test-results/screenshots, copied to /tmp/shots-alerts for review. */
async function shot(page: Page, name: string) {
  const path = await screenshot(page, name);
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(path, `${SHOTS}/${name}.png`);
}

describe('gate alarms in the alerts console', () => {
  let browser: Browser;
  let hub: Hub;
  let url: string;
  let gate: MqttClient;
  let env: MqttClient;
  let gateId: number;
  let roomId: number;

  const alertOf = (ruleId: string) => hub.alerts.list({ limit: 20 }).find((a) => a.ruleId === ruleId);
  const buttons = (page: Page, id: number) =>
    page
      .locator(`tr[data-alert-id="${id}"] [data-action]:not([data-action="select"])`)
      .evaluateAll((b) => b.map((x) => x.getAttribute('data-action')));

  beforeAll(async () => {
    const mqttPort = await freePort();
    hub = await buildHub(testHubOptions(site(mqttPort)));
    url = await hub.start();
    gate = await connectDevice(hub, mqttPort, 'gate-ctl');
    env = await connectDevice(hub, mqttPort, 'env-1');
    await gate.publishAsync('site/t1/gate-a/door', JSON.stringify({ event: 'forced' }));
    await env.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ ts: Date.now(), temp_c: 33 }));
    await waitFor(() => !!alertOf('system:gate-door-forced') && !!alertOf('room-hot'));
    gateId = alertOf('system:gate-door-forced')!.id;
    roomId = alertOf('room-hot')!.id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await gate?.endAsync();
    await env?.endAsync();
    await hub?.stop();
  });

  const open = async (user: TestSession, lang: 'en' | 'zh-CN' = 'en') => {
    const opened = await openLoginPage(browser, `${url}#/alerts/${gateId}`, { lang });
    await logIn(opened.page, user);
    await opened.page.locator(`tr[data-alert-id="${gateId}"]`).waitFor({ timeout: 5_000 });
    await opened.page.locator(`.alerts-detail[data-detail-id="${gateId}"] [data-history]`).waitFor();
    return opened;
  };

  it('an engineer sees the gate alarm as security’s: acknowledge, but no Shelve (the room alert keeps it)', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const { page, errors } = await open(engineer);
    try {
      expect(await buttons(page, gateId)).toEqual(['ack']);
      expect(await buttons(page, roomId)).toEqual(['ack', 'shelve']);
      expect(await page.locator(`tr[data-alert-id="${gateId}"] [data-security]`).textContent()).toBe(
        'Security',
      );
      expect(await page.locator(`tr[data-alert-id="${roomId}"] [data-security]`).count()).toBe(0);
      const detail = page.locator(`.alerts-detail[data-detail-id="${gateId}"]`);
      expect(await detail.locator('.alerts-security-hint').textContent()).toBe(
        'A gate alarm: only security staff shelve or suppress it.',
      );
      expect(await detail.locator('[data-action]:not([data-action="close-detail"])').count()).toBe(1);
      await page.mouse.move(0, 0);
      await shot(page, 'alerts-security-engineer-en');
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('security staff shelve and unshelve the gate alarm from the console; in Chinese too', async () => {
    const guard = await sessionAs(hub, ['security']);
    const { page, errors } = await open(guard, 'zh-CN');
    try {
      expect(await buttons(page, gateId)).toEqual(['ack', 'shelve']);
      // the room's alert is the engineers': security staff may only acknowledge it
      expect(await buttons(page, roomId)).toEqual(['ack']);
      expect(await page.locator(`tr[data-alert-id="${gateId}"] [data-security]`).textContent()).toBe('安防');
      expect(
        await page.locator(`.alerts-detail[data-detail-id="${gateId}"] .alerts-security-hint`).textContent(),
      ).toBe('门禁报警：仅安保人员可搁置或屏蔽。');
      await page.mouse.move(0, 0);
      await shot(page, 'alerts-security-guard-zh');

      const row = page.locator(`tr[data-alert-id="${gateId}"]`);
      await row.locator('[data-action="shelve"]').click();
      const form = page.locator(`form[data-form="shelve"][data-form-for="${gateId}"]`);
      await form.locator('select[name="minutes"]').selectOption('15');
      await form.locator('input[name="comment"]').fill('保安已到A门现场');
      await form.locator('[data-action="shelve-submit"]').click();
      await expect.poll(() => row.getAttribute('data-state')).toBe('shelved');
      expect(hub.alerts.get(gateId)).toMatchObject({ state: 'shelved', shelvedBy: guard.username });
      await page.mouse.move(0, 0);
      await shot(page, 'alerts-security-guard-shelved-zh');
      await row.locator('[data-action="unshelve"]').click();
      await expect.poll(() => row.getAttribute('data-state')).toBe('unacked');
      expect(unexpected(errors)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
