import { useState } from 'preact/hooks';
import type { ControlPoint, ControlSlot } from '../hub-types.js';
import { fmtDateTime } from '../i18n.js';
import type { PointActions } from './control-actions.js';
import { levelText, OPERATOR_LEVEL, sourceText, valueText } from './control-model.js';
import { ct } from './control-text.js';

/**
 * A point's priority array, the levels that hold a value (highest first): value, who, since when, until when,
 * why. Who may write the point can release the operator override and relinquish any other level (with a
 * reason); the level in force is marked, the others are overruled.
 */
export function PriorityArray({ point: p, actions }: { point: ControlPoint; actions: PointActions }) {
  const [asking, setAsking] = useState<number>();
  if (!p.slots.length)
    return (
      <p class="muted ct-array-empty" data-array-empty>
        {ct('noSlots')}
      </p>
    );
  return (
    <ol class="ct-array" data-priority-array>
      {p.slots.map((s) => (
        <li
          key={s.level}
          class="ct-slot"
          data-level={s.level}
          data-source={s.source}
          data-state={s.level === p.effective.level ? 'active' : 'overruled'}
        >
          <SlotLine point={p} slot={s} />
          {p.mayWrite && asking !== s.level && (
            <div class="ct-slot-actions">
              {s.level === OPERATOR_LEVEL ? (
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={actions.busy}
                  data-action="release-override"
                  onClick={() => void actions.release()}
                >
                  {ct('release')}
                </button>
              ) : (
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={actions.busy}
                  data-action="relinquish"
                  onClick={() => {
                    actions.clearError();
                    setAsking(s.level);
                  }}
                >
                  {ct('relinquish')}
                </button>
              )}
            </div>
          )}
          {asking === s.level && (
            <RelinquishForm level={s.level} actions={actions} onDone={() => setAsking(undefined)} />
          )}
        </li>
      ))}
    </ol>
  );
}

function SlotLine({ point: p, slot: s }: { point: ControlPoint; slot: ControlSlot }) {
  const active = s.level === p.effective.level;
  return (
    <div class="ct-slot-line">
      <span class="ct-slot-level">{levelText(s.level)}</span>
      <b class="ct-slot-value mono" data-field="value">
        {valueText(s.value, p)}
      </b>
      <span class="ct-slot-source" data-field="source" title={s.actor}>
        {sourceText(s.source)}
      </span>
      <small class={`ct-slot-state${active ? ' ct-slot-on' : ''}`}>
        {ct(active ? 'inForce' : 'overruled')}
      </small>
      <small class="muted ct-slot-when">
        {ct('since')} {fmtDateTime(s.since)}
        {s.expiresAt ? ` · ${ct('expires')} ${fmtDateTime(s.expiresAt)}` : ''}
      </small>
      {s.reason && (
        <small class="muted ct-slot-reason" data-field="reason">
          {ct('reason')}: {s.reason}
        </small>
      )}
    </div>
  );
}

function RelinquishForm({
  level,
  actions,
  onDone,
}: {
  level: number;
  actions: PointActions;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) return setInvalid(true);
    if (await actions.relinquish(level, reason.trim())) onDone();
  };
  return (
    <form class="reason-form ct-reason" data-form="relinquish" onSubmit={submit} noValidate>
      <label>
        <span>{ct('relinquishReason', { level })}</span>
        <input
          name="reason"
          type="text"
          maxLength={500}
          value={reason}
          // biome-ignore lint/a11y/noAutofocus: the form opens on the user's click, to be typed in
          autoFocus
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
      </label>
      <button
        type="submit"
        class="btn btn-small btn-primary"
        disabled={actions.busy}
        data-action="confirm-relinquish"
      >
        {ct('relinquishLevel', { level })}
      </button>
      <button type="button" class="btn btn-small" onClick={onDone}>
        {ct('cancel')}
      </button>
      {invalid && !reason.trim() && (
        <p class="form-error" role="alert">
          {ct('reasonRequired')}
        </p>
      )}
    </form>
  );
}
