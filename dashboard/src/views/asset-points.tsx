import { fmtDateTime, fmtNumber } from '../i18n.js';
import { useNow } from '../ui.js';
import { ageText, type Key, reasonText, t } from './asset-text.js';
import { unitText } from './chart.js';

/** GET /assets/:id — the asset with its points and their latest values (hub/api/site-routes.ts). */
export interface Latest {
  pointId: string;
  value: unknown;
  quality: 'good' | 'uncertain' | 'bad';
  ts: number | null;
  reason?: string;
}

export interface AssetPoint {
  id: string;
  name: string;
  label?: string | null;
  unit?: string;
  kind?: string;
  type?: string;
  deviceId: string | null;
  intervalMs?: number;
  latest?: Latest;
}

export interface AssetAnswer {
  id: string;
  name: string;
  kind: string;
  zone: string;
  model?: string;
  deviceId: string | null;
  points: AssetPoint[];
}

export const pointLabel = (p: Pick<AssetPoint, 'label' | 'name'>) => p.label || p.name;

export const isNumeric = (p: AssetPoint) =>
  (p.type ?? 'number') === 'number' && (typeof p.latest?.value === 'number' || p.latest?.value == null);

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtNumber(v, 2);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Point kinds worth a word next to the label (a measurement is the usual). */
const KINDS = ['command', 'counter', 'state'];

const QUALITY_TONE = { good: 'good', uncertain: 'warn', bad: 'bad' } as const;

/** The live points: label, value with unit, quality, age. A value that is not good looks stale, with why. */
export function PointsTable({ points, live }: { points: AssetPoint[]; live: Map<string, Latest> }) {
  const now = useNow();
  if (!points.length) return <p class="placeholder">{t('noPoints')}</p>;
  return (
    <table class="table as-points">
      <thead>
        <tr>
          <th scope="col">{t('point')}</th>
          <th scope="col" class="num">
            {t('value')}
          </th>
          <th scope="col">{t('quality')}</th>
          <th scope="col">{t('updated')}</th>
        </tr>
      </thead>
      <tbody>
        {points.map((p) => {
          const v = live.get(p.id) ?? p.latest;
          const quality = v?.quality ?? 'bad';
          const good = quality === 'good';
          const unit = unitText(p.unit);
          const kind = p.kind && KINDS.includes(p.kind) ? t(`k-${p.kind}` as Key) : '';
          return (
            <tr
              key={p.id}
              class={`as-point${good ? '' : ' as-point-stale'}`}
              data-asset-point={p.id}
              data-quality={quality}
            >
              <th scope="row">
                <span class="as-point-label">{pointLabel(p)}</span>
                {kind && <small class="as-point-kind">{kind}</small>}
              </th>
              <td class="num as-value" data-label={t('value')}>
                <b class="as-num">{valueText(v?.value)}</b>
                {unit && <span class="as-unit"> {unit}</span>}
              </td>
              <td class="as-quality" data-label={t('quality')}>
                <span class={`badge badge-${QUALITY_TONE[quality] ?? 'bad'}`} data-badge-quality={quality}>
                  {t(`q-${quality}` as Key)}
                </span>
                {!good && v?.reason && <small class="as-reason">{reasonText(v.reason)}</small>}
              </td>
              <td class="as-age" data-label={t('updated')}>
                <time
                  dateTime={v?.ts ? new Date(v.ts).toISOString() : undefined}
                  title={v?.ts ? fmtDateTime(v.ts) : undefined}
                >
                  {ageText(v?.ts ?? null, now)}
                </time>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
