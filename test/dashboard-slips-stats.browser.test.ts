import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../core/time/zoned-time.js';
import { qrModules } from '../domains/visitors/slip-pdf.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { launchBrowser, logIn, openLoginPage, unexpected } from './browser-harness.js';
import { sessionAs, type TestSession, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { clearOfSiteMidnight } from './site-day.js';
import { gateSiteYaml, NORTH_SOUTH } from './site-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SHOTS = '/tmp/shots-slips';

function siteYaml(port: number): string {
  return `${gateSiteYaml({
    id: 'sb1',
    name: 'Reception site',
    mqttPort: port,
    gates: NORTH_SOUTH,
    visitors: '  requireHostApproval: true',
  })}maintenance:
  departments:
    - { id: ops, name: Operations 运营部, members: [alice], approvers: [alice] }
`;
}

/** The QR drawn by the print view, read back from its SVG path (`M<x> <y>h1v1h-1z` per dark module). */
function matrixOfPath(d: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const m of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) grid[Number(m[2]) - 4]![Number(m[1]) - 4] = true;
  return grid;
}

/**
 * Reception prints a slip from today's list (the print view, then the browser's own PDF of it: one A6 page),
 * and security reads the entry statistics and the desk's today list, in English, in Chinese and on a phone.
 */
await clearOfSiteMidnight('Asia/Shanghai'); // the passage and the statistics on the same site day

describe('dashboard: the pass slip print view and the entry statistics', () => {
  let hub: Hub;
  let url: string;
  let browser: Browser;
  let alice: TestSession;
  let desk: TestSession;
  let page: Page;
  let errors: string[];
  let slipPass = 0;
  let waiting = 0;
  let qr = '';

  const shot = async (p: Page, name: string) => {
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const go = async (p: Page, hash: string, ready: string) => {
    await p.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await p.locator(ready).first().waitFor({ timeout: 10_000 });
  };

  beforeAll(async () => {
    const port = await freePort();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(port), 'slips-browser.yaml')));
    url = await hub.start();
    alice = await sessionAs(hub, ['requester'], 'alice');
    hub.auth.users.update(hub.auth.users.findByName('alice')!.id, { displayName: 'Alice Wang 王丽' });
    desk = await sessionAs(hub, ['security'], 'desk');
    const register = async (name: string) => {
      const res = await hub.http.inject({
        method: 'POST',
        url: '/api/v1/visitors',
        headers: alice.headers,
        payload: {
          name,
          phone: '13812345678',
          company: '东方建设',
          host: 'alice',
          purpose: 'Meeting',
          validFrom: Date.now() - HOUR,
          validUntil: Date.now() + 4 * HOUR,
          maxEntries: 3,
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().pass.id as number;
    };
    slipPass = await register('张三丰');
    const approved = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/passes/${slipPass}/approve`,
      headers: desk.headers,
      payload: {},
    });
    expect(approved.statusCode, approved.body).toBe(200);
    qr = approved.json().qr;
    waiting = await register('Waiting Visitor');
    // the visitor came in through the north gate half an hour ago, or, just after the site's midnight,
    // half-way through its day so far: the statistics count the site's today
    const now = Date.now();
    const cameIn = Math.max(now - 30 * MIN, (intervalStart(now, '1d', 'Asia/Shanghai') + now) / 2);
    hub.visitors.gates.passage(
      hub.visitors.gates.gates.get('gate-north')!,
      { direction: 'in', passId: slipPass },
      cameIn,
      false,
    );
    browser = await launchBrowser();
    ({ page, errors } = await openLoginPage(browser, url, { lang: 'en' }));
    await logIn(page, desk);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await hub?.stop();
  });

  it('en: "Print slip" in today\'s list opens the slip: masked name, host, the QR of the issued code', async () => {
    await go(page, '#/visitors', `[data-section="today"] [data-pass-id="${slipPass}"]`);
    const row = page.locator(`[data-section="today"] [data-pass-id="${slipPass}"]`);
    await shot(page, 'visitors-today-en');
    await row.locator('[data-action="print-slip"]').click();
    await page.locator(`[data-slip-pass="${slipPass}"]`).waitFor();
    expect(await page.evaluate('location.hash')).toBe(`#/visitors/passes/${slipPass}/slip`);
    const slip = page.locator('.pass-slip');
    const text = (await slip.textContent()) ?? '';
    expect(text).toContain('Visitor pass');
    expect(text).toContain('张**');
    expect(text).not.toContain('三丰');
    expect(text).toContain('Alice Wang 王丽');
    expect(text).toContain('东方建设');
    expect(text).toContain(`Pass no. ${slipPass}`);
    expect(text).toContain('3 (1 used)');
    expect(await slip.locator('svg.slip-qr').getAttribute('data-qr')).toBe(qr);
    const expected = qrModules(qr);
    const drawn = matrixOfPath(
      (await slip.locator('svg.slip-qr path').getAttribute('d')) ?? '',
      expected.size,
    );
    expect(drawn.flatMap((r, i) => r.filter((dark, j) => dark !== expected.dark(i, j)))).toEqual([]);
    expect(await page.locator('[data-action="slip-pdf"]').getAttribute('href')).toBe(
      `/api/v1/passes/${slipPass}/slip.pdf?lang=en`,
    );
    await shot(page, 'slip-view-en');
  });

  it('printed, the slip is one A6 page without the dashboard around it', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.slip-actions').isVisible()).toBe(false);
    expect(await page.locator('.pass-slip').isVisible()).toBe(true);
    await shot(page, 'slip-view-print-en');
    // Chromium's own print of the page (as emulated: print media)
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: null });
    const dir = mkdtempSync(join(tmpdir(), 'slip-print-'));
    writeFileSync(join(dir, 'p.pdf'), pdf);
    const info = execFileSync('pdfinfo', [join(dir, 'p.pdf')], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+1\n/);
    const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info) ?? [];
    // A6: 105 × 148 mm = 297.6 × 419.5 pt
    expect(Math.abs(Number(w) - 297.6)).toBeLessThan(1.5);
    expect(Math.abs(Number(h) - 419.5)).toBeLessThan(1.5);
    const printed = execFileSync('pdftotext', [join(dir, 'p.pdf'), '-'], { encoding: 'utf8' });
    expect(printed).toContain('张**');
    expect(printed).not.toContain('Reception site\nVisitors'); // no nav
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '110',
      '-singlefile',
      join(dir, 'p.pdf'),
      join(SHOTS, 'slip-browser-print-en'),
    ]);
  });

  it('en: the statistics tab: totals, tables with CSV, and the desk list of today', async () => {
    await page.locator('[data-action="back"]').click();
    await page.locator('[data-tab="stats"]').click();
    await page.locator('[data-view-id="visitors-stats"] [data-stats-totals]').waitFor();
    expect(await page.evaluate('location.hash')).toBe('#/visitors/stats');
    const tile = (name: string) => page.locator(`[data-tile="${name}"] .tile-value b`).textContent();
    expect(await tile('visits')).toBe('1');
    expect(await tile('entries')).toBe('1');
    expect(await tile('exits')).toBe('0');
    const cell = (table: string, row: string, col: string) =>
      page.locator(`[data-section="stats-${table}"] [data-row="${row}"] [data-col="${col}"]`).textContent();
    expect(await cell('gate', 'gate-north', 'entries')).toBe('1');
    expect(await cell('gate', 'gate-south', 'entries')).toBe('0');
    expect(await cell('department', 'ops', 'visits')).toBe('1');
    expect(await page.locator('[data-section="stats-denied"]').textContent()).toContain(
      'No scans were denied',
    );
    const desk = page.locator('[data-section="desk-today"]');
    expect(await desk.locator(`[data-pass-id="${slipPass}"]`).getAttribute('data-status')).toBe('inside');
    expect(await desk.locator(`[data-pass-id="${waiting}"]`).getAttribute('data-status')).toBe('awaiting');
    expect(await desk.locator(`[data-pass-id="${waiting}"]`).textContent()).toContain('Awaiting approval');
    // the CSV link downloads the same table with the session
    const href = (await page.locator('[data-csv="gate"]').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/api\/v1\/visitors\/stats\.csv\?from=\d+&to=\d+&by=gate$/);
    const csv = await page.evaluate<string>(`fetch(${JSON.stringify(href)}).then((r) => r.text())`);
    expect(csv).toContain('gate,name,visits,entries,exits\r\ngate-north,North gate,1,1,0\r\n');
    await page.locator('[data-preset="7"]').click();
    await page.locator('[data-section="stats-day"] tbody tr').nth(6).waitFor();
    expect(await page.locator('[data-section="stats-day"] tbody tr').count()).toBe(7);
    await shot(page, 'stats-en');
    expect(unexpected(errors)).toEqual([]);
  });

  it('zh-CN: the statistics and the slip in Chinese', async () => {
    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('[data-view-id="visitors-stats"] .view-title:text("出入统计")').waitFor();
    expect(await page.locator('[data-tab="stats"]').textContent()).toBe('统计');
    expect(await page.locator('[data-section="stats-hour"] h2').textContent()).toBe('按时段（小时）');
    const desk = page.locator('[data-section="desk-today"]');
    expect(await desk.locator(`[data-pass-id="${slipPass}"]`).textContent()).toContain('在场');
    expect(await desk.locator(`[data-pass-id="${waiting}"]`).textContent()).toContain('待审批');
    await shot(page, 'stats-zh-CN');
    await go(page, `#/visitors/passes/${slipPass}/slip`, `[data-slip-pass="${slipPass}"]`);
    const text = (await page.locator('.pass-slip').textContent()) ?? '';
    expect(text).toContain('访客出入凭证');
    expect(text).toContain(`凭证编号 ${slipPass}`);
    expect(text).toContain('3 次（已用 1 次）');
    expect(await page.locator('[data-action="print-slip"]').textContent()).toBe('打印凭证');
    expect(await page.locator('[data-action="slip-pdf"]').getAttribute('href')).toContain('lang=zh-CN');
    await shot(page, 'slip-view-zh-CN');
    await page.locator('#lang').selectOption('en');
    expect(unexpected(errors)).toEqual([]);
  });

  it('a slip for a pass still waiting says why there is none (409)', async () => {
    await go(page, `#/visitors/passes/${waiting}/slip`, '[data-view-id="visitors-slip"] [role="alert"]');
    expect(await page.locator('[data-view-id="visitors-slip"]').textContent()).toContain(
      'only an approved pass has a slip',
    );
    expect(await page.locator('.pass-slip').count()).toBe(0);
  });

  for (const lang of ['en', 'zh-CN'] as const)
    it(`390 px phone (${lang}): statistics and slip fit the width`, async () => {
      const { page: p, errors: e } = await openLoginPage(browser, url, {
        lang,
        viewport: { width: 390, height: 844 },
      });
      try {
        await logIn(p, desk);
        await p.locator('#lang').selectOption(lang);
        await go(p, '#/visitors/stats', '[data-stats-totals]');
        await p.locator('[data-section="desk-today"] tbody tr').first().waitFor();
        const overflow = () => p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(await overflow()).toBeLessThanOrEqual(0);
        await shot(p, `stats-390-${lang}`);
        await go(p, `#/visitors/passes/${slipPass}/slip`, `[data-slip-pass="${slipPass}"]`);
        expect(await overflow()).toBeLessThanOrEqual(0);
        await shot(p, `slip-390-${lang}`);
        expect(unexpected(e).filter((x) => !x.includes('409'))).toEqual([]);
      } finally {
        await p.close();
      }
    });
});
