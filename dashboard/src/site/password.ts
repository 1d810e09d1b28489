import { ApiError, api, currentSession, SessionEnded } from './api.js';
import { $ } from './dom.js';
import { type Message, setMessage, showNotice } from './messages.js';
import { t } from './text.js';

/** The dialog to change one's own password (the hub logs out one's other sessions; API tokens if asked). */

export function openPasswordDialog(): void {
  const session = currentSession();
  if (!session) return;
  const dialog = $('password-dialog');
  $('password-form').reset();
  $('password-username').value = session.user.username;
  setMessage($('password-error'), '');
  $('password-submit').disabled = false;
  dialog.showModal();
  $('password-current').focus();
}

export async function submitPassword(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const currentPassword = $('password-current').value;
  const newPassword = $('password-new').value;
  const revokeTokens = $('password-revoke-tokens').checked;
  const error = $('password-error');
  if (!currentPassword || !newPassword) {
    setMessage(error, () => t('enterPasswords'));
    return;
  }
  if (newPassword !== $('password-confirm').value) {
    setMessage(error, () => t('passwordsDiffer'));
    $('password-confirm').focus();
    return;
  }
  const submit = $('password-submit');
  submit.disabled = true;
  setMessage(error, '');
  try {
    await api('/auth/password', { method: 'POST', body: { currentPassword, newPassword, revokeTokens } });
    $('password-dialog').close();
    showNotice(() => t(revokeTokens ? 'passwordChangedTokensRevoked' : 'passwordChanged'));
  } catch (err) {
    if (err instanceof SessionEnded) return; // the login form is shown
    const status = err instanceof ApiError ? err.status : undefined;
    const detail = err instanceof ApiError ? err.detail : undefined;
    let text: Message;
    if (status === 403) {
      text = () => t('currentPasswordWrong');
      $('password-current').focus();
    } else if (status === 400)
      // e.g. "newPassword: expected at least 10 characters"
      text = () => t('newPasswordRefused', { detail: (detail ?? '').replace(/^newPassword:\s*/, '') });
    else text = () => t('passwordFailed', { detail: detail ?? (err as Error).message });
    setMessage(error, text);
  } finally {
    submit.disabled = false;
  }
}

/** The dialog's buttons; no passwords left in the DOM once it is closed (Escape, Cancel or done). */
export function bindPasswordDialog(): void {
  $('change-password').addEventListener('click', openPasswordDialog);
  $('password-form').addEventListener('submit', (ev) => void submitPassword(ev));
  $('password-cancel').addEventListener('click', () => $('password-dialog').close());
  $('password-dialog').addEventListener('close', () => $('password-form').reset());
}
