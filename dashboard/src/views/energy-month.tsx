import {
  Change,
  Completeness,
  type FlatMeter,
  MEDIA,
  type MeterRow,
  mediumName,
  moneyText,
  num,
  type Report,
  unitOf,
} from './energy-common.js';
import { t } from './energy-text.js';

/** The month's consumption per building and per meter, and its after-hours waste. */

export function BuildingsPanel({ report, onZone }: { report: Report; onZone: (zone: string) => void }) {
  const media = MEDIA.filter((m) => report.buildings.some((b) => b.totals.some((x) => x.medium === m)));
  return (
    <section class="panel" data-panel="buildings">
      <div class="section-head">
        <h2>{t('buildingsTitle')}</h2>
      </div>
      <div class="e-scroll">
        <table class="table e-table" data-table="buildings">
          <thead>
            <tr>
              <th>{t('building')}</th>
              {media.map((m) => (
                <th key={m} class="num">
                  {mediumName(m)}
                </th>
              ))}
              <th class="num">{t('cost')}</th>
            </tr>
          </thead>
          <tbody>
            {report.buildings.map((b) => (
              <tr key={b.zone} data-zone={b.zone}>
                <th scope="row">
                  <button type="button" class="e-link" onClick={() => onZone(b.zone ?? '')}>
                    {b.name}
                  </button>
                </th>
                {media.map((m) => {
                  const x = b.totals.find((y) => y.medium === m);
                  return (
                    <td key={m} class="num" data-value={x?.consumption ?? ''}>
                      {x ? (
                        <>
                          {num(x.consumption, 0)} <small class="muted">{unitOf(x.unit)}</small>
                          <br />
                          <Change pct={x.changePct} title={t('vsLast')} />{' '}
                          <Change pct={x.baseline?.deviationPct} title={t('vsBaseline')} />
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  );
                })}
                <td class="num">{moneyText(b.cost, report.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted e-note">
        ▲▼ {t('vsLast')} · {t('vsBaseline')}
      </p>
    </section>
  );
}

/** Leaf meters (no sub-meter in the report) with after-hours use, by waste. */
export function AfterHoursPanel({ report }: { report: Report }) {
  const parents = new Set(report.meters.map((m) => m.parent));
  const rows = report.meters
    .filter((m) => !parents.has(m.id) && m.afterHours && m.afterHours.consumption !== null)
    .sort((a, b) => (b.afterHours?.waste ?? -1) - (a.afterHours?.waste ?? -1));
  const totals = report.totals.filter((x) => x.afterHours);
  const worst = Math.max(0, ...rows.map((m) => m.afterHours?.waste ?? 0));
  return (
    <section class="panel" data-panel="after-hours">
      <div class="section-head">
        <h2>{t('afterHoursTitle')}</h2>
      </div>
      <p class="muted e-note">{t('afterHoursNote')}</p>
      {!totals.length ? (
        <p class="placeholder">{t('noWorkingHours')}</p>
      ) : (
        <div class="e-scroll">
          <table class="table e-table" data-table="after-hours">
            <thead>
              <tr>
                <th>{t('meter')}</th>
                <th class="num">{t('afterHoursUse')}</th>
                <th class="num">{t('afterHoursWaste')}</th>
                <th class="e-bar-col" />
              </tr>
            </thead>
            <tbody>
              {totals.map((x) => (
                <tr key={x.medium} class="e-total-row" data-total={x.medium}>
                  <th scope="row">{mediumName(x.medium)}</th>
                  <td class="num">
                    {num(x.afterHours?.consumption, 0)} <small class="muted">{unitOf(x.unit)}</small>
                  </td>
                  <td class="num" data-value={x.afterHours?.waste ?? ''}>
                    <b>{num(x.afterHours?.waste, 1)}</b> <small class="muted">{unitOf(x.unit)}</small>
                  </td>
                  <td />
                </tr>
              ))}
              {rows.slice(0, 8).map((m) => (
                <tr key={m.id} data-meter={m.id}>
                  <td>{m.name}</td>
                  <td class="num">
                    {num(m.afterHours?.consumption, 0)} <small class="muted">{unitOf(m.unit)}</small>
                  </td>
                  <td class="num" data-value={m.afterHours?.waste ?? ''}>
                    {num(m.afterHours?.waste, 1)} <small class="muted">{unitOf(m.unit)}</small>
                  </td>
                  <td class="e-bar-col">
                    <span
                      class="e-bar"
                      style={{ width: `${worst > 0 ? ((m.afterHours?.waste ?? 0) / worst) * 100 : 0}%` }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {totals.length > 0 && worst === 0 && <p class="muted e-note">{t('nothingAfterHours')}</p>}
    </section>
  );
}

export function MetersPanel({
  report,
  flat,
  zoneName,
  currency,
}: {
  report: Report;
  flat: FlatMeter[];
  zoneName: Map<string, string>;
  currency: string;
}) {
  // the hierarchy's order (parents before their sub-meters), the report's figures
  const byId = new Map(report.meters.map((m) => [m.id, m]));
  const depth = new Map(flat.map((m) => [m.id, m.depth]));
  const ordered: MeterRow[] = [
    ...flat.flatMap((m) => (byId.has(m.id) ? [byId.get(m.id)!] : [])),
    ...report.meters.filter((m) => !depth.has(m.id)),
  ];
  const minDepth = Math.min(...ordered.map((m) => depth.get(m.id) ?? 0));
  return (
    <section class="panel" data-panel="meters">
      <div class="section-head">
        <h2>{t('metersTitle')}</h2>
        <span class="muted">{report.period.label}</span>
      </div>
      {!ordered.length ? (
        <p class="placeholder">{t('empty')}</p>
      ) : (
        <div class="e-scroll">
          <table class="table e-table" data-table="meters">
            <thead>
              <tr>
                <th>{t('meter')}</th>
                <th>{t('zone')}</th>
                <th class="num">{t('consumption')}</th>
                <th class="num">{t('completeness')}</th>
                <th class="num">{t('previous')}</th>
                <th class="num">{t('vsLast')}</th>
                <th class="num">{t('vsBaseline')}</th>
                <th class="num">{t('afterHoursWaste')}</th>
                <th class="num">{t('peakDemand')}</th>
                <th class="num">{t('cost')}</th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((m) => {
                const u = unitOf(m.unit);
                return (
                  <tr key={m.id} data-meter={m.id} class={m.consumption === null ? 'e-gap' : undefined}>
                    <td>
                      <span
                        class="e-indent"
                        style={{ paddingLeft: `${((depth.get(m.id) ?? 0) - minDepth) * 16}px` }}
                      >
                        {m.name}
                        {m.virtual && <span class="badge badge-info e-virtual">{t('virtual')}</span>}
                      </span>
                      <small class="muted mono e-id">
                        {m.id} · {mediumName(m.medium)}
                      </small>
                    </td>
                    <td>{zoneName.get(m.zone) ?? m.zone}</td>
                    <td class="num" data-value={m.consumption ?? ''}>
                      {num(m.consumption, 1)} <small class="muted">{u}</small>
                    </td>
                    <td class="num">
                      <Completeness value={m.completeness} />
                    </td>
                    <td class="num">{num(m.previous.consumption, 1)}</td>
                    <td class="num">
                      <Change pct={m.changePct} />
                    </td>
                    <td class="num">
                      <Change pct={m.baseline?.deviationPct} />
                    </td>
                    <td class="num">{m.afterHours ? num(m.afterHours.waste, 1) : '—'}</td>
                    <td class="num">{m.peakDemandKw !== undefined ? `${num(m.peakDemandKw, 1)} kW` : '—'}</td>
                    <td class="num">{moneyText(m.cost, currency)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
