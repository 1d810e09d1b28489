import { useMemo, useState } from 'preact/hooks';
import type { AssetAnswer, SiteAnswer } from '../hub-types.js';
import { unitText } from './chart.js';
import { MAX_POINTS } from './trends-spec.js';
import { t } from './trends-text.js';

/** Picking the points to plot: by asset (and its zone), filtered by any word of their names. */

export function PointPicker(props: {
  assets: AssetAnswer[];
  site?: SiteAnswer;
  chosen: string[];
  onAdd: (id: string) => void;
  full: boolean;
}) {
  const [filter, setFilter] = useState('');
  const zoneName = useMemo(() => {
    const m = new Map<string, string>();
    const walk = (zs: SiteAnswer['zones'] = []) => {
      for (const z of zs) {
        m.set(z.id, z.name);
        walk(z.children);
      }
    };
    walk(props.site?.zones);
    return m;
  }, [props.site]);
  const f = filter.trim().toLowerCase();
  const groups = props.assets
    .map((a) => ({
      a,
      points: a.points.filter(
        (p) =>
          p.type === 'number' &&
          !props.chosen.includes(p.id) &&
          (!f ||
            `${a.name} ${a.id} ${p.id} ${p.label ?? ''} ${zoneName.get(a.zone) ?? ''}`
              .toLowerCase()
              .includes(f)),
      ),
    }))
    .filter((g) => g.points.length);
  const onChange = (e: Event) => {
    const el = e.target as HTMLSelectElement;
    props.onAdd(el.value);
    el.value = '';
  };
  return (
    <div class="toolbar trend-picker">
      <input
        type="search"
        placeholder={t('filter')}
        aria-label={t('filter')}
        data-control="filter"
        value={filter}
        onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
      />
      <select data-control="add-point" aria-label={t('addPoint')} disabled={props.full} onChange={onChange}>
        <option value="">{props.full ? t('tooMany', { n: MAX_POINTS }) : t('addPoint')}</option>
        {groups.map(({ a, points }) => (
          <optgroup key={a.id} label={`${a.name}${zoneName.get(a.zone) ? ` · ${zoneName.get(a.zone)}` : ''}`}>
            {points.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label ?? p.name}
                {p.unit ? ` (${unitText(p.unit)})` : ''}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
