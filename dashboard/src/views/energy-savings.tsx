import { useApi } from '../hub.js';
import { fmtDate, messages } from '../i18n.js';
import { ErrorBox } from '../ui.js';
import { type FlatMeter, num, Stat } from './energy-common.js';

/**
 * Automation savings (自动化节能): a meter's consumption since automation first acted against the baseline
 * learned before it, each 15-minute slot's difference attributed to the measures acting in it (schedules,
 * DCV and occupancy, demand limiting), per measure and per day (GET /api/v1/energy/savings).
 */

const t = messages({
  en: {
    title: 'Automation savings',
    note: 'Consumption against the baseline learned in the weeks before automation first acted ({since}); each 15-minute slot’s difference goes to the measures acting in it, by how long each acted on how many points. “Not attributed”: slots no measure acted in.',
    meter: 'Meter',
    saved: 'Saved',
    ofExpected: '{pct} of the baseline',
    actual: 'Used',
    expected: 'Baseline',
    measure: 'Measure',
    share: 'Share',
    acting: 'Acting',
    hours: '{h} h',
    schedule: 'Schedules',
    dcv: 'DCV and occupancy',
    'demand-limit': 'Demand limiting',
    none: 'Not attributed',
    noAutomation: 'Automation has not acted yet: nothing to attribute.',
    days: 'Per day',
    legendUsed: 'used',
    legendSaved: 'saved, by measure',
  },
  'zh-CN': {
    title: '自动化节能',
    note: '与自动化首次动作（{since}）之前数周学习的基线对比；每15分钟的差值按各措施作用的点数与时长分配给当时在动作的措施。“未归因”：没有任何措施动作的时段。',
    meter: '电表',
    saved: '节约',
    ofExpected: '占基线 {pct}',
    actual: '实际用量',
    expected: '基线用量',
    measure: '措施',
    share: '占比',
    acting: '动作时长',
    hours: '{h} 小时',
    schedule: '时间表',
    dcv: '按需通风与人员感应',
    'demand-limit': '需量控制',
    none: '未归因',
    noAutomation: '自动化尚未动作，暂无可归因的节能量。',
    days: '每日',
    legendUsed: '实际用量',
    legendSaved: '节约量（按措施）',
  },
});

type MeasureKey = 'schedule' | 'dcv' | 'demand-limit';
interface SavingsAnswer {
  meter: string;
  unit: string;
  automationSince: number | null;
  actual: number;
  expected: number;
  saved: number;
  savedPct: number | null;
  measures: {
    measure: MeasureKey;
    saved: number;
    savedPct: number | null;
    slots: number;
    pointHours: number;
  }[];
  unattributed: number;
  days: { date: string; actual: number; expected: number; saved: Record<MeasureKey | 'none', number> }[];
}

const KEYS: (MeasureKey | 'none')[] = ['schedule', 'dcv', 'demand-limit', 'none'];

export function SavingsPanel(props: {
  meters: FlatMeter[];
  meterId: string | undefined;
  onMeter: (id: string) => void;
}) {
  const { meters, meterId } = props;
  const s = useApi<SavingsAnswer>(
    meterId ? `/energy/savings?meter=${encodeURIComponent(meterId)}` : '/energy/savings',
  );
  const d = s.data;
  const unit = d?.unit ?? 'kWh';
  const biggest = Math.max(1, ...(d?.days ?? []).map((x) => Math.max(x.expected, x.actual)));
  return (
    <section class="panel" data-panel="savings">
      <div class="section-head">
        <h2>{t('title')}</h2>
        <label class="e-field">
          <span>{t('meter')}</span>
          <select
            data-control="savings-meter"
            value={d?.meter ?? meterId ?? ''}
            onChange={(e) => props.onMeter((e.target as HTMLSelectElement).value)}
          >
            {meters.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {s.error && <ErrorBox error={s.error} retry={s.reload} />}
      {d && d.automationSince === null && <p class="placeholder">{t('noAutomation')}</p>}
      {d && d.automationSince !== null && (
        <>
          <p class="muted e-note">{t('note', { since: fmtDate(d.automationSince) })}</p>
          <div class="e-savings-stats">
            <Stat
              name="saved"
              label={t('saved')}
              value={num(d.saved, 0)}
              unit={unit}
              tone={d.saved > 0 ? 'good' : 'warn'}
              sub={d.savedPct === null ? undefined : t('ofExpected', { pct: `${num(d.savedPct, 1)} %` })}
            />
            <Stat name="actual" label={t('actual')} value={num(d.actual, 0)} unit={unit} />
            <Stat name="expected" label={t('expected')} value={num(d.expected, 0)} unit={unit} />
          </div>
          <table class="table e-table" data-table="savings">
            <thead>
              <tr>
                <th>{t('measure')}</th>
                <th class="num">{t('saved')}</th>
                <th class="num">{t('share')}</th>
                <th class="num">{t('acting')}</th>
              </tr>
            </thead>
            <tbody>
              {d.measures.map((m) => (
                <tr key={m.measure} data-measure={m.measure}>
                  <td>
                    <span class={`e-swatch e-swatch-${m.measure}`} /> {t(m.measure)}
                  </td>
                  <td class="num" data-value={m.saved}>
                    <b>{num(m.saved, 0)}</b> <small class="muted">{unit}</small>
                  </td>
                  <td class="num">{m.savedPct === null ? '—' : `${num(m.savedPct, 1)} %`}</td>
                  <td class="num">{t('hours', { h: num(m.slots / 4, 1) })}</td>
                </tr>
              ))}
              <tr data-measure="none">
                <td>
                  <span class="e-swatch e-swatch-none" /> {t('none')}
                </td>
                <td class="num" data-value={d.unattributed}>
                  {num(d.unattributed, 0)} <small class="muted">{unit}</small>
                </td>
                <td />
                <td />
              </tr>
            </tbody>
          </table>
          <h3 class="e-sub">{t('days')}</h3>
          <p class="muted e-note">
            <span class="e-swatch e-savings-actual" /> {t('legendUsed')} ·{' '}
            <span class="e-swatch e-swatch-schedule" />
            <span class="e-swatch e-swatch-dcv" />
            <span class="e-swatch e-swatch-demand-limit" /> {t('legendSaved')}
          </p>
          <div class="e-savings-days" data-chart="savings-days">
            {d.days.map((day) => (
              <div
                key={day.date}
                class="e-savings-day"
                title={`${day.date}: ${num(day.actual, 0)} / ${num(day.expected, 0)} ${unit}`}
              >
                <span class="e-savings-date">{day.date.slice(5)}</span>
                <span class="e-savings-track">
                  <span class="e-savings-actual" style={{ width: `${(day.actual / biggest) * 100}%` }} />
                  {KEYS.map((k) =>
                    day.saved[k] > 0 ? (
                      <span
                        key={k}
                        class={`e-savings-part e-swatch-${k}`}
                        style={{ width: `${(day.saved[k] / biggest) * 100}%` }}
                      />
                    ) : null,
                  )}
                </span>
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
