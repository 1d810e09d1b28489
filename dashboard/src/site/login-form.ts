import { $ } from './dom.js';
import { type Message, setMessage } from './messages.js';

/** The login form, shown instead of the dashboard when there is no session. */

let loginBusy = false;

/** A login is under way. */
export const isLoginBusy = (): boolean => loginBusy;

/** The login form instead of the dashboard. `username` pre-fills it after a session ended. */
export function showLogin({
  notice = '',
  error = '',
  username = '',
}: {
  notice?: Message;
  error?: Message;
  username?: string;
} = {}): void {
  document.body.dataset.auth = 'out';
  $('app').hidden = true;
  $('login').hidden = false;
  setLoginBusy(false);
  setMessage($('login-notice'), notice);
  setMessage($('login-error'), error);
  $('login-username').value = username;
  $('login-password').value = '';
  window.scrollTo(0, 0);
  (username ? $('login-password') : $('login-username')).focus();
}

export function setLoginBusy(busy: boolean): void {
  loginBusy = busy;
  $('login-submit').disabled = busy;
  $('login-form').setAttribute('aria-busy', String(busy));
  // readOnly, not disabled: a disabled field would lose the focus
  $('login-username').readOnly = busy;
  $('login-password').readOnly = busy;
}
