import { useEffect, useRef, useState } from 'preact/hooks';
import { api, problemText, useApi } from '../hub.js';
import type { SceneAnswer } from '../hub-types.js';
import { fmtDateTime, useLang } from '../i18n.js';
import { Badge } from '../ui.js';
import { ListSection } from './control-list-section.js';
import { levelText } from './control-model.js';
import type { ControlSection } from './control-section.js';
import { ct } from './control-text.js';

/**
 * The scenes (GET /control/scenes): one card each with its level and whether it is active (since when, by
 * whom). Who may activate one gets Activate, which asks for a reason in a dialog first, and Release.
 */

const listOf = (a: { scenes: SceneAnswer[] } | SceneAnswer[] | undefined): SceneAnswer[] =>
  !a ? [] : Array.isArray(a) ? a : a.scenes;

function ScenesView() {
  useLang();
  const answer = useApi<{ scenes: SceneAnswer[] } | SceneAnswer[]>('/control/scenes');
  const [asking, setAsking] = useState<SceneAnswer>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<{ id: string; text: string }>();
  const scenes = listOf(answer.data);

  const release = async (s: SceneAnswer) => {
    setBusy(s.id);
    setError(undefined);
    try {
      await api(`/control/scenes/${encodeURIComponent(s.id)}/release`, { method: 'POST', body: {} });
      answer.reload();
    } catch (err) {
      setError({ id: s.id, text: problemText(err) });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <ListSection
      id="scenes"
      title="scenesTitle"
      hint="scenesHint"
      empty="noScenes"
      answer={answer}
      count={scenes.length}
    >
      <ul class="ct-scenes">
        {scenes.map((s) => (
          <li key={s.id} class="ct-scene" data-scene={s.id} data-active={s.active ? 'true' : 'false'}>
            <div class="ct-scene-head">
              <h3 class="ct-scene-name">{s.name}</h3>
              {s.active && <Badge tone="warn">{ct('active')}</Badge>}
            </div>
            {s.description && <p class="ct-scene-desc">{s.description}</p>}
            <p class="muted ct-scene-level">
              {ct('level')} {levelText(s.level)}
            </p>
            <p class="ct-scene-state" data-field="state">
              {s.active ? (
                ct('activeSince', { time: fmtDateTime(s.active.since), by: s.active.by })
              ) : (
                <span class="muted">{ct('idle')}</span>
              )}
            </p>
            {s.active?.reason && (
              <p class="muted ct-scene-reason">
                {ct('reason')}: {s.active.reason}
              </p>
            )}
            {s.mayActivate ? (
              <div class="ct-scene-actions">
                {!s.active && (
                  <button
                    type="button"
                    class="btn btn-small btn-primary"
                    data-action="activate"
                    disabled={busy === s.id}
                    onClick={() => setAsking(s)}
                  >
                    {ct('activate')}
                  </button>
                )}
                {s.active && (
                  <button
                    type="button"
                    class="btn btn-small"
                    data-action="release-scene"
                    disabled={busy === s.id}
                    onClick={() => void release(s)}
                  >
                    {ct('release')}
                  </button>
                )}
              </div>
            ) : (
              <p class="muted ct-scene-denied" data-refusal>
                {s.refusal ?? ct('notAllowed')}
              </p>
            )}
            {error?.id === s.id && (
              <p class="form-error" role="alert">
                {error.text}
              </p>
            )}
          </li>
        ))}
      </ul>
      {asking && (
        <ActivateDialog
          scene={asking}
          onClose={(done) => {
            setAsking(undefined);
            if (done) answer.reload();
          }}
        />
      )}
    </ListSection>
  );
}

/** Are you sure, and why: the scene is activated only from here. */
function ActivateDialog({ scene, onClose }: { scene: SceneAnswer; onClose: (done: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) return setError(ct('reasonRequired'));
    setBusy(true);
    setError(undefined);
    try {
      await api(`/control/scenes/${encodeURIComponent(scene.id)}/activate`, {
        method: 'POST',
        body: { confirm: true, reason: reason.trim() },
      });
      onClose(true);
    } catch (err) {
      setError(problemText(err));
      setBusy(false);
    }
  };
  return (
    <dialog class="dialog ct-dialog" ref={ref} data-dialog="activate-scene" onClose={() => onClose(false)}>
      <form onSubmit={submit} noValidate>
        <h2>{ct('activateTitle', { name: scene.name })}</h2>
        <p class="muted">{ct('activateHint', { level: levelText(scene.level) })}</p>
        <div class="field">
          <label for="scene-reason">{ct('reason')}</label>
          <input
            id="scene-reason"
            name="reason"
            type="text"
            maxLength={500}
            value={reason}
            onInput={(e) => {
              setReason((e.target as HTMLInputElement).value);
              setError(undefined);
            }}
          />
        </div>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => ref.current?.close()}>
            {ct('cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-action="confirm-activate">
            {ct('activate')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export const scenesSection: ControlSection = {
  id: 'scenes',
  label: () => ct('tab-scenes'),
  View: ScenesView,
};
