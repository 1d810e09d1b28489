import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import type { Role } from '../platform/security/roles.js';
import { launchBrowser, logIn, openLoginPage, screenshot, unexpected } from './browser-harness.js';
import { login, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

/**
 * Maintenance for people in a real browser: the service KPIs per technician (both languages, a phone), the
 * QR label sheet of a zone (its print layout on A4 rendered to PNG), and a label "scanned": its QR decoded
 * back to the URL, opened on a 390 px phone without a session, the login, the fault report for that asset,
 * and the ticket for it in the hub.
 */

const MIN = 60_000;
const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/shots-kpi';

function siteYaml(dataDir: string): string {
  return `
site: { id: k1, name: KPI site, timezone: Asia/Shanghai }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  logLevel: silent
  auth: { loginAttemptsPerMinute: 100 }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: embedded }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
  - { id: b2, name: 食堂, kind: building }
devices:
  - { id: gw, protocol: mqtt }
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1-f1, device: gw, points: [{ name: t, unit: degC }] }
  - { id: chiller-1, name: Chiller 1, kind: chiller, zone: b1, device: gw, points: [{ name: t, unit: degC }] }
  - { id: pump-2, name: 冷冻水泵 2, kind: pump, zone: b1, device: gw, points: [{ name: t, unit: degC }] }
  - { id: fridge-1, name: Cold room, kind: generic, zone: b2, device: gw, points: [{ name: t, unit: degC }] }
maintenance:
  requireApproval: false
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b], skills: [ahu, chiller], zones: [b1] }
`;
}

/** The QR modules drawn in an SVG from the qrcode package: the dark path's "M x y h n" runs. */
function svgModules(svg: string): Set<string> {
  const dark = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const out = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of dark.matchAll(/([Mmhv])(-?\d+(?:\.\d+)?)(?:\s(-?\d+(?:\.\d+)?))?/g)) {
    const n = Number(a);
    if (cmd === 'M') [x, y] = [n, Number(b)];
    else if (cmd === 'm') [x, y] = [x + n, y + Number(b)];
    else if (cmd === 'h') {
      for (let i = 0; i < n; i++) out.add(`${x + i},${Math.floor(y)}`);
      x += n;
    } else if (cmd === 'v') y += n;
  }
  return out;
}

/** Read the QR's URL back: the one candidate whose QR matrix is exactly the modules drawn on the label. */
function decodeLabel(svg: string, candidate: string): boolean {
  const drawn = svgModules(svg);
  const qr = QRCode.create(candidate, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const margin = 2;
  const want = new Set<string>();
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) if (qr.modules.get(r, c)) want.add(`${c + margin},${r + margin}`);
  return drawn.size === want.size && [...want].every((k) => drawn.has(k));
}

describe('KPIs, QR labels and the phone report from a label, in Chromium', () => {
  let browser: Browser;
  let hub: Hub;
  let url: string;
  const s = {} as Record<'boss' | 'req' | 'techA' | 'techB' | 'desk', TestSession>;
  const pages: { page: Page; errors: string[] }[] = [];

  const person = async (username: string, displayName: string, roles: Role[]) => {
    const password = `pw-${roles[0]}-0123456789-secret-kpi`;
    await hub.auth.createUser(SYSTEM, { username, displayName, roles, password });
    return login(hub, username, password);
  };
  const call = async (who: TestSession, method: 'GET' | 'POST', path: string, payload?: object) => {
    const res = await hub.http.inject({ method, url: `/api/v1${path}`, headers: who.headers, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  /** A finished ticket whose times are moved back (minutes after its report) for a realistic month. */
  async function history(
    tech: TestSession,
    m: { ago: number; accept: number; resolve: number; rating?: number },
  ) {
    const { ticket } = await call(s.req, 'POST', '/tickets', {
      title: 'Noise',
      description: 'rattling',
      assetId: 'ahu-1',
    });
    await call(s.desk, 'POST', `/tickets/${ticket.id}/dispatch`, { assignee: tech.username });
    await call(tech, 'POST', `/tickets/${ticket.id}/accept`, { etaMinutes: 10 });
    await call(tech, 'POST', `/tickets/${ticket.id}/start`, {});
    await call(tech, 'POST', `/tickets/${ticket.id}/resolve`, { resolution: 'fixed' });
    if (m.rating) await call(s.req, 'POST', `/tickets/${ticket.id}/rate`, { rating: m.rating });
    const created = Date.now() - m.ago * 24 * 60 * MIN;
    hub.db
      .prepare(
        `UPDATE tickets SET created_at = ?, dispatched_at = ?, accepted_at = ?, resolved_at = ? WHERE id = ?`,
      )
      .run(created, created + 5 * MIN, created + m.accept * MIN, created + m.resolve * MIN, ticket.id);
    return created;
  }
  /** The site's date (Asia/Shanghai) of a moment. */
  const siteDay = (ms: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(ms);
  let threeDaysAgo = 0;

  async function open(
    who: TestSession | null,
    opts: { phone?: boolean; lang?: 'en' | 'zh-CN'; at?: string },
  ) {
    const opened = await openLoginPage(browser, opts.at ?? url, {
      viewport: opts.phone ? PHONE : undefined,
      lang: opts.lang ?? 'en',
    });
    opened.page.setDefaultTimeout(8_000);
    if (who) await logIn(opened.page, who);
    pages.push(opened);
    return opened;
  }

  /** A logged-in page per person and screen, kept across the tests (a login each is slow), in this language. */
  const kept = new Map<string, { page: Page; errors: string[] }>();
  async function as(who: TestSession, opts: { phone?: boolean; lang: 'en' | 'zh-CN' }) {
    const key = `${who.username}|${!!opts.phone}`;
    const found = kept.get(key);
    if (!found) {
      const opened = await open(who, opts);
      kept.set(key, opened);
      return opened;
    }
    await found.page.locator('#lang').selectOption(opts.lang);
    return found;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(tempDataDir()), 'kpi-browser.yaml')));
    url = (await hub.start()).replace(/\/$/, '');
    s.boss = await person('boss', '张主管', ['supervisor']);
    s.req = await person('req-1', 'Chen Jing', ['requester']);
    s.desk = await person('desk', 'Service desk', ['dispatcher']);
    s.techA = await person('tech-a', '李伟', ['technician']);
    s.techB = await person('tech-b', 'Wang Fang', ['technician']);
    threeDaysAgo = await history(s.techA, { ago: 3, accept: 20, resolve: 95, rating: 5 });
    await history(s.techA, { ago: 10, accept: 35, resolve: 300, rating: 4 });
    await history(s.techB, { ago: 2, accept: 125, resolve: 3000, rating: 2 });
    await history(s.techB, { ago: 50, accept: 10, resolve: 60, rating: 5 }); // outside the last 30 days
  }, 60_000);

  afterAll(async () => {
    for (const p of pages) await p.page.close().catch(() => undefined);
    await hub?.stop();
    await browser?.close();
  });

  it('the KPI view: a row per technician with their numbers, the period picker, both languages, a phone', async () => {
    const { page, errors } = await as(s.boss, { lang: 'en' });
    await page.locator('[data-nav="tickets"]').click();
    await page.locator('[data-kpis]').click();
    await page.locator('[data-kpi-table="technician"]').waitFor();
    expect(page.url()).toContain('#/tickets/kpis');
    const cells = async (key: string) =>
      page
        .locator(`tbody tr[data-kpi="${key}"] > *`)
        .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
    // last 30 days: tech-a two tickets (accept 15 and 30 min after dispatch), tech-b one
    expect(await cells('tech-a')).toEqual([
      '李伟 tech-a',
      '2',
      '2',
      '23 min',
      '3.3 h',
      '100%',
      '★ 4.5 (2)',
      '100%',
    ]);
    expect((await cells('tech-b')).slice(0, 4)).toEqual(['Wang Fang tech-b', '1', '1', '2 h']);
    expect(await page.locator('tfoot tr > *').first().textContent()).toBe('All tickets');
    await screenshot(page, 'kpi-en');
    await page.screenshot({ path: `${SHOTS}/kpis-en.png`, fullPage: true });

    // the last 90 days take in tech-b's older ticket
    await page.locator('select[name="period"]').selectOption('90');
    await page.locator('tbody tr[data-kpi="tech-b"] [data-col="tickets"]', { hasText: /^2$/ }).waitFor();
    expect(page.url()).toContain('days=90');
    // a custom period with nothing in it
    await page.locator('select[name="period"]').selectOption('custom');
    await page.locator('input[name="from"]').fill('2020-01-01');
    await page.locator('input[name="to"]').fill('2020-01-31');
    await page.locator('.placeholder').waitFor();
    expect(page.url()).toContain('from=2020-01-01');
    // one day in the site's time zone: only tech-a's ticket of three days ago
    const day = siteDay(threeDaysAgo);
    await page.locator('input[name="from"]').fill(day);
    await page.locator('input[name="to"]').fill(day);
    await page.locator('tfoot [data-col="tickets"]', { hasText: /^1$/ }).waitFor();
    expect(
      await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kpi'))),
    ).toEqual(['tech-a']);
    // an end before the start says so
    await page.locator('input[name="from"]').fill('2030-02-01');
    await page.locator('.tk-kpis [role="alert"]').waitFor();
    await page.locator('select[name="period"]').selectOption('30');

    // the period's tickets as CSV, with the session's cookie
    const href = await page.locator('[data-csv="tickets.csv"]').getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/tickets\/export\.csv\?from=\d+&to=\d+$/);
    const csv = await page.evaluate(async (h) => (await fetch(h!)).text(), href);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(4); // header + 3 tickets

    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('th', { hasText: '接单用时' }).waitFor();
    expect(await cells('tech-a')).toEqual([
      '李伟 tech-a',
      '2',
      '2',
      '23 分钟',
      '3.3 小时',
      '100%',
      '★ 4.5 (2)',
      '100%',
    ]);
    expect(await page.locator('h2').first().textContent()).toBe('服务绩效');
    await page.screenshot({ path: `${SHOTS}/kpis-zh.png`, fullPage: true });
    expect(unexpected(errors)).toEqual([]);

    // a phone: the table scrolls sideways inside its panel, the page does not
    const phone = await as(s.boss, { phone: true, lang: 'zh-CN' });
    await phone.page.goto(`${url}/#/tickets/kpis`);
    await phone.page.locator('[data-kpi-table]').waitFor();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      390,
    );
    await phone.page.screenshot({ path: `${SHOTS}/kpis-zh-390.png`, fullPage: true });
    // a technician is told it is not for them
    const tech = await open(s.techA, { lang: 'en' });
    await tech.page.goto(`${url}/#/tickets/kpis`);
    await tech.page.locator('.tk-kpis [role="alert"]').waitFor();
    expect(await tech.page.locator('[data-kpis]').count()).toBe(0);
  });

  let labelUrl = '';
  let labelSvg = '';

  it('the label sheet of a zone: a label per asset below it, each QR decoding to its report URL; prints on A4', async () => {
    const { page, errors } = await as(s.boss, { lang: 'en' });
    await page.goto(`${url}/#/tickets`);
    await page.locator('[data-labels]').click();
    await page.locator('select[name="zone"]').selectOption('b1');
    expect(page.url()).toContain('#/assets/labels?zone=b1');
    // Building 1 and its Floor 1: not the canteen's cold room (the whole site's sheet stays up until the
    // zone's answer replaces it, so wait for that)
    const ids = () =>
      page.locator('.asset-label').evaluateAll((els) => els.map((e) => e.getAttribute('data-asset')));
    await expect.poll(ids, { timeout: 10_000 }).toEqual(['chiller-1', 'pump-2', 'ahu-1']);
    const label = page.locator('.asset-label[data-asset="ahu-1"]');
    expect(await label.locator('.asset-label-name').textContent()).toBe('AHU 1');
    expect(await label.locator('.asset-label-zone').textContent()).toBe('Building 1 / Floor 1');
    expect(await label.locator('.asset-label-scan').textContent()).toBe('Scan to report a fault');
    // no visitors.publicUrl: the labels say they point where this browser reached the hub
    await page.locator('[data-base-warning]').waitFor();

    // "scan" it: the SVG drawn is exactly the QR of this URL, and of no other asset's
    const src = (await label.locator('img').getAttribute('src'))!;
    labelSvg = decodeURIComponent(src.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));
    labelUrl = (await label.locator('img').getAttribute('data-url'))!;
    expect(labelUrl).toBe(`${url}/#/report?asset=ahu-1`);
    expect(decodeLabel(labelSvg, labelUrl)).toBe(true);
    expect(decodeLabel(labelSvg, `${url}/#/report?asset=chiller-1`)).toBe(false);
    // the image really shows (decoded by the browser at its size)
    expect(
      await label.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/labels-en.png`, fullPage: true });

    // the print layout: the sheet alone, 3 labels a row on A4
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.locator('.labels-toolbar').isVisible()).toBe(false);
    const pdf = `${SHOTS}/labels-print.pdf`;
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    execFileSync('pdftoppm', ['-png', '-r', '70', pdf, `${SHOTS}/labels-print`]);
    expect(readdirSync(SHOTS).some((f) => /^labels-print-1\.png$/.test(f))).toBe(true);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    expect(text).toContain('AHU 1');
    expect(text).toContain('Building 1 / Floor 1');
    expect(text).not.toContain('Asset QR labels');
    expect(text).not.toContain('API docs');
    await page.emulateMedia({ media: 'screen' });

    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('.asset-label-scan', { hasText: '扫码报修' }).first().waitFor();
    await page.locator('select[name="zone"]').selectOption('');
    await page.locator('.asset-label[data-asset="fridge-1"]').waitFor();
    expect(await page.locator('.asset-label[data-asset="fridge-1"] .asset-label-zone').textContent()).toBe(
      '食堂',
    );
    await page.screenshot({ path: `${SHOTS}/labels-zh.png`, fullPage: true });
    expect(unexpected(errors)).toEqual([]);

    const phone = await as(s.boss, { phone: true, lang: 'zh-CN' });
    await phone.page.goto(`${url}/#/assets/labels?zone=b1`);
    await phone.page.locator('.asset-label').first().waitFor();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      390,
    );
    await phone.page.screenshot({ path: `${SHOTS}/labels-zh-390.png`, fullPage: true });
  });

  it('the scanned label on a 390 px phone: log in, report the fault for that asset, the ticket exists (both languages)', async () => {
    expect(labelUrl).toBe(`${url}/#/report?asset=ahu-1`);
    for (const [lang, asset, title] of [
      ['zh-CN', 'ahu-1', '风机异响'],
      ['en', 'chiller-1', 'Chiller tripped'],
    ] as const) {
      const at = lang === 'zh-CN' ? labelUrl : `${url}/#/report?asset=${asset}`;
      // the phone opens what the QR says, with no session: the login comes first
      const { page, errors } = await open(null, { phone: true, lang, at });
      await page.screenshot({ path: `${SHOTS}/report-login-${lang}-390.png` });
      await logIn(page, s.req);
      // back where the label pointed, the asset already chosen
      await page.locator('form[data-form="report"]').waitFor();
      expect(page.url()).toBe(at);
      expect(await page.locator('#tk-r-asset').inputValue()).toBe(asset);
      await page.locator('#tk-r-title').fill(title);
      await page
        .locator('#tk-r-description')
        .fill(lang === 'en' ? 'Tripped on high pressure' : '启动时有明显异响');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `${SHOTS}/report-form-${lang}-390.png`, fullPage: true });
      await page.locator('[data-submit="report"]').click();
      await page.waitForURL(/#\/tickets\/\d+$/);
      const id = Number(/#\/tickets\/(\d+)$/.exec(page.url())![1]);
      const { ticket } = await call(s.boss, 'GET', `/tickets/${id}`);
      expect(ticket).toMatchObject({ assetId: asset, requester: 'req-1', title, state: 'approved' });
      await page.screenshot({ path: `${SHOTS}/report-done-${lang}-390.png`, fullPage: true });
      expect(unexpected(errors)).toEqual([]);
    }
  });

  it('CSV buttons: the alerts console (with its filters) and the tickets board, for those who may export', async () => {
    const { page, errors } = await as(s.boss, { lang: 'zh-CN' });
    await page.goto(`${url}/#/alerts`);
    const link = page.locator('[data-csv="alerts.csv"]');
    await link.waitFor();
    expect(await link.textContent()).toContain('下载 CSV');
    expect(await link.getAttribute('href')).toBe('/api/v1/alerts/export.csv');
    await page.locator('#alerts-severity').selectOption('high');
    await page.locator('[data-csv="alerts.csv"][href="/api/v1/alerts/export.csv?severity=high"]').waitFor();
    const got = await page.evaluate(async () => {
      const r = await fetch('/api/v1/alerts/export.csv?severity=high');
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    });
    expect(got).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    expect(got.text.startsWith('alert_id,rule_id,')).toBe(true);
    await page.screenshot({ path: `${SHOTS}/alerts-csv-zh.png` });
    await page.goto(`${url}/#/tickets`);
    expect(await page.locator('[data-csv="tickets.csv"]').getAttribute('href')).toBe(
      '/api/v1/tickets/export.csv?open=true',
    );
    await page.screenshot({ path: `${SHOTS}/board-zh.png` });
    expect(unexpected(errors)).toEqual([]);
    // a requester has neither
    const req = await open(s.req, { lang: 'en' });
    await req.page.goto(`${url}/#/tickets`);
    await req.page.locator('[data-report]').waitFor();
    expect(await req.page.locator('[data-csv], [data-kpis], [data-labels]').count()).toBe(0);
    await req.page.goto(`${url}/#/alerts`);
    await req.page.locator('.alerts-toolbar').waitFor();
    expect(await req.page.locator('[data-csv]').count()).toBe(0);
  });
});
