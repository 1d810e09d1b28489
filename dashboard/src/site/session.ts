import type { AssetAnswer, DevicesAnswer, SiteAnswer } from '../hub-types.js';
import {
  ApiError,
  api,
  currentEpoch,
  currentSession,
  onUnauthorized,
  type Session,
  SessionEnded,
  setSession,
  updateSession,
} from './api.js';
import { renderDevices, startDevicePolling, stopDevicePolling } from './devices.js';
import { $ } from './dom.js';
import { emit } from './events.js';
import { roleText, sessionEndText } from './format.js';
import { closeLive, connectLive } from './live.js';
import { isLoginBusy, showLogin } from './login-form.js';
import { setMessage, showBanner, showNotice } from './messages.js';
import { forgetSitePage, state } from './state.js';
import { clearLastUpdate, setConn } from './status.js';
import { renderSummary } from './summary.js';
import { t } from './text.js';
import { renderSite, renderSiteName, showTreeLoading } from './tree.js';

/**
 * The session: found at start (the cookie) or begun by a login, it shows the dashboard and loads the site,
 * then goes live; when it ends (logout, a 401, the hub's word) everything shown with it is forgotten and the
 * login form comes back.
 */

const RETRY_MS = 5_000;
let sessionCheckTimer: number | undefined;

// A 401 from the API: the session is over.
onUnauthorized(() => sessionEnded('expired'));

export function renderUser(): void {
  const session = currentSession();
  if (!session) return;
  const { user } = session;
  const name = $('user-name');
  name.textContent = user.displayName || user.username;
  name.title = user.username;
  $('user-roles').textContent = (user.roles ?? []).map(roleText).join(' · ');
  $('user').hidden = false;
}

/** Logged in (or found logged in at start): show the dashboard and load it. */
export function startSession(info: Session): void {
  clearTimeout(sessionCheckTimer);
  if (currentSession()) endSession();
  setSession(info);
  emit('session', info);
  renderUser();
  document.body.dataset.auth = 'in';
  $('login').hidden = true;
  $('app').hidden = false;
  void bootDashboard();
}

/**
 * Forget the session and everything shown with it: close the socket, stop the timers, empty the page. The
 * next login loads it all again, from its own permissions.
 */
export function endSession(): void {
  setSession(null);
  emit('session', null);
  closeLive();
  stopDevicePolling();
  const dialog = $('password-dialog');
  if (dialog.open) dialog.close();

  forgetSitePage();
  showTreeLoading();
  for (const id of ['devices', 'links', 'pipeline'] as const) $(id).replaceChildren();
  for (const id of ['site-meta', 'site-counts', 'devices-count', 'user-name', 'user-roles'] as const)
    $(id).textContent = '';
  renderSiteName();
  clearLastUpdate();
  $('user').hidden = true;
  showBanner('');
  showNotice('');
  setConn('connecting');
  renderSummary();
}

/** The hub says the session is over (a 401, a refused handshake, `session-ended`): log in again. */
export function sessionEnded(reason: string): void {
  const session = currentSession();
  if (!session) return;
  const { username } = session.user;
  endSession();
  showLogin({
    notice: () => t('sessionEnded', { why: sessionEndText(reason) }),
    username,
  });
}

/** Permissions changed but the session stays (`session-ended` with reconnect): show the new roles. */
async function refreshSession(): Promise<void> {
  const epoch = currentEpoch();
  try {
    const info = await api<Session>('/auth/session');
    if (epoch !== currentEpoch() || !currentSession()) return;
    updateSession(info);
    renderUser();
  } catch (err) {
    if (!(err instanceof SessionEnded)) console.warn('session refresh failed', err);
  }
}

/** At start: logged in already (the cookie) or not. */
export async function checkSession(): Promise<void> {
  try {
    const info = await api<Session>('/auth/session', { anonymous: true });
    if (!currentSession() && !isLoginBusy()) startSession(info);
  } catch (err) {
    if (currentSession() || isLoginBusy()) return;
    if (err instanceof ApiError && err.status === 401) {
      if ($('login').hidden) showLogin();
      else setMessage($('login-error'), '');
      return;
    }
    // No answer: offer the form, and keep asking, since the session may well still be valid.
    const text = () => t('hubUnreachableRetrying', { message: (err as Error).message });
    if ($('login').hidden) showLogin({ error: text });
    else setMessage($('login-error'), text);
    sessionCheckTimer = setTimeout(() => void checkSession(), RETRY_MS);
  }
}

/** Stop asking for the session found at start (a login is under way). */
export function stopSessionCheck(): void {
  clearTimeout(sessionCheckTimer);
}

/** The live connection of this session. */
export function goLive(): void {
  connectLive({ ended: sessionEnded, changed: () => void refreshSession() });
}

/** Load the site, assets and devices of the current session; false (and a banner) when that failed. */
async function load(epoch: number): Promise<boolean> {
  try {
    const since = state.eventSeq;
    const [siteInfo, assets, health] = await Promise.all([
      api<SiteAnswer>('/site'),
      api<AssetAnswer[]>('/assets?values=true'),
      api<DevicesAnswer>('/devices'),
    ]);
    if (epoch !== currentEpoch()) return false;
    renderDevices(health, since);
    renderSite(siteInfo, assets);
    emit('site', siteInfo);
    showBanner('');
    return true;
  } catch (err) {
    if (epoch !== currentEpoch() || err instanceof SessionEnded) return false;
    console.warn('initial load failed', err);
    const { message } = err as Error;
    showBanner(() => t('loadFailed', { s: RETRY_MS / 1000, message }));
    setConn('error', message);
    return false;
  }
}

/** After a login: load, then go live. Stops as soon as the session ends. */
async function bootDashboard(): Promise<void> {
  const epoch = currentEpoch();
  while (!(await load(epoch))) {
    if (epoch !== currentEpoch()) return;
    await new Promise((r) => setTimeout(r, RETRY_MS));
    if (epoch !== currentEpoch()) return;
  }
  goLive();
  startDevicePolling();
}
