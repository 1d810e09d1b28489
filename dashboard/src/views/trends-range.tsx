import { useEffect, useState } from 'preact/hooks';
import { lang } from '../i18n.js';
import { dateIn, type uPlot, zonedTime } from './chart.js';
import { PRESETS, type Preset, type Spec } from './trends-spec.js';
import { PRESET_LABEL, t } from './trends-text.js';

/** The trends view's range: the presets, from and to (in the site's time zone), pan and zoom out. */

/** Shift+drag: move the x scale with the mouse, and report the range when the button is let go. */
export function startPan(
  u: uPlot,
  e: MouseEvent,
  setPanning: (on: boolean) => void,
  done: (from: number, to: number) => void,
) {
  const min0 = u.scales.x?.min ?? 0;
  const max0 = u.scales.x?.max ?? 0;
  const x0 = e.clientX;
  const width = u.over.clientWidth || 1;
  setPanning(true);
  const shift = (ev: MouseEvent) => ((x0 - ev.clientX) / width) * (max0 - min0);
  const move = (ev: MouseEvent) => {
    const d = shift(ev);
    u.setScale('x', { min: min0 + d, max: max0 + d });
  };
  const up = (ev: MouseEvent) => {
    document.removeEventListener('mousemove', move);
    document.removeEventListener('mouseup', up);
    setPanning(false);
    const d = shift(ev);
    if (Math.abs(d) > 0) done(min0 + d, max0 + d);
  };
  document.addEventListener('mousemove', move);
  document.addEventListener('mouseup', up);
}

export function RangeBar(props: {
  spec: Spec;
  tz: string;
  window: [number, number] | undefined;
  onPreset: (p: Preset) => void;
  onCustom: (from: number, to: number) => void;
  onPan: (dir: -1 | 1) => void;
  onZoomOut: () => void;
  canPanRight: boolean;
}) {
  const { spec, tz, window } = props;
  const l = lang();
  const local = (ms: number) =>
    `${dateIn(ms, tz)}T${new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms)}`;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState('');
  const w0 = window?.[0];
  const w1 = window?.[1];
  // the inputs show the range in view (in the site's time zone) until edited
  useEffect(() => {
    if (w0 === undefined || w1 === undefined) return;
    setFrom(local(w0));
    setTo(local(w1));
  }, [Math.round((w0 ?? 0) / 60_000), Math.round((w1 ?? 0) / 60_000), tz]);
  const parse = (v: string) => {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(v);
    return m ? zonedTime(m[1]!, tz, Number(m[2]) * 60 + Number(m[3])) : undefined;
  };
  const apply = (ev: Event) => {
    ev.preventDefault();
    const a = parse(from);
    const b = parse(to);
    if (a === undefined || b === undefined || a >= b) {
      setError(t('badRange'));
      return;
    }
    setError('');
    props.onCustom(a, Math.min(b, Date.now()));
  };
  return (
    <form class="toolbar trend-range" onSubmit={apply}>
      <fieldset class="e-tabs">
        <legend class="e-sr">{t('range')}</legend>
        {(Object.keys(PRESETS) as Preset[]).map((p) => (
          <button
            key={p}
            type="button"
            class="btn btn-small"
            aria-pressed={spec.range === p}
            data-range={p}
            onClick={() => props.onPreset(p)}
          >
            {PRESET_LABEL[p][l]}
          </button>
        ))}
        <button
          type="button"
          class="btn btn-small"
          aria-pressed={spec.range === 'custom'}
          data-range="custom"
          onClick={() => window && props.onCustom(window[0], window[1])}
        >
          {t('custom')}
        </button>
      </fieldset>
      <label class="e-field">
        <span>{t('from')}</span>
        <input
          type="datetime-local"
          data-control="from"
          value={from}
          onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
        />
      </label>
      <label class="e-field">
        <span>{t('to')}</span>
        <input
          type="datetime-local"
          data-control="to"
          value={to}
          onInput={(e) => setTo((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="btn btn-small">
        {t('apply')}
      </button>
      <span class="e-tabs">
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('panLeft')}
          title={t('panLeft')}
          data-pan="left"
          onClick={() => props.onPan(-1)}
        >
          ←
        </button>
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('zoomOut')}
          title={t('zoomOut')}
          data-zoom="out"
          onClick={props.onZoomOut}
        >
          −
        </button>
        <button
          type="button"
          class="btn btn-small"
          aria-label={t('panRight')}
          title={t('panRight')}
          data-pan="right"
          disabled={!props.canPanRight}
          onClick={() => props.onPan(1)}
        >
          →
        </button>
      </span>
      {error && (
        <span class="form-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
