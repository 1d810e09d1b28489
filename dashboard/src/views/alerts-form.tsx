import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Alert, SHELVE_MINUTES } from './alerts-model.js';
import { t } from './alerts-text.js';

/** Acknowledging or shelving an alert: a comment (and for how long), in its row or its details. */

export function ActionForm(props: {
  alert: Alert;
  action: 'ack' | 'shelve';
  busy: boolean;
  submit: (body: { comment?: string; minutes?: number }) => Promise<string | undefined>;
  cancel: () => void;
}) {
  const [comment, setComment] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => input.current?.focus(), []);
  const shelve = props.action === 'shelve';
  const id = `alerts-${props.action}-${props.alert.id}`;

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const text = comment.trim();
    const body = { ...(shelve ? { minutes } : {}), ...(text ? { comment: text } : {}) };
    setError(await props.submit(body));
  };

  return (
    <form
      class="alerts-form"
      data-form={props.action}
      data-form-for={props.alert.id}
      onSubmit={onSubmit}
      onKeyDown={(e) => e.key === 'Escape' && props.cancel()}
    >
      {shelve && (
        <label class="alerts-form-field">
          <span>{t('shelveFor')}</span>
          <select
            name="minutes"
            value={String(minutes)}
            onChange={(e) => setMinutes(Number((e.target as HTMLSelectElement).value))}
          >
            {SHELVE_MINUTES.map((m) => (
              <option key={m} value={String(m)}>
                {m < 60 ? t('minutes', { n: m }) : t('hours', { n: m / 60 })}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="alerts-form-field alerts-form-comment" for={id}>
        <span>{t('comment')}</span>
        <input
          ref={input}
          id={id}
          name="comment"
          type="text"
          maxLength={500}
          value={comment}
          placeholder={shelve ? t('shelvePlaceholder') : t('ackPlaceholder')}
          onInput={(e) => setComment((e.target as HTMLInputElement).value)}
        />
      </label>
      <div class="alerts-form-buttons">
        <button
          type="submit"
          class="btn btn-small btn-primary"
          data-action={`${props.action}-submit`}
          disabled={props.busy}
        >
          {shelve ? t('shelveSubmit') : t('ackSubmit')}
        </button>
        <button type="button" class="btn btn-small" data-action="cancel" onClick={props.cancel}>
          {t('cancel')}
        </button>
      </div>
      {error && (
        <p class="form-error alerts-form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
