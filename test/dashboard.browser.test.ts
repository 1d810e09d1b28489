import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page, type WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { connectDevice, sessionAs, TEST_ADMIN, tempDataDir, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { testSite, testSiteYaml } from './site-fixtures.js';

/** Debian's chromium: playwright never downloads a browser here. No chromium, no pass. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = 'test-results';

/** What Chromium's network stack logs as a console error for every 4xx answer, even one the page handles. */
const statusLogged = (status: string) =>
  `console: Failed to load resource: the server responded with a status of ${status}`;
/**
 * A 401 is how the page learns it is not (or no longer) logged in: the session check at start, a wrong
 * password, the first API call after a session ended. Exactly that message is not an error; the tests that
 * expect other handled answers (429, 403, 400) check for them themselves.
 */
const HANDLED_401 = statusLogged('401 (Unauthorized)');
const unexpected = (errors: string[]) => errors.filter((e) => e !== HANDLED_401);

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: the dashboard test needs Debian's chromium (apt-get install -y chromium)`,
    );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

/**
 * A new page (its own cookies) that records its script errors and console errors, at the login form. In
 * English: the page's language follows the browser's unless one was chosen (dashboard-visitors switches it).
 */
async function openLoginPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en' });
  const page = await context.newPage();
  page.on('close', () => context.close().catch(() => undefined)); // the browser may be closing already
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.goto(url);
  await page.locator('#login').waitFor({ timeout: 10_000 });
  return { page, errors };
}

/** Log in through the form, as a person would, and wait until the dashboard is live. */
async function logIn(page: Page, user: { username: string; password: string }) {
  await page.locator('#login-username').fill(user.username);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-submit').click();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
}

/** Set once; still there later proves the page was updated in place, never reloaded. */
async function markNotReloaded(page: Page) {
  await page.evaluate(() => {
    (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
  });
}

const notReloaded = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded);

/** A page logged in as the test admin, live. */
async function openDashboard(url: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await openLoginPage(url);
  await logIn(opened.page, TEST_ADMIN);
  await markNotReloaded(opened.page);
  return opened;
}

/** What a point's value element shows. */
function point(page: Page, pointId: string) {
  return page.locator(`[data-point-id="${pointId}"]`).evaluate((el) => ({
    value: el.querySelector('.num')?.textContent ?? '',
    unit: el.querySelector('.unit')?.textContent ?? '',
    quality: el.getAttribute('data-quality'),
  }));
}

const deviceState = (page: Page, deviceId: string) =>
  page.locator(`[data-device-id="${deviceId}"]`).getAttribute('data-state');

/** Anything of the site left on the page: assets, points, devices, links, the site's name, the user. */
const siteDataShown = async (page: Page) => ({
  elements: await page.locator('[data-asset-id], [data-point-id], [data-device-id], [data-link-id]').count(),
  siteName: await page.locator('#site-name').textContent(),
  user: await page.locator('#user-name').textContent(),
});

const NO_SITE_DATA = { elements: 0, siteName: 'Facility monitor', user: '' };

describe('dashboard in a real browser', () => {
  let hub: Hub;
  let url: string;
  let mqttPort: number;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    mqttPort = await freePort();
    hub = await buildHub(testHubOptions(testSite({ mqttPort })));
    url = await hub.start();
    ({ page, errors } = await openDashboard(url));
  });

  afterAll(async () => {
    await page?.close();
    await hub?.stop();
  });

  it('renders the site, its zones, assets, points and devices from the API', async () => {
    await expect.poll(() => page.locator('#site-name').textContent()).toBe('Test site');
    expect(await page.title()).toContain('Test site');
    // zones nested: Floor 1 inside Building 1; the gate and the AHU sit on the building itself
    expect(
      await page.locator('[data-zone-id="b1"] [data-zone-id="b1-f1"] [data-asset-id="room-1"]').count(),
    ).toBe(1);
    expect(
      await page.locator('[data-zone-id="b1"] [data-zone-id="b1-f1"] [data-asset-id="room-2"]').count(),
    ).toBe(1);
    expect(await page.locator('[data-zone-id="b1"] > .asset-grid [data-asset-id="gate-a"]').count()).toBe(1);
    expect(await page.locator('[data-zone-id="b1"] > .asset-grid [data-asset-id="ahu-1"]').count()).toBe(1);
    expect(await page.locator('[data-zone-id="b1-f1"] [data-asset-id="ahu-1"]').count()).toBe(0);
    expect(await page.locator('[data-asset-id]').count()).toBe(4);
    expect(await page.locator('[data-point-id]').count()).toBe(8);
    expect(await page.locator('[data-device-id]').count()).toBe(3);
    for (const d of ['env-1', 'env-2', 'gate-ctl']) expect(await deviceState(page, d)).toBe('unknown');
    expect(await page.locator('[data-link-id="mqtt"]').getAttribute('data-state')).toBe('up');
    // the AHU's setpoint is a command point
    expect(
      await page
        .locator('[data-asset-id="ahu-1"] .point:has([data-point-id="ahu-1/supply_temp_sp_c"]) .chip-cmd')
        .count(),
    ).toBe(1);
    // nothing published yet: every point says so, with the hub's quality
    expect(await point(page, 'room-1/temp_c')).toEqual({ value: 'no data', unit: '', quality: 'bad' });
    // who is logged in
    expect(await page.locator('#user-name').textContent()).toBe('Administrator');
    expect(await page.locator('#user-roles').textContent()).toBe('Admin');
    expect(await page.locator('#login').isHidden()).toBe(true);
  });

  it('shows MQTT readings and device state live, without a reload', async () => {
    const client = await connectDevice(hub, mqttPort, 'env-1');
    try {
      await client.publishAsync(
        'site/t1/room-1/telemetry',
        JSON.stringify({ ts: Date.now(), temp_c: 21.5, humidity_pct: 40, air: { co2: 800 } }),
      );
      // temp_c turns stale 2 s after the reading (interval 1 s), so 'good' must show well before that
      await expect
        .poll(() => point(page, 'room-1/temp_c'), { timeout: 1_800, interval: 50 })
        .toEqual({ value: '21.5', unit: '°C', quality: 'good' });
      expect(await point(page, 'room-1/humidity_pct')).toMatchObject({ value: '40', unit: '%' });
      expect(await point(page, 'room-1/co2_ppm')).toMatchObject({ value: '800', unit: 'ppm' });
      await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('online');
      expect(await page.locator('[data-device-ref="env-1"]').getAttribute('data-state')).toBe('online');
      expect(await page.locator('[data-sum="online"]').textContent()).toBe('1');

      // env-2 never published: its points still say no data, the device is still unknown
      expect(await point(page, 'room-2/temp_c')).toEqual({ value: 'no data', unit: '', quality: 'bad' });
      expect(await point(page, 'ahu-1/supply_temp_sp_c')).toMatchObject({ value: 'no data' });
      expect(await deviceState(page, 'env-2')).toBe('unknown');
      expect(await point(page, 'gate-a/door_open')).toMatchObject({ value: 'no data' });
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
      expect(await page.locator('#last-update').textContent()).toMatch(/\d\d:\d\d:\d\d/);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({
        path: `${SCREENSHOT_DIR}/dashboard.png`,
        fullPage: true,
        animations: 'disabled',
      });
    } finally {
      await client.endAsync();
    }

    // the hub marks a device with a clientId offline when its client disconnects
    await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('offline');
    expect(await page.locator('[data-device-ref="env-1"]').getAttribute('data-state')).toBe('offline');
    expect(await page.locator('[data-device-id="env-1"] .device-state').textContent()).toBe('Offline');
    expect(await notReloaded(page)).toBe(true);
    // the only 401 is the session check before logging in
    expect(unexpected(errors)).toEqual([]);
  });
});

describe('dashboard: points without a device, and losing the hub', () => {
  let hub: Hub;
  let running = false;
  let page: Page;
  let errors: string[];
  let httpPort: number;
  let mqttPort: number;
  /** Users and sessions live in the data dir: the same one for both starts, so the session survives. */
  const dataDir = tempDataDir();

  /** The test site plus a meter whose device is not configured yet, on fixed ports so it can come back. */
  async function startHub(): Promise<string> {
    const doc = parse(testSiteYaml({ httpPort, mqttPort, dataDir }));
    doc.assets.push({
      id: 'meter-1',
      name: 'Main meter 总表',
      kind: 'electricity-meter',
      zone: 'b1',
      points: [{ name: 'energy_kwh', label: 'Energy 电能', unit: 'kWh', kind: 'counter' }],
    });
    hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'awaiting-site.yaml')));
    const url = await hub.start();
    running = true;
    return url;
  }

  beforeAll(async () => {
    httpPort = await freePort();
    mqttPort = await freePort();
    ({ page, errors } = await openDashboard(await startHub()));
  });

  afterAll(async () => {
    await page?.close();
    if (running) await hub?.stop();
  });

  it('says "awaiting device" for a point with no device', async () => {
    const meter = page.locator('[data-point-id="meter-1/energy_kwh"]');
    expect(await meter.textContent()).toBe('awaiting device');
    expect(await page.locator('[data-asset-id="meter-1"] .chip-nodevice').count()).toBe(1);
    expect(await page.locator('[data-asset-id="meter-1"] .asset-name').textContent()).toBe('Main meter 总表');
    expect(await page.locator('[data-asset-id]').count()).toBe(5);
    expect(unexpected(errors)).toEqual([]);
  });

  it('shows "reconnecting" while the hub is away, then subscribes again and goes on updating', async () => {
    running = false;
    await hub.stop();
    await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 5_000 });

    await startHub();
    // the session is in the data dir: the page goes live again without a new login
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#login').isHidden()).toBe(true);
    const client = await connectDevice(hub, mqttPort, 'env-1');
    try {
      await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 19 }));
      await expect
        .poll(() => point(page, 'room-1/temp_c'), { timeout: 1_800, interval: 50 })
        .toEqual({ value: '19', unit: '°C', quality: 'good' });
      await expect.poll(() => deviceState(page, 'env-1'), { timeout: 5_000 }).toBe('online');
    } finally {
      await client.endAsync();
    }
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.locator('#user-name').textContent()).toBe('Administrator');
    expect(await notReloaded(page)).toBe(true);
  });
});

describe('dashboard: logging in and out', () => {
  let hub: Hub;
  let url: string;
  let mqttPort: number;
  let page: Page;
  let errors: string[];
  /** The page's WebSocket connections (socket.io), and the socket.io events each received, with when. */
  const sockets: { ws: WebSocket; events: { at: number; event: string }[] }[] = [];

  const userId = (username: string) => hub.auth.users.findByName(username)!.id;
  const liveClients = () => hub.live!.clientCount;
  const loginShown = (p: Page) => p.locator('#login').waitFor({ state: 'visible', timeout: 5_000 });
  const focused = (p: Page) => p.evaluate<string | undefined>('document.activeElement?.id');

  beforeAll(async () => {
    mqttPort = await freePort();
    const doc = parse(testSiteYaml({ mqttPort }));
    // This page logs in and out a dozen times in a minute; after three wrong passwords a name waits.
    doc.hub.auth = { loginAttemptsPerMinute: 100, lockoutAttempts: 3 };
    hub = await buildHub(testHubOptions(parseSiteText(stringify(doc), 'login-site.yaml')));
    url = await hub.start();
    ({ page, errors } = await openLoginPage(url));
    await markNotReloaded(page);
    page.on('websocket', (ws) => {
      const entry = { ws, events: [] as { at: number; event: string }[] };
      sockets.push(entry);
      ws.on('framereceived', ({ payload }) => {
        // socket.io event packets are "42[name, ...]"
        const m = /^42(\[".*?")/.exec(String(payload));
        if (m) entry.events.push({ at: Date.now(), event: JSON.parse(`${m[1]}]`)[0] });
      });
    });
  });

  afterAll(async () => {
    await page?.close();
    await hub?.stop();
  });

  it('shows only the login form when not logged in', async () => {
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.getByLabel('Username', { exact: true }).getAttribute('id')).toBe('login-username');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('id')).toBe('login-password');
    expect(await page.locator('#login-submit').textContent()).toBe('Log in');
    expect(await focused(page)).toBe('login-username');
    expect(await page.locator('#login-error').isHidden()).toBe(true);
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    expect(liveClients()).toBe(0);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/dashboard-login.png`, animations: 'disabled' });
  });

  it('a wrong password shows the error and no data', async () => {
    // hold the answer a little, to see the button disabled while the page waits
    await page.route('**/api/v1/auth/login', async (route) => {
      await new Promise((r) => setTimeout(r, 300));
      await route.continue();
    });
    try {
      await page.locator('#login-username').fill(TEST_ADMIN.username);
      await page.locator('#login-password').fill('not-the-password');
      await page.locator('#login-password').press('Enter');
      await expect.poll(() => page.locator('#login-submit').isDisabled(), { interval: 20 }).toBe(true);
      await page.locator('#login-error').waitFor({ state: 'visible', timeout: 5_000 });
    } finally {
      await page.unroute('**/api/v1/auth/login');
    }
    expect(await page.locator('#login-error').textContent()).toBe('Wrong username or password.');
    expect(await page.locator('#login-submit').isEnabled()).toBe(true);
    expect(await focused(page)).toBe('login-password');
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    expect(liveClients()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
  });

  it('logging in shows the data and goes live', async () => {
    await logIn(page, TEST_ADMIN);
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.locator('#site-name').textContent()).toBe('Test site');
    expect(await page.locator('[data-asset-id]').count()).toBe(4);
    expect(await page.locator('[data-point-id]').count()).toBe(8);
    expect(await page.locator('[data-device-id]').count()).toBe(3);
    expect(await page.locator('#user-name').textContent()).toBe('Administrator');
    expect(await page.locator('#logout').textContent()).toBe('Log out');
    expect(await page.locator('#change-password').textContent()).toBe('Change password');
    await expect.poll(liveClients).toBe(1);
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('logging out returns to the login form, closes the socket and leaves no data behind', async () => {
    const client = await connectDevice(hub, mqttPort, 'env-1');
    try {
      await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 22 }));
      await expect.poll(() => point(page, 'room-1/temp_c')).toMatchObject({ value: '22' });

      expect(sockets.filter((s) => !s.ws.isClosed())).toHaveLength(1);
      expect(sockets.at(-1)!.events.map((e) => e.event)).toContain('values');

      await page.locator('#logout').click();
      await loginShown(page);
      const loggedOutAt = Date.now();
      expect(await page.locator('#app').isHidden()).toBe(true);
      expect(await page.locator('#login-notice').textContent()).toBe('You have logged out.');
      expect(await page.locator('#login-username').inputValue()).toBe('');
      expect(await focused(page)).toBe('login-username');
      expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
      expect(await page.title()).toBe('Facility monitor');
      await expect.poll(liveClients).toBe(0);
      await expect.poll(() => sockets.every((s) => s.ws.isClosed())).toBe(true);
      // the session is gone on both sides
      expect((await page.context().cookies()).filter((c) => c.name === 'hub_session')).toEqual([]);
      expect(hub.auth.sessions.deleteForUser(userId(TEST_ADMIN.username))).toBe(0);

      // readings go on; nothing reaches the page
      await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 23 }));
      await new Promise((r) => setTimeout(r, 500));
      expect(sockets.flatMap((s) => s.events).filter((e) => e.at > loggedOutAt)).toEqual([]);
      expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    } finally {
      await client.endAsync();
    }
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('logging in again loads everything afresh, without a reload', async () => {
    await logIn(page, TEST_ADMIN);
    // the reading sent while logged out comes with the new snapshot
    expect(await point(page, 'room-1/temp_c')).toMatchObject({ value: '23', unit: '°C' });
    expect(await page.locator('[data-asset-id]').count()).toBe(4);
    expect(await page.locator('[data-device-id]').count()).toBe(3);
    await expect.poll(liveClients).toBe(1);
    await page.locator('#logout').click();
    await loginShown(page);
    await expect.poll(liveClients).toBe(0);
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('a user disabled server-side gets the login form back, without a reload', async () => {
    // logged in twice: through the API elsewhere, and on this page
    const elsewhere = await sessionAs(hub, ['viewer']);
    await logIn(page, elsewhere);
    expect(await page.locator('#user-name').textContent()).toBe(elsewhere.username);
    expect(await page.locator('#user-roles').textContent()).toBe('Viewer');
    expect(await page.locator('[data-asset-id]').count()).toBe(4);

    hub.auth.updateUser(SYSTEM, userId(elsewhere.username), { disabled: true });
    await loginShown(page);
    expect(await page.locator('#login-notice').textContent()).toBe(
      'Your session ended, please log in again: The account was disabled',
    );
    // the same person will probably log in again: the name stays, the password field has the focus
    expect(await page.locator('#login-username').inputValue()).toBe(elsewhere.username);
    expect(await focused(page)).toBe('login-password');
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    await expect.poll(liveClients).toBe(0);
    const api = await hub.http.inject({ url: '/api/v1/auth/session', headers: elsewhere.headers });
    expect(api.statusCode).toBe(401);

    // a disabled user cannot log in: the same answer as a wrong password
    await page.locator('#login-password').fill(elsewhere.password);
    await page.locator('#login-submit').click();
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('Wrong username or password.');
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('a password reset by an admin ends the session; the new password works', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    await logIn(page, engineer);
    const before = await page.locator('#conn').getAttribute('data-state');
    expect(before).toBe('live');

    const newPassword = 'reset-by-admin-0123456789';
    await hub.auth.resetPassword(SYSTEM, userId(engineer.username), newPassword);
    await loginShown(page);
    expect(await page.locator('#login-notice').textContent()).toContain('An admin reset the password');
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    await expect.poll(liveClients).toBe(0);

    await logIn(page, { username: engineer.username, password: newPassword });
    expect(await page.locator('#user-roles').textContent()).toBe('Engineer');

    // new roles: the hub closes the socket with reconnect: true; the page reconnects and stays logged in
    hub.auth.updateUser(SYSTEM, userId(engineer.username), { roles: ['engineer', 'security'] });
    await expect.poll(() => page.locator('#user-roles').textContent()).toBe('Engineer · Security');
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
    await expect.poll(liveClients).toBe(1);
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.locator('[data-asset-id]').count()).toBe(4);
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('a session that ended silently shows the login form at the next API answer', async () => {
    // sessions deleted in the store (as an expiry would): no event, the socket stays open
    const username = String(await page.locator('#user-name').textContent());
    expect(hub.auth.sessions.deleteForUser(userId(username))).toBe(1);
    expect(await page.locator('#login').isHidden()).toBe(true);
    // a device coming online makes the page ask GET /devices, which answers 401
    const client = await connectDevice(hub, mqttPort, 'env-1');
    try {
      await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 24 }));
      await loginShown(page);
    } finally {
      await client.endAsync();
    }
    expect(await page.locator('#login-notice').textContent()).toContain('The session expired or ended');
    expect(await page.locator('#login-username').inputValue()).toBe(username);
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    await expect.poll(liveClients).toBe(0);
    expect(await notReloaded(page)).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  });

  it('changes the password in the dialog', async () => {
    const user = await sessionAs(hub, ['viewer']);
    await logIn(page, user);
    const dialog = page.locator('#password-dialog');
    const error = page.locator('#password-error');
    const fillIn = async (current: string, next: string, confirm = next) => {
      await page.getByLabel('Current password').fill(current);
      await page.getByLabel('New password', { exact: true }).fill(next);
      await page.getByLabel('Confirm new password').fill(confirm);
      await page.locator('#password-submit').click();
    };

    await page.locator('#change-password').click();
    await dialog.waitFor({ state: 'visible' });
    expect(await focused(page)).toBe('password-current');

    await fillIn('wrong-current-password', 'a-new-password-0123');
    await expect.poll(() => error.textContent()).toBe('The current password is wrong.');
    await fillIn(user.password, 'short');
    await expect.poll(() => error.textContent()).toContain('expected at least 10 characters');
    await fillIn(user.password, 'a-new-password-0123', 'a-new-password-0124');
    await expect.poll(() => error.textContent()).toContain('The new passwords do not match');

    // with the box ticked the API tokens go too
    const token = (
      await hub.http.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { name: 'script' },
        headers: user.headers,
      })
    ).json().token;
    await page.getByLabel('Also revoke my API tokens').check();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/screenshots/password-dialog-en.png` });
    await fillIn(user.password, 'a-new-password-0123');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('#notice').textContent()).toBe(
      'Password changed; your other sessions were logged out and your API tokens revoked.',
    );
    const withToken = await hub.http.inject({
      url: '/api/v1/site',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.statusCode).toBe(401);
    // this session stays; the one elsewhere ended
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
    expect((await hub.http.inject({ url: '/api/v1/auth/session', headers: user.headers })).statusCode).toBe(
      401,
    );

    await page.locator('#logout').click();
    await loginShown(page);
    await logIn(page, { username: user.username, password: 'a-new-password-0123' });
    expect(await page.locator('#user-name').textContent()).toBe(user.username);
    expect(await notReloaded(page)).toBe(true);
    // the wrong current password and the short one, both shown in the dialog
    expect(unexpected(errors)).toEqual([statusLogged('403 (Forbidden)'), statusLogged('400 (Bad Request)')]);
    errors.length = 0;
  });

  it('too many wrong passwords: says to wait, and for how long', async () => {
    await page.locator('#logout').click();
    await loginShown(page);
    const user = await sessionAs(hub, ['viewer']);
    // three free failures for this name from this address, then a wait (1 s, 2 s, ...: on a slow machine
    // the wait after the third may be over before the fourth attempt, which then fails and waits longer)
    let text = '';
    for (let i = 0; i < 8 && !text.startsWith('Too many'); i++) {
      await page.locator('#login-username').fill(user.username);
      await page.locator('#login-password').fill(`wrong-${i}`);
      await page.locator('#login-submit').click();
      await expect.poll(() => page.locator('#login-submit').isEnabled()).toBe(true);
      text = (await page.locator('#login-error').textContent()) ?? '';
    }
    expect(text).toMatch(/^Too many login attempts from this address: try again in \d+ s\.$/);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/screenshots/login-throttled-en.png` });
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await siteDataShown(page)).toEqual(NO_SITE_DATA);
    expect(unexpected(errors)).toEqual([statusLogged('429 (Too Many Requests)')]);
  });
});
