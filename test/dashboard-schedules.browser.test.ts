import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  launchBrowser,
  logIn,
  openLoginPage,
  SCREENSHOT_DIR,
  screenshot as shoot,
  unexpected,
} from './browser-harness.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';
import { clearOfSiteMidnight } from './site-day.js';

/**
 * The control view's schedules and holiday calendars in a real browser against a real hub: an engineer draws a
 * new schedule in the week grid, saves it, sees the dry run list tomorrow's writes (tomorrow is a make-up
 * working day in the site file's calendar, so it follows Monday), edits a period (the unsaved dry run follows,
 * the save lands in the API), gets the API's complaint beside the field it names, and marks a make-up workday
 * in a calendar of their own. The site file's schedule and calendar are read-only. Then the same in Chinese at
 * phone width, where the grid is a list per day.
 */

const TZ = 'Asia/Shanghai';
const PHONE = { width: 390, height: 844 };
const siteDate = (ms: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: TZ }).format(ms);
const addDays = (date: string, n: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
await clearOfSiteMidnight(TZ); // TODAY and TOMORROW hold for the whole file
const TODAY = siteDate(Date.now());
const TOMORROW = addDays(TODAY, 1);
/** A day of this month that is not tomorrow, for the calendar made in the test. */
const OWN_WORKDAY = TOMORROW.slice(8) === '15' ? `${TODAY.slice(0, 8)}16` : `${TODAY.slice(0, 8)}15`;

function siteYaml(dataDir: string): string {
  return `
site: { id: sched, name: Schedule site, timezone: ${TZ} }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  liveIntervalMs: 50
  logLevel: silent
  auth: { loginAttemptsPerMinute: 100 }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: embedded }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
  - { id: b1-f2, name: Floor 2, kind: floor, parent: b1 }
devices:
  - { id: gw, protocol: mqtt }
assets:
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: b1-f1
    device: gw
    points:
      - { name: run_cmd, label: Run command, type: boolean, kind: command }
      - { name: sat_setpoint, label: Supply air setpoint, unit: degC, kind: command, min: 12, max: 28 }
      - { name: zone_temp, label: Zone temperature, unit: degC }
  - id: ahu-2
    name: AHU 2
    kind: ahu
    zone: b1-f2
    device: gw
    points:
      - { name: run_cmd, label: Run command, type: boolean, kind: command }
      - { name: sat_setpoint, label: Supply air setpoint, unit: degC, kind: command, min: 12, max: 28 }
  - id: lights-1
    name: Lobby lights
    kind: lighting
    zone: b1-f1
    device: gw
    points:
      - { name: on_cmd, label: Lights on, type: boolean, kind: command }
control:
  calendars:
    - id: cn-h7
      name: 法定节假日
      holidays: ['${addDays(TODAY, 2)}']
      workdays: [{ date: '${TOMORROW}', as: mon }]
  schedules:
    - id: lobby-lights
      name: Lobby lights
      targets: { points: [lights-1/on_cmd] }
      calendar: cn-h7
      weekly:
        mon: [{ from: '07:00', to: '19:00', value: true }]
      outside: false
    - id: f1-warmup
      name: Floor 1 warm-up
      targets: { points: [ahu-1/sat_setpoint] }
      weekly:
        mon: [{ from: '08:00', to: '18:00', value: 18 }]
      optimumStart: { temperature: ahu-1/zone_temp, setpoint: 22, maxLeadMinutes: 90 }
`;
}

describe('the control view: week-grid schedules, dry run and holiday calendars', () => {
  let browser: Browser;
  let hub: Hub;
  let url: string;
  let eng: TestSession;
  const pages: { page: Page; errors: string[] }[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(tempDataDir()), 'schedules-browser.yaml')));
    url = await hub.start();
    eng = await sessionAs(hub, ['engineer'], 'eng-wu');
  }, 30_000);

  afterAll(async () => {
    for (const p of pages) await p.page.close().catch(() => undefined);
    await hub?.stop();
    await browser?.close();
  });

  async function open(who: TestSession, opts: { phone?: boolean; lang?: 'en' | 'zh-CN' } = {}) {
    const opened = await openLoginPage(browser, url, {
      viewport: opts.phone ? PHONE : undefined,
      lang: opts.lang ?? 'en',
    });
    opened.page.setDefaultTimeout(8_000);
    await logIn(opened.page, who);
    await opened.page.goto(`${url}#/control/schedules`);
    await opened.page.locator('[data-section="schedules"]').waitFor();
    pages.push(opened);
    return opened;
  }

  const get = async (path: string) => {
    const res = await hub.http.inject({ method: 'GET', url: `/api/v1${path}`, headers: eng.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  /** A full-page screenshot from the top (the sticky top bar stays where it belongs). */
  async function screenshot(p: Page, name: string) {
    await p.evaluate('scrollTo(0, 0)');
    return shoot(p, name);
  }
  const noHorizontalScroll = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

  /** Drag across a day's row of the grid from one time to another (hours, 0–24). */
  async function drag(page: Page, day: string, fromH: number, toH: number) {
    const box = (await page.locator(`[data-track="${day}"]`).boundingBox())!;
    const x = (h: number) => box.x + (box.width * h) / 24;
    const y = box.y + box.height / 2;
    await page.mouse.move(x(fromH) + 2, y);
    await page.mouse.down();
    await page.mouse.move(x(toH) - 2, y, { steps: 6 });
    await page.mouse.up();
  }

  const form = (page: Page) => page.locator('form[data-form="schedule"]');
  const dryWrites = (page: Page, point: string) =>
    form(page)
      .locator(`[data-dry-point="${point}"] [data-write]`)
      .evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-write')}=${e.getAttribute('data-value')}`),
      );

  let page: Page;
  let errors: string[];

  it('lists the site file’s schedule read-only, with its points, calendar and next change', async () => {
    ({ page, errors } = await open(eng));
    const row = page.locator('[data-schedule-row="lobby-lights"]');
    await row.waitFor();
    expect(await row.locator('[data-points]').getAttribute('data-points')).toBe('1');
    expect(await row.textContent()).toContain('法定节假日');
    await row.locator('[data-action="open-schedule"]').click();
    await form(page).locator('[data-note="site-file"]').waitFor();
    expect(await form(page).locator('input[name="name"]').isDisabled()).toBe(true);
    expect(await form(page).locator('[data-action="save-schedule"]').count()).toBe(0);
    expect(await form(page).locator('[data-period="mon.0"]').getAttribute('data-value')).toBe('true');
    // tomorrow follows Monday (a make-up working day in the calendar): lights on 07:00, off 19:00
    await expect.poll(() => dryWrites(page, 'lights-1/on_cmd')).toEqual(['07:00=true', '19:00=false']);
    expect(await form(page).locator('[data-day-type]').getAttribute('data-day-type')).toBe('workday');
    await screenshot(page, 'schedules-site-file');
    // optimum start: the warm-up schedule's row, not learned yet (no history), with the lead it would use
    const optimum = page.locator('[data-optimum="f1-warmup"]');
    expect(await optimum.textContent()).toContain('Floor 1 warm-up');
    expect(await optimum.locator('[data-learned]').getAttribute('data-learned')).toBe('false');
    await form(page).locator('[data-action="close-schedule"]').click();
  });

  it('creates a schedule in the grid, saves it, and the dry run lists tomorrow’s writes', async () => {
    await page.locator('[data-action="new-schedule"]').click();
    const f = form(page);
    await f.locator('input[name="name"]').fill('AHUs building 1');
    await f.locator('input[name="id"]').fill('ahus-b1');
    await f.locator('select[name="group-zone"]').selectOption('b1');
    await f.locator('select[name="group-kind"]').selectOption('ahu');
    await f.locator('select[name="group-point"]').selectOption('run_cmd');
    await f.getByRole('button', { name: 'Add group' }).click();
    await expect.poll(() => f.locator('[data-resolved]').getAttribute('data-resolved')).toBe('2');
    await f.locator('select[name="calendar"]').selectOption('cn-h7');

    await drag(page, 'mon', 8, 12);
    const block = f.locator('[data-period="mon.0"]');
    expect(await block.getAttribute('title')).toContain('08:00–12:00');
    expect(await block.getAttribute('data-value')).toBe('true');
    // the block is selected: its editor is open
    expect(await f.locator('#cs-period-from').inputValue()).toBe('08:00');
    expect(await f.locator('#cs-period-to').inputValue()).toBe('12:00');
    // the unsaved edit's dry run already shows tomorrow (a make-up day that follows Monday)
    await expect.poll(() => dryWrites(page, 'ahu-1/run_cmd')).toEqual(['08:00=true', '12:00=null']);
    await screenshot(page, 'schedules-new-grid');

    await f.locator('[data-action="save-schedule"]').click();
    await f.locator('[data-saved]').waitFor();
    const saved = await get('/control/schedules/ahus-b1');
    expect(saved.origin).toBe('api');
    expect(saved.points).toEqual(['ahu-1/run_cmd', 'ahu-2/run_cmd']);
    expect(saved.schedule).toMatchObject({
      id: 'ahus-b1',
      name: 'AHUs building 1',
      calendar: 'cn-h7',
      targets: { groups: [{ zone: 'b1', kind: 'ahu', point: 'run_cmd' }] },
      weekly: { mon: [{ from: '08:00', to: '12:00', value: true }] },
    });

    // saved: the list has it (API, 2 points), the dry run asks the saved schedule for tomorrow
    const row = page.locator('[data-schedule-row="ahus-b1"]');
    await row.waitFor();
    expect(await row.locator('[data-points]').getAttribute('data-points')).toBe('2');
    await expect.poll(() => form(page).locator('[data-part="dry-run"] h3').textContent()).toContain('saved');
    expect(await form(page).locator('[data-day-type]').getAttribute('data-day-type')).toBe('workday');
    for (const p of ['ahu-1/run_cmd', 'ahu-2/run_cmd'])
      await expect.poll(() => dryWrites(page, p)).toEqual(['08:00=true', '12:00=null']);
    const preview = await get(`/control/schedules/ahus-b1/preview?date=${TOMORROW}`);
    // the page shows what the API says
    type W = { time: string; value: unknown; dayStart?: true; dayType?: string };
    const apiWrites = (preview.points as { pointId: string; writes: W[] }[]).map((p) => [
      p.pointId,
      p.writes.filter((w) => !w.dayStart).map((w) => `${w.time}=${w.value}`),
    ]);
    expect(apiWrites).toEqual([
      ['ahu-1/run_cmd', ['08:00=true', '12:00=null']],
      ['ahu-2/run_cmd', ['08:00=true', '12:00=null']],
    ]);
    await screenshot(page, 'schedules-saved-dry-run');
  });

  it('edits a period: the dry run follows the unsaved edit, the API’s complaint shows beside its field', async () => {
    const f = form(page);
    await f.locator('[data-period="mon.0"]').click();
    await f.locator('#cs-period-to').selectOption('13:30');
    await expect.poll(() => dryWrites(page, 'ahu-1/run_cmd')).toEqual(['08:00=true', '13:30=null']);
    await f.locator('[data-dirty]').waitFor();

    // a period that ends before it starts: the API names weekly.mon.0.to, the page shows it at that field
    await f.locator('#cs-period-from').selectOption('14:00');
    await f.locator('[data-action="save-schedule"]').click();
    const complaint = f.locator('[data-editing="weekly.mon.0"] .cs-field-error');
    await complaint.waitFor();
    expect(await complaint.textContent()).toMatch(/after/);
    expect(await f.locator('[data-period="mon.0"]').getAttribute('class')).toContain('invalid');
    await screenshot(page, 'schedules-field-error');

    await f.locator('#cs-period-from').selectOption('07:30');
    await f.locator('[data-action="save-schedule"]').click();
    await f.locator('[data-saved]').waitFor();
    expect((await get('/control/schedules/ahus-b1')).schedule.weekly.mon).toEqual([
      { from: '07:30', to: '13:30', value: true },
    ]);
    await expect.poll(() => dryWrites(page, 'ahu-2/run_cmd')).toEqual(['07:30=true', '13:30=null']);
  });

  /** The control view's calendar tab. */
  async function toCalendar(p: Page) {
    await p.evaluate("location.hash = '#/control/calendar'");
    await p.locator('[data-section="calendars"]').waitFor();
  }

  it('shows the site file’s make-up workday, and marks one in a calendar made here', async () => {
    await toCalendar(page);
    const cal = page.locator('[data-section="calendars"]');
    await cal.locator('[data-calendar-tab="cn-h7"], [data-calendar="cn-h7"]').first().waitFor();
    if (TOMORROW.slice(0, 7) !== TODAY.slice(0, 7)) await cal.locator('[data-action="next-month"]').click();
    const tomorrow = cal.locator(`[data-calendar="cn-h7"] [data-date="${TOMORROW}"]`);
    expect(await tomorrow.getAttribute('data-kind')).toBe('workday');
    expect(await tomorrow.textContent()).toContain('班');
    if (TOMORROW.slice(0, 7) !== TODAY.slice(0, 7)) await cal.locator('[data-action="prev-month"]').click();

    await page.locator('[data-action="new-calendar"]').click();
    await cal.locator('form[data-form="calendar"] input[name="id"]').fill('site-own');
    await cal.locator('form[data-form="calendar"] input[name="name"]').fill('Site days');
    await cal.locator('form[data-form="calendar"] button[type="submit"]').click();
    const own = cal.locator('[data-calendar="site-own"]');
    await own.waitFor();
    await own.locator(`[data-date="${OWN_WORKDAY}"]`).click();
    await own.locator('input[name="cal-kind"][value="workday"]').check();
    await own.locator('select[name="cal-as"]').selectOption('fri');
    await own.locator('[data-action="save-calendar"]').click();
    await expect
      .poll(async () => (await get('/control/calendars/site-own')).calendar.workdays)
      .toEqual([{ date: OWN_WORKDAY, as: 'fri' }]);
    expect(await own.locator(`[data-date="${OWN_WORKDAY}"]`).getAttribute('data-kind')).toBe('workday');
    expect(await own.locator(`[data-date="${OWN_WORKDAY}"]`).textContent()).toContain('班');
    await screenshot(page, 'schedules-calendar');
    expect(unexpected(errors).filter((e) => !e.includes('400 (Bad Request)'))).toEqual([]);
  });

  it('a viewer sees the schedules and calendars, and nothing to change them with', async () => {
    const viewer = await sessionAs(hub, ['viewer'], 'watcher');
    const { page: v, errors: vErrors } = await open(viewer);
    const row = v.locator('[data-schedule-row="ahus-b1"]');
    await row.waitFor();
    expect(await v.locator('[data-action="new-schedule"]').count()).toBe(0);
    expect(await row.locator('[data-action="copy-schedule"]').count()).toBe(0);
    await row.locator('[data-action="open-schedule"]').click();
    await form(v).locator('[data-period="mon.0"]').waitFor();
    expect(await form(v).locator('[data-action="save-schedule"]').count()).toBe(0);
    expect(await form(v).locator('[data-add]').count()).toBe(0);
    await toCalendar(v);
    expect(await v.locator('[data-action="new-calendar"]').count()).toBe(0);
    expect(unexpected(vErrors)).toEqual([]);
  });

  it('in Chinese at phone width: the grid is a list per day, a period added with a tap', async () => {
    const { page: phone, errors: phoneErrors } = await open(eng, { phone: true, lang: 'zh-CN' });
    await phone.locator('[data-schedule-row="ahus-b1"] [data-action="open-schedule"]').click();
    const f = form(phone);
    await f.locator('[data-grid="list"]').waitFor();
    expect(await f.locator('[data-grid="week"]').count()).toBe(0);
    expect(await f.locator('[data-period="mon.0"]').textContent()).toBe('07:30–13:30 · 开');
    await f.locator('[data-add="sat"]').click();
    expect(await f.locator('[data-period="sat.0"]').textContent()).toBe('08:00–18:00 · 开');
    await expect.poll(() => f.locator('[data-day-type]').textContent()).toContain('调休上班日');
    expect(await noHorizontalScroll(phone)).toBe(true);
    await screenshot(phone, 'schedules-phone-zh');
    for (const [part, sel] of [
      ['list', '.cs-list'],
      ['targets', '.cs-targets'],
      ['week', '.cs-week'],
      ['dry-run', '.cs-dry'],
    ] as const)
      await f
        .page()
        .locator(sel)
        .first()
        .screenshot({ path: `${SCREENSHOT_DIR}/schedules-phone-zh-${part}.png` });
    await toCalendar(phone);
    await screenshot(phone, 'schedules-calendar-phone-zh');
    expect(unexpected(phoneErrors)).toEqual([]);
  });
});
