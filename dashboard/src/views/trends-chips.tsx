import { dateTime, formatNumber, PALETTE, unitText } from './chart.js';
import type { Latest, TrendPoint } from './trends-spec.js';
import { t } from './trends-text.js';

/** The chosen points as chips: colour, name, newest value and quality, "no data in this range", remove. */
export function TrendChips({
  points,
  pointById,
  latest,
  series,
  tz,
  onRemove,
}: {
  points: string[];
  pointById: Map<string, TrendPoint>;
  latest: Map<string, Latest>;
  /** The chart's series, once they are of these points; undefined while they load. */
  series: (number | null | undefined)[][] | undefined;
  tz: string;
  onRemove: (id: string) => void;
}) {
  return (
    <ul class="trend-chips">
      {points.map((id, i) => {
        const p = pointById.get(id);
        const lv = latest.get(id);
        const ys = series?.[i];
        const empty = ys !== undefined && !ys.some((v) => typeof v === 'number');
        const q = lv?.ts === null || lv?.ts === undefined ? 'none' : lv.quality;
        return (
          <li key={id} class="trend-chip" data-point={id} data-quality={q}>
            <span class="trend-swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            <span class="trend-chip-name">
              {p ? `${p.asset.name} · ${p.label ?? p.name}` : id}
              <small class="muted mono">{id}</small>
            </span>
            <span class="trend-chip-value" data-value={typeof lv?.value === 'number' ? lv.value : ''}>
              {q === 'none' ? (
                <span class="muted">{t('noValue')}</span>
              ) : (
                <>
                  <span>
                    <b>
                      {typeof lv?.value === 'number' ? formatNumber(lv.value, 2) : String(lv?.value ?? '—')}
                    </b>{' '}
                    {unitText(p?.unit)}
                  </span>
                  <small class="muted">{lv?.ts ? dateTime(lv.ts, tz) : ''}</small>
                </>
              )}
            </span>
            {q === 'uncertain' && <span class="badge badge-warn">{t('stale')}</span>}
            {q === 'bad' && <span class="badge badge-bad">{t('bad')}</span>}
            {empty && <span class="badge">{t('noData')}</span>}
            {!p && <span class="badge badge-bad">?</span>}
            <button
              type="button"
              class="trend-chip-x"
              aria-label={t('remove', { name: p?.label ?? p?.name ?? id })}
              title={t('remove', { name: p?.label ?? p?.name ?? id })}
              onClick={() => onRemove(id)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
