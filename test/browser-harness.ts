import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium: playwright never downloads a browser here. No chromium, no pass. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = 'test-results/screenshots';

/** What Chromium logs as a console error for every 4xx answer, even one the page handles. */
export const statusLogged = (status: string) =>
  `console: Failed to load resource: the server responded with a status of ${status}`;
/** A 401 is how the page learns it is not (or no longer) logged in: not an error. */
export const HANDLED_401 = statusLogged('401 (Unauthorized)');
export const unexpected = (errors: string[]) => errors.filter((e) => e !== HANDLED_401);

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: the dashboard tests need Debian's chromium (apt-get install -y chromium)`,
    );
  return chromium.launch({
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
}

/** A new page (its own cookies, a language) that records script and console errors, at the login form. */
export async function openLoginPage(
  browser: Browser,
  url: string,
  opts: { viewport?: { width: number; height: number }; lang?: 'en' | 'zh-CN' } = {},
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1366, height: 900 },
    locale: opts.lang ?? 'en',
  });
  const page = await context.newPage();
  page.on('close', () => context.close().catch(() => undefined));
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
export async function logIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.locator('#login-username').fill(user.username);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-submit').click();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
}

/** Save a full-page screenshot under test-results/screenshots/<name>.png (look at them). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
