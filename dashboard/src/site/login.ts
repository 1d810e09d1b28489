import { ApiError, api, currentSession, type Session, SessionEnded } from './api.js';
import { $ } from './dom.js';
import { closeLive } from './live.js';
import { isLoginBusy, setLoginBusy, showLogin } from './login-form.js';
import { setMessage, showBanner } from './messages.js';
import { endSession, goLive, startSession, stopSessionCheck } from './session.js';
import { t } from './text.js';

/** Logging in (the form's answer, and why a login was refused) and logging out. */

function loginErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return t('hubUnreachable', { message: (err as Error).message });
  switch (err.status) {
    case 401:
      return t('wrongPassword');
    case 429:
      return err.retryAfter !== undefined
        ? t('tooManyAttemptsIn', { s: err.retryAfter })
        : t('tooManyAttempts', { detail: err.detail ?? t('tryLater') });
    default:
      return t('loginFailed', { detail: err.detail ?? err.title ?? `HTTP ${err.status}` });
  }
}

export async function submitLogin(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (isLoginBusy()) return;
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  if (!username || !password) {
    setMessage($('login-error'), () => t('enterCredentials'));
    (username ? $('login-password') : $('login-username')).focus();
    return;
  }
  stopSessionCheck();
  setLoginBusy(true);
  setMessage($('login-error'), '');
  try {
    const info = await api<Session>('/auth/login', {
      method: 'POST',
      body: { username, password },
      anonymous: true,
    });
    setLoginBusy(false);
    $('login-password').value = '';
    startSession(info);
  } catch (err) {
    setLoginBusy(false);
    setMessage($('login-notice'), '');
    setMessage($('login-error'), () => loginErrorText(err));
    const field = $('login-password');
    field.focus();
    field.select();
  }
}

export async function logout(): Promise<void> {
  if (!currentSession()) return;
  const button = $('logout');
  button.disabled = true;
  // The hub tells this page's socket that the session was logged out; close it first so that is not
  // taken for a logout from elsewhere.
  closeLive();
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (err) {
    button.disabled = false;
    if (err instanceof SessionEnded) return; // over anyway: the login form is shown
    showBanner(() => t('logoutFailed', { message: (err as Error).message }));
    goLive(); // still logged in
    return;
  }
  button.disabled = false;
  endSession();
  showLogin({ notice: () => t('loggedOut') });
}
