import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertInstance } from '../domains/alerts/alert-service.js';
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
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

/**
 * The tickets view in a real browser: one fault taken through its whole lifecycle by the people whose work it
 * is, each in their own page: a requester reports it from a phone with a photo (in Chinese), their approver
 * approves, the service desk dispatches it, a technician (on a phone) accepts with an arrival time, starts,
 * adds a photo and resolves, and the requester rates it. At each step the state is checked through the API,
 * and each person sees exactly the action buttons the API offers them. Then the board and list, and a
 * ticket raised by an alert with its evidence (the trend drawn by uPlot).
 */

const MIN = 60_000;
const PHONE = { width: 390, height: 844 };

/** A small real PNG (a 96×72 gradient), so a thumbnail shows something. */
function gradientPng(width = 96, height = 72): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = 40 + Math.round((x / width) * 160);
      row[2 + x * 3] = 90 + Math.round((y / height) * 120);
      row[3 + x * 3] = 190;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function siteYaml(dataDir: string): string {
  return `
site: { id: t1, name: Ticket site, timezone: Asia/Shanghai }
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
  - { id: b2, name: Canteen, kind: building }
devices:
  - { id: gw, protocol: mqtt }
assets:
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: b1-f1
    device: gw
    points:
      - { name: supply_temp_c, unit: degC }
      - { name: filter_dp_pa, unit: Pa }
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    device: gw
    points:
      - { name: chw_supply_temp_c, unit: degC }
  - id: fridge-1
    name: Cold room
    kind: generic
    zone: b2
    device: gw
    points:
      - { name: temp_c, unit: degC }
rules:
  - { id: ahu-hot, name: AHU supply too warm, severity: high, target: { point: ahu-1/supply_temp_c }, condition: { type: threshold, high: 28 } }
maintenance:
  requireApproval: true
  fromAlerts: { minSeverity: medium, trendMinutes: 60 }
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b], skills: [ahu, chiller], zones: [b1] }
    - { id: general, name: General, members: [tech-c] }
  departments:
    - { id: office, name: Admin office, members: [req-1], approvers: [appr-1] }
`;
}

describe('the tickets view: one fault through its lifecycle, each person in their own page', () => {
  let browser: Browser;
  let hub: Hub;
  let url: string;
  let s: Record<'req' | 'appr' | 'desk' | 'tech' | 'techB' | 'viewer', TestSession>;
  const pages: { page: Page; errors: string[] }[] = [];
  const photoFile = join(mkdtempSync(join(tmpdir(), 'tk-photo-')), 'fault.png');
  let id = 0;

  beforeAll(async () => {
    writeFileSync(photoFile, gradientPng());
    browser = await launchBrowser();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(tempDataDir()), 'tickets-browser.yaml')));
    url = await hub.start();
    s = {
      req: await sessionAs(hub, ['requester'], 'req-1'),
      appr: await sessionAs(hub, ['approver'], 'appr-1'),
      desk: await sessionAs(hub, ['dispatcher'], 'desk'),
      tech: await sessionAs(hub, ['technician'], 'tech-a'),
      techB: await sessionAs(hub, ['technician'], 'tech-b'),
      viewer: await sessionAs(hub, ['viewer'], 'watcher'),
    };
  }, 30_000);

  afterAll(async () => {
    for (const p of pages) await p.page.close().catch(() => undefined);
    await hub?.stop();
    await browser?.close();
  });

  /** A person's own page, logged in through the form. */
  async function open(who: TestSession, opts: { phone?: boolean; lang?: 'en' | 'zh-CN' } = {}) {
    const opened = await openLoginPage(browser, url, {
      viewport: opts.phone ? PHONE : undefined,
      lang: opts.lang ?? 'en',
    });
    opened.page.setDefaultTimeout(8_000);
    await logIn(opened.page, who);
    pages.push(opened);
    return opened;
  }

  const call = async (who: TestSession, method: 'GET' | 'POST', path: string, payload?: object) => {
    const res = await hub.http.inject({ method, url: `/api/v1${path}`, headers: who.headers, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const ticketAs = (who: TestSession, tid = id) => call(who, 'GET', `/tickets/${tid}`);
  const stateOf = async () => (await ticketAs(s.viewer)).ticket.state;

  const shownActions = (page: Page) =>
    page
      .locator('.tk-actions [data-action]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  const shownState = (page: Page) => page.locator('.tk-detail').getAttribute('data-state');

  /** The page shows the ticket in this state with exactly these buttons, which are what the API offers. */
  async function expectOffers(page: Page, who: TestSession, state: string, actions: string[], tid = id) {
    await expect.poll(() => shownState(page), { timeout: 5_000 }).toBe(state);
    await expect.poll(() => shownActions(page), { timeout: 5_000 }).toEqual(actions);
    expect((await ticketAs(who, tid)).actions).toEqual(actions);
  }

  /** Click an action's button, let `fill` fill its form, submit, and wait for the state it leads to. */
  async function act(page: Page, action: string, to: string, fill?: () => Promise<void>) {
    await page.locator(`.tk-actions [data-action="${action}"]`).click();
    await page.locator(`form[data-form="${action}"]`).waitFor();
    await fill?.();
    await page.locator(`[data-submit="${action}"]`).click();
    await expect.poll(() => shownState(page), { timeout: 5_000 }).toBe(to);
    expect(await stateOf()).toBe(to);
  }

  const noHorizontalScroll = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');
  const hash = (page: Page) => page.evaluate<string>('location.hash');

  let requester: Page;

  it('a requester reports a fault from a phone, with a photo (in Chinese)', async () => {
    ({ page: requester } = await open(s.req, { phone: true, lang: 'zh-CN' }));
    await requester.locator('[data-nav="tickets"]').click();
    await requester.locator('.tk [data-report]').click();
    const form = requester.locator('form[data-form="report"]');
    await form.waitFor();
    expect(await form.locator('h2').textContent()).toBe('报修');
    // the phone's camera: a file input that asks for the rear camera
    const file = form.locator('input[type="file"][name="photo"]');
    expect(await file.getAttribute('accept')).toBe('image/*');
    expect(await file.getAttribute('capture')).toBe('environment');

    // the assets, grouped by zone
    await expect.poll(() => form.locator('#tk-r-asset option').count()).toBe(4);
    expect(
      await form.locator('#tk-r-asset optgroup').evaluateAll((g) => g.map((x) => x.getAttribute('label'))),
    ).toEqual(['Building 1', 'Building 1 / Floor 1', 'Canteen']);
    await form.locator('#tk-r-asset').selectOption('ahu-1');
    await form.locator('#tk-r-title').fill('空调机组噪音大');
    await form.locator('#tk-r-description').fill('风机段从早上开始有很响的咔嗒声');
    await form.locator('.tk-priority [data-p="2"]').click();
    await file.setInputFiles(photoFile);
    await form.locator('.tk-preview img').waitFor();
    expect(await noHorizontalScroll(requester)).toBe(true);
    await screenshot(requester, 'tickets-report-phone');

    await form.locator('[data-submit="report"]').click();
    await expect.poll(() => hash(requester), { timeout: 5_000 }).toMatch(/^#\/tickets\/\d+$/);
    id = Number((await hash(requester)).split('/').pop());
    const d = await ticketAs(s.req);
    expect(d.ticket).toMatchObject({
      state: 'submitted',
      requester: 'req-1',
      department: 'office',
      assetId: 'ahu-1',
      priority: 2,
      title: '空调机组噪音大',
    });
    expect(d.photos).toEqual([
      expect.objectContaining({ stage: 'report', mime: 'image/png', uploadedBy: 'req-1' }),
    ]);

    // the detail: the photo's thumbnail links to the image; the requester may only cancel it
    await expectOffers(requester, s.req, 'submitted', ['cancel']);
    const thumb = requester.locator('.tk-thumbs img').first();
    await expect
      .poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(96);
    expect(await requester.locator('.tk-thumbs a').first().getAttribute('href')).toBe(
      `/api/v1/tickets/${id}/photos/${d.photos[0].file}`,
    );
    expect(await requester.locator('[data-action="cancel"]').textContent()).toBe('撤销工单');
    expect(await requester.locator('.tk-summary .tk-state').textContent()).toBe('待审批');
    expect(await noHorizontalScroll(requester)).toBe(true);
    await screenshot(requester, 'tickets-detail-phone');
  });

  it('their approver approves it; the requester sees it change live', async () => {
    const { page } = await open(s.appr);
    await page.locator('[data-nav="tickets"]').click();
    const card = page.locator(`.tk-board [data-ticket-id="${id}"]`);
    expect(await card.getAttribute('data-state')).toBe('submitted');
    expect(await card.locator('xpath=ancestor::*[@data-column][1]').getAttribute('data-column')).toBe(
      'submitted',
    );
    await card.click();
    await expectOffers(page, s.appr, 'submitted', ['approve', 'reject']);
    await act(page, 'approve', 'approved', () => page.locator('#tk-approve-comment').fill('OK, please fix'));
    // nothing left for the approver
    await expectOffers(page, s.appr, 'approved', []);
    // the requester's page follows without a reload; they may still cancel before dispatch
    await expectOffers(requester, s.req, 'approved', ['cancel']);
  });

  let desk: Page;
  let deskErrors: string[];

  it('the service desk dispatches it to a suggested technician (a non-technician is refused, with the reason)', async () => {
    ({ page: desk, errors: deskErrors } = await open(s.desk));
    await desk.locator('[data-nav="tickets"]').click();
    await desk.locator(`.tk-board [data-ticket-id="${id}"]`).click();
    await expectOffers(desk, s.desk, 'approved', ['dispatch']);

    await desk.locator('[data-action="dispatch"]').click();
    const form = desk.locator('form[data-form="dispatch"]');
    // the suggestions: the HVAC team's technicians first (skill and zone), least loaded first
    await expect
      .poll(() =>
        form
          .locator('select[name="assignee"] optgroup option')
          .evaluateAll((o) => o.map((x) => x.getAttribute('value'))),
      )
      .toEqual(['tech-a', 'tech-b', 'tech-c']);
    expect(await form.locator('select[name="assignee"]').inputValue()).toBe('tech-a');
    expect(await form.locator('select[name="team"]').inputValue()).toBe('hvac');

    // someone who is no technician: the hub's reason is shown, the ticket stays
    await form.locator('select[name="assignee"]').selectOption('__other');
    await form.locator('select[name="team"]').selectOption('');
    await form.locator('input[name="otherAssignee"]').fill('watcher');
    await desk.locator('[data-submit="dispatch"]').click();
    await expect
      .poll(() => form.locator('.form-error').textContent())
      .toContain('"watcher" is not a technician');
    expect(await stateOf()).toBe('approved');
    await screenshot(desk, 'tickets-dispatch-form');

    // the form is still open: choose the suggested technician instead
    await form.locator('select[name="assignee"]').selectOption('tech-a');
    expect(await form.locator('select[name="team"]').inputValue()).toBe('hvac');
    await form.locator('textarea[name="comment"]').fill('Fan section, bring belts');
    await desk.locator('[data-submit="dispatch"]').click();
    await expect.poll(() => shownState(desk), { timeout: 5_000 }).toBe('dispatched');
    expect((await ticketAs(s.desk)).ticket).toMatchObject({ assignee: 'tech-a', team: 'hvac' });
    // the desk may reassign until the work starts
    await expectOffers(desk, s.desk, 'dispatched', ['dispatch']);
    expect(unexpected(deskErrors)).toEqual([statusLogged('400 (Bad Request)')]);
    deskErrors.length = 0;
  });

  let tech: Page;

  it('the technician, on a phone, accepts with an arrival time, starts, adds a photo and resolves', async () => {
    ({ page: tech } = await open(s.tech, { phone: true }));
    await tech.locator('[data-nav="tickets"]').click();
    // their own tickets
    await tech.locator('.tk-toolbar input[name="mine"]').check();
    await expect.poll(() => hash(tech)).toBe('#/tickets?mine=true');
    const card = tech.locator(`[data-ticket-id="${id}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('dispatched');
    // on a phone the board shows only the states that have tickets, one under the other
    expect(
      await tech
        .locator('.tk-col:visible')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-column'))),
    ).toEqual(['dispatched']);
    expect(await noHorizontalScroll(tech)).toBe(true);
    await screenshot(tech, 'tickets-board-phone');
    await card.click();
    await expectOffers(tech, s.tech, 'dispatched', ['accept', 'decline']);
    // another technician of the team sees none of them (it is dispatched to tech-a)
    expect((await ticketAs(s.techB)).actions).toEqual([]);

    await act(tech, 'accept', 'accepted', async () => {
      await tech.locator('#tk-accept-eta').fill('45');
      await screenshot(tech, 'tickets-accept-phone');
    });
    const accepted = (await ticketAs(s.tech)).ticket;
    expect(accepted.etaAt - accepted.acceptedAt).toBe(45 * MIN);
    await expectOffers(tech, s.tech, 'accepted', ['start']);

    await act(tech, 'start', 'in-progress');
    await expectOffers(tech, s.tech, 'in-progress', ['resolve']);

    await tech.locator('.tk-photos input[type="file"]').setInputFiles(photoFile);
    await expect.poll(() => tech.locator('.tk-thumbs li').count(), { timeout: 5_000 }).toBe(2);
    expect((await ticketAs(s.tech)).photos.map((p: { stage: string }) => p.stage)).toEqual([
      'report',
      'work',
    ]);

    await act(tech, 'resolve', 'resolved', () =>
      tech.locator('#tk-resolve-resolution').fill('Replaced the worn fan belt; noise gone.'),
    );
    expect((await ticketAs(s.tech)).ticket.resolution).toBe('Replaced the worn fan belt; noise gone.');
    await expectOffers(tech, s.tech, 'resolved', []);
    expect(await noHorizontalScroll(tech)).toBe(true);
  });

  it('the requester rates it, which closes it; the desk could have closed it instead', async () => {
    await expectOffers(desk, s.desk, 'resolved', ['close']);
    await expectOffers(requester, s.req, 'resolved', ['rate', 'reopen']);
    await act(requester, 'rate', 'closed', async () => {
      await requester.locator('.tk-stars label').nth(3).click();
      await requester.locator('#tk-rate-comment').fill('修得很快，谢谢');
    });
    expect((await ticketAs(s.req)).ticket).toMatchObject({ rating: 4, ratingComment: '修得很快，谢谢' });
    // closed: only a reopen for its reporter; nothing for the desk
    await expectOffers(requester, s.req, 'closed', ['reopen']);
    await expectOffers(desk, s.desk, 'closed', []);
    expect(await requester.locator('.tk-summary [data-rating]').getAttribute('data-rating')).toBe('4');
    // the timeline in Chinese, newest first
    const steps = await requester
      .locator('.tk-events li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    expect(steps).toEqual([
      'rate',
      'resolve',
      'photo',
      'start',
      'accept',
      'dispatch',
      'approve',
      'photo',
      'submit',
    ]);
    expect(
      await requester.locator('.tk-events li[data-event="accept"] .tk-event-head').textContent(),
    ).toContain('接单');
    await screenshot(requester, 'tickets-closed-phone');
  });

  it('the board and the list, with their filters; an alert ticket shows its evidence and trend', async () => {
    // more tickets in other states
    const more = (title: string, assetId: string, priority = 3) =>
      call(s.req, 'POST', '/tickets', { title, description: `${title}, please check`, assetId, priority });
    const a = (await more('Cold room door does not close', 'fridge-1', 1)).ticket.id;
    const b = (await more('Chiller 1 leaking', 'chiller-1')).ticket.id;
    await call(s.appr, 'POST', `/tickets/${b}/approve`, {});
    await call(s.desk, 'POST', '/tickets', {
      title: 'Lobby light flickers',
      description: 'Flickers',
      location: 'Lobby',
    });

    // an alert opens a ticket (already approved) and keeps the alert; the trend before it is stored with it
    const hot: AlertInstance = {
      key: 'ahu-hot|ahu-1|ahu-1/supply_temp_c',
      ruleId: 'ahu-hot',
      assetId: 'ahu-1',
      pointId: 'ahu-1/supply_temp_c',
      severity: 'high',
      priority: 2,
      chatter: { transitions: 0, withinMs: 60_000 },
    };
    const now = Date.now();
    hub.alerts.conditionChanged(hot, { active: true, message: 'supply 31.2 °C above 28', value: 31.2 }, now);
    const alertTicket = hub.maintenance.tickets.list({ limit: 10 }).find((x) => x.ruleId === 'ahu-hot')!;
    expect(alertTicket.state).toBe('approved');
    await expect
      .poll(() => hub.maintenance.tickets.store.evidence(alertTicket.id)?.capturedAt, { timeout: 8_000 })
      .toBeTruthy();
    const evidence = hub.maintenance.tickets.store.evidence(alertTicket.id)!;
    const step = MIN;
    const values: [number, number][] = [];
    for (let ts = now - 60 * MIN; ts <= now; ts += step)
      values.push([
        ts,
        22 + 9 * Math.max(0, (ts - (now - 20 * MIN)) / (20 * MIN)) + Math.sin(ts / 300_000) * 0.4,
      ]);
    hub.maintenance.tickets.store.putEvidence(
      alertTicket.id,
      evidence.alert,
      {
        from: now - 60 * MIN,
        to: now,
        stepMs: step,
        series: [{ pointId: 'ahu-1/supply_temp_c', unit: 'degC', values }],
      },
      null,
      Date.now(),
    );

    // the desk's board: a column per state, each ticket in its own
    await desk.locator('.tk-back').click();
    await expect.poll(() => desk.locator('.tk-board [data-ticket-id]').count(), { timeout: 5_000 }).toBe(4);
    const column = (tid: number) =>
      desk
        .locator(`[data-ticket-id="${tid}"]`)
        .locator('xpath=ancestor::*[@data-column][1]')
        .getAttribute('data-column');
    expect(await column(a)).toBe('submitted');
    expect(await column(b)).toBe('approved');
    expect(await column(alertTicket.id)).toBe('approved');
    expect(await desk.locator(`[data-ticket-id="${id}"]`).count()).toBe(0); // closed: not open
    expect(
      await desk
        .locator('.tk-board [data-column]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-column'))),
    ).toEqual(['submitted', 'approved', 'dispatched', 'accepted', 'in-progress', 'resolved']);
    await screenshot(desk, 'tickets-board');
    // in Chinese, switched on the page
    await desk.locator('#lang').selectOption('zh-CN');
    await expect.poll(() => desk.locator('[data-column="approved"] .tk-state').textContent()).toBe('待派工');
    expect(await desk.locator('.tk-head h2').textContent()).toBe('维修工单');
    expect(await desk.locator('.tk [data-report]').textContent()).toBe('报修');
    await screenshot(desk, 'tickets-board-zh');
    await desk.locator('#lang').selectOption('en');
    await expect.poll(() => desk.locator('.tk-head h2').textContent()).toBe('Maintenance tickets');

    // all, with the finished ones: the closed column
    await desk.locator('.tk-toolbar select[name="open"]').selectOption('false');
    await expect.poll(() => column(id), { timeout: 5_000 }).toBe('closed');
    // the list
    await desk.locator('[data-layout-choice="list"]').click();
    await expect.poll(() => desk.locator('.tk-list tr[data-ticket-id]').count()).toBe(5);
    expect(await desk.locator(`.tk-list tr[data-ticket-id="${id}"]`).getAttribute('data-state')).toBe(
      'closed',
    );
    expect(await hash(desk)).toBe('#/tickets?open=false&layout=list');
    // kind: no preventive work orders here
    await desk.locator('.tk-toolbar select[name="kind"]').selectOption('preventive');
    await expect.poll(() => desk.locator('.tk-list tr[data-ticket-id]').count()).toBe(0);
    await desk.locator('.tk-toolbar select[name="kind"]').selectOption('');
    await expect.poll(() => desk.locator('.tk-list tr[data-ticket-id]').count()).toBe(5);
    await screenshot(desk, 'tickets-list');

    // live: a new report shows on the open list without a reload
    const c = (await more('Hand dryer broken', 'fridge-1', 4)).ticket.id;
    await expect
      .poll(() => desk.locator(`.tk-list tr[data-ticket-id="${c}"]`).count(), { timeout: 5_000 })
      .toBe(1);

    // the alert ticket: the alert and the trend, drawn
    await desk.locator(`.tk-list tr[data-ticket-id="${alertTicket.id}"] a`).click();
    await expectOffers(desk, s.desk, 'approved', ['dispatch'], alertTicket.id);
    const ev = desk.locator('.tk-evidence');
    expect(await ev.textContent()).toContain('supply 31.2 °C above 28');
    await ev.locator('[data-chart="trend"] canvas').waitFor();
    expect(await ev.locator('.u-legend').textContent()).toContain('supply_temp_c (degC)');
    await screenshot(desk, 'tickets-detail');
    expect(unexpected(deskErrors)).toEqual([]);
  });

  it('no page errors anywhere', () => {
    for (const p of pages) expect(unexpected(p.errors)).toEqual([]);
  });
});
