import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser-harness.js';
import { waitFor } from './hub-harness.js';
import { kioskHub, mailText } from './kiosk-fixture.js';
import { subjectOf } from './smtp-test-server.js';

/**
 * The kiosk flow in Chromium, in both languages, at a phone's width: a visitor registers on /visit (the host
 * found by name through the page's script, under the hub's CSP), the host opens the approval link from their
 * own e-mail (people routing, in their language) and approves, the visitor's e-mail carries the code and the link to their QR page, which shows it.
 */

const SHOTS = '/tmp/shots-kiosk';
const PHONE = { width: 390, height: 844 };

describe('the kiosk page in Chromium', () => {
  let k: Awaited<ReturnType<typeof kioskHub>>;
  let browser: Browser;
  const base = () => k.url.replace(/\/+$/, '');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    k = await kioskHub();
    // the hosts read their messages by e-mail, each in their language (people routing: pass.requested)
    for (const [username, name, language] of [
      ['zhangwei', '张伟', 'zh-CN'],
      ['alice', 'Alice Morgan', 'en'],
    ] as const) {
      const { user } = await k.user(username, name, ['requester']);
      k.hub.profiles.put(
        user.id,
        { language, contacts: { email: `${username}@example.com` }, channels: {} },
        'test',
        Date.now(),
      );
    }
    browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
  });

  /** A page in its own context with the browser's language; every script error and console error kept. */
  async function open(url: string, lang: 'en' | 'zh-CN', viewport = PHONE) {
    const context = await browser.newContext({ viewport, locale: lang });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    return { page, errors, close: () => context.close() };
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  for (const c of [
    {
      lang: 'zh-CN',
      name: '王芳',
      email: 'wang.fang@example.org',
      query: '张伟',
      host: '张伟',
      approve: '同意',
      done: '已请 张伟 审批',
      code: '通行码：',
    },
    {
      lang: 'en',
      name: 'Jane Doe',
      email: 'jane.doe@example.org',
      query: 'ali',
      host: 'Alice Morgan',
      approve: 'Approve',
      done: 'Alice Morgan has been asked',
      code: 'Pass code: ',
    },
  ] as const)
    it(`registers, is approved and gets the QR (${c.lang})`, async () => {
      // the visitor at the kiosk: the page in the browser's language, no ?lang
      const visitor = await open(`${base()}/visit`, c.lang);
      const { page } = visitor;
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(c.lang);
      await page.locator('#name').fill(c.name);
      await page.locator('#phone').fill('13912345678');
      await page.locator('#email').fill(c.email);
      await page.locator('#company').fill('Acme');
      await page.locator('#purpose').fill(c.lang === 'en' ? 'Interview' : '面试');
      // one character: the page asks for more and sends nothing
      await page.locator('#host-q').fill(c.query.slice(0, 1));
      await page.locator('#host-hint').filter({ hasText: /\d/ }).waitFor();
      await page.locator('#host-q').fill(c.query);
      const choice = page.locator('#host-results label', { hasText: c.host });
      await choice.waitFor();
      await shot(page, `kiosk-form-${c.lang}-390`);
      await choice.click();
      await page.locator('#submit').click();
      await page.locator('#status.ok').waitFor();
      await expect(page.locator('#status').textContent()).resolves.toContain(c.done);
      await shot(page, `kiosk-done-${c.lang}-390`);
      expect(visitor.errors).toEqual([]);
      await visitor.close();

      // the host's own message (e-mail, their language) carries the signed link; they open it and approve
      const pass = k.hub.visitors.passes.list(
        { limit: 1 },
        { username: 'x', permissions: new Set(['passes:manage']), via: 'system' },
      )[0]!;
      expect(pass).toMatchObject({ visitorName: c.name, createdBy: 'kiosk' });
      const hostMail = `${pass.host}@example.com`;
      await waitFor(() =>
        k.smtp.messages.some((m) => m.to.includes(hostMail) && subjectOf(m.raw).includes(c.name)),
      );
      const hostRaw = k.smtp.messages.find(
        (m) => m.to.includes(hostMail) && subjectOf(m.raw).includes(c.name),
      )!.raw;
      expect(subjectOf(hostRaw)).toContain(c.lang === 'en' ? 'approve or decline' : '请审批');
      const hostText = mailText(hostRaw);
      const approvalUrl = /http:\/\/127\.0\.0\.1:\d+\/api\/v1\/passes\/link\/\S+/.exec(hostText)![0];
      const host = await open(approvalUrl, c.lang);
      await shot(host.page, `approval-${c.lang}-390`);
      await host.page.getByRole('button', { name: c.approve }).click();
      const code = (await host.page.locator('.code').textContent())!;
      expect(code).toMatch(/^\d{8}$/);
      await shot(host.page, `approved-${c.lang}-390`);
      expect(host.errors).toEqual([]);
      await host.close();

      // the visitor's e-mail: the code and the QR link, in their language
      await waitFor(() => k.smtp.messages.some((m) => m.to.includes(c.email)));
      const text = mailText(k.smtp.messages.find((m) => m.to.includes(c.email))!.raw);
      expect(text).toContain(`${c.code}${code}`);
      const link = /http:\/\/127\.0\.0\.1:\d+\/v\/\S+/.exec(text)![0];
      const qr = await open(link, c.lang);
      await qr.page.locator('.qr svg').waitFor();
      await expect(qr.page.locator('#code').textContent()).resolves.toBe(code);
      const box = await qr.page.locator('.qr svg').boundingBox();
      expect(box!.width).toBeGreaterThan(200); // big enough to scan on a phone
      await shot(qr.page, `qr-${c.lang}-390`);
      expect(qr.errors).toEqual([]);
      await qr.close();
      // the contact went with the decision
      expect(k.hub.visitors.selfService.contacts.get(pass.id)).toBeUndefined();
    }, 40_000);

  it('switches language on the page and fits a desktop kiosk', async () => {
    const { page, errors, close } = await open(`${base()}/visit?lang=en`, 'zh-CN', {
      width: 1280,
      height: 900,
    });
    await expect(page.locator('h1').textContent()).resolves.toBe('Visitor registration');
    await page.getByRole('link', { name: '中文' }).click();
    // the link loads the page again: poll, the first read may still see the English page
    await expect.poll(() => page.locator('h1').textContent()).toBe('访客登记');
    await shot(page, 'kiosk-form-zh-CN-1280');
    // submitting without a host: the page says to pick one
    await page.locator('#submit').click();
    await expect(page.locator('#status.error').textContent()).resolves.toBe('请从列表中选择被访人。');
    expect(errors).toEqual([]);
    // the poster for reception, as printed
    await page.goto(`${base()}/visit/poster?lang=zh-CN`);
    await page.emulateMedia({ media: 'print' });
    await page.locator('.qr svg').waitFor();
    await shot(page, 'poster-zh-CN-print');
    expect(errors).toEqual([]);
    await close();
  });
});
