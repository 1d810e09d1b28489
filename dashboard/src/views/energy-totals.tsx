import {
  Change,
  Completeness,
  type MediumTotal,
  mediumName,
  moneyText,
  num,
  pctText,
  type Report,
  Stat,
  unitOf,
} from './energy-common.js';
import { t } from './energy-text.js';

/** The month's headline figures, and every medium against last month and the baseline. */

/** The scope's electricity (or first medium) this month: the figures an engineer is asked about. */
export function Headline({ report, inProgress }: { report: Report; inProgress: boolean }) {
  const total = report.totals.find((x) => x.medium === 'electricity') ?? report.totals[0];
  if (!total) return <p class="placeholder">{t('empty')}</p>;
  const unit = unitOf(total.unit);
  const ah = total.afterHours;
  const wasteShare =
    ah?.waste !== null && ah?.waste !== undefined && ah.consumption
      ? (ah.waste / ah.consumption) * 100
      : null;
  return (
    <div class="e-stats" data-medium={total.medium}>
      <Stat
        name="consumption"
        label={`${t('thisMonth')} · ${mediumName(total.medium)}`}
        value={num(total.consumption, 0)}
        unit={unit}
        sub={
          <>
            {t('completeness')} <Completeness value={total.completeness} />
          </>
        }
      />
      <Stat
        name="vs-last"
        label={t('vsLast')}
        value={<Change pct={total.changePct} />}
        sub={
          total.previous.consumption === null
            ? t('noPrevious')
            : `${t('previous')} ${num(total.previous.consumption, 0)} ${unit}${inProgress ? ` · ${t('monthInProgress')}` : ''}`
        }
      />
      <Stat
        name="vs-baseline"
        label={t('vsBaseline')}
        value={<Change pct={total.baseline?.deviationPct} />}
        sub={
          total.baseline
            ? t('expected', { v: `${num(total.baseline.expected, 0)} ${unit}` })
            : t('noBaseline')
        }
      />
      <Stat
        name="after-hours"
        label={t('afterHoursWaste')}
        value={ah ? num(ah.waste, 0) : '—'}
        unit={ah ? unit : undefined}
        tone={ah?.waste ? 'warn' : undefined}
        sub={
          !ah
            ? t('noWorkingHours')
            : wasteShare !== null
              ? t('wasteOfUse', { pct: `${num(wasteShare, 1)} %` })
              : `${t('afterHoursUse')} ${num(ah.consumption, 0)} ${unit}`
        }
      />
      {total.medium === 'electricity' && (
        <Stat
          name="peak"
          label={t('peakDemand')}
          value={num(total.peakDemandKw, 1)}
          unit="kW"
          sub={
            total.demandCharge !== undefined
              ? t('demandCharge', { v: moneyText(total.demandCharge, report.currency) })
              : undefined
          }
        />
      )}
      <Stat
        name="cost"
        label={t('cost')}
        value={moneyText(report.cost, report.currency)}
        sub={`${t('carbon')} ${num(report.carbonKg / 1000, 2)} t CO₂e`}
      />
    </div>
  );
}

/** Every medium: this month, last month, the change, the baseline and its deviation, after-hours, cost. */
export function TotalsPanel({ report, inProgress }: { report: Report; inProgress: boolean }) {
  if (!report.totals.length) return null;
  return (
    <section class="panel" data-panel="totals">
      <div class="section-head">
        <h2>{t('totalsTitle')}</h2>
        <span class="muted">
          {report.period.label}
          {inProgress ? ` · ${t('monthInProgress')}` : ''}
        </span>
      </div>
      <div class="e-scroll">
        <table class="table e-table">
          <thead>
            <tr>
              <th>{t('medium')}</th>
              <th class="num">{t('thisMonth')}</th>
              <th class="num">{t('completeness')}</th>
              <th class="num">{t('previous')}</th>
              <th class="num">{t('vsLast')}</th>
              <th class="num">{t('baseline')}</th>
              <th class="num">{t('vsBaseline')}</th>
              <th class="num">{t('afterHoursUse')}</th>
              <th class="num">{t('afterHoursWaste')}</th>
              <th class="num">{t('cost')}</th>
            </tr>
          </thead>
          <tbody>
            {report.totals.map((x: MediumTotal) => {
              const u = unitOf(x.unit);
              return (
                <tr key={x.medium} data-total={x.medium}>
                  <th scope="row">{mediumName(x.medium)}</th>
                  <td class="num" data-value={x.consumption ?? ''}>
                    {num(x.consumption, 1)} <small class="muted">{u}</small>
                  </td>
                  <td class="num">
                    <Completeness value={x.completeness} />
                  </td>
                  <td class="num" data-value={x.previous.consumption ?? ''}>
                    {num(x.previous.consumption, 1)} <small class="muted">{u}</small>
                  </td>
                  <td class="num">
                    <Change pct={x.changePct} />
                  </td>
                  <td class="num">
                    {x.baseline ? (
                      <>
                        {num(x.baseline.expected, 1)} <small class="muted">{u}</small>
                      </>
                    ) : (
                      <span class="muted">{t('noBaseline')}</span>
                    )}
                  </td>
                  <td class="num" title={pctText(x.baseline?.deviationPct)}>
                    <Change pct={x.baseline?.deviationPct} />
                  </td>
                  <td class="num">{x.afterHours ? num(x.afterHours.consumption, 1) : '—'}</td>
                  <td class="num">{x.afterHours ? num(x.afterHours.waste, 1) : '—'}</td>
                  <td class="num">{moneyText(x.cost, report.currency)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
