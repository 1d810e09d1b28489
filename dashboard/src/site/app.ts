import { onLang } from '../i18n.js';
import { currentSession } from './api.js';
import { refreshDevices, relabelDevices } from './devices.js';
import { $, translateStatic } from './dom.js';
import { makeFormats } from './format.js';
import { relabelLinks } from './links.js';
import { logout, submitLogin } from './login.js';
import { relabelMessages } from './messages.js';
import { bindPasswordDialog } from './password.js';
import { relabelPoints } from './points.js';
import { checkSession, renderUser } from './session.js';
import { relabelStatus } from './status.js';
import { renderSiteName } from './tree.js';

/**
 * Facility hub dashboard, the site page: the login form, the session, the live socket, and the site tree
 * with live point values, devices and links. The other views (dashboard/src/views) hear the session and
 * the live events through `hubEvents` (events.ts) and call the API with `api` (api.ts), through hub.ts.
 * Every word comes from text.ts: static HTML names its key in data-i18n (dom.ts translateStatic); what the
 * page writes is written again when the language changes (relabel).
 */

/**
 * The language changed: the static text (data-i18n), then everything the page wrote, from what it keeps
 * (points, devices, links, counters, messages); nothing is fetched again and nothing flashes.
 */
function relabel(): void {
  makeFormats();
  translateStatic();
  renderSiteName();
  relabelPoints();
  relabelDevices();
  relabelLinks();
  relabelStatus();
  if (currentSession()) renderUser();
  relabelMessages();
}

function main(): void {
  translateStatic();
  renderSiteName();
  onLang(relabel);
  $('login-form').addEventListener('submit', (ev) => void submitLogin(ev));
  $('logout').addEventListener('click', () => void logout());
  bindPasswordDialog();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshDevices();
  });
  void checkSession();
}

main();
