import type { ComponentChildren } from 'preact';
import type { CountRow, PeakRow, StatsTable, TodayVisitor } from '../../../domains/visitors/stats-types.js';
import { fmtDateTime, fmtNumber, fmtTime } from '../i18n.js';
import { Badge } from '../ui.js';
import { Panel } from './visitors-pass-parts.js';
import { st } from './visitors-stats-text.js';
import { known } from './visitors-text.js';

/** The entry statistics' tables, each with its CSV download (the same numbers, from the API's .csv). */

export function StatsPanel(props: {
  table: StatsTable;
  title: string;
  csv: (table: StatsTable) => string;
  sub?: string;
  children: ComponentChildren;
}) {
  return (
    <Panel
      name={`stats-${props.table}`}
      title={props.title}
      sub={props.sub}
      actions={
        <a
          class="btn btn-small"
          href={props.csv(props.table)}
          download={`visitor-stats-${props.table}.csv`}
          title={st('csvTip')}
          data-csv={props.table}
        >
          {st('csv')}
        </a>
      }
    >
      {props.children}
    </Panel>
  );
}

/** Visits, entries, exits per bucket; a bar shows entries against the busiest bucket. */
export function CountTable({
  rows,
  keyLabel,
  name,
}: {
  rows: CountRow[];
  keyLabel: string;
  name: (r: CountRow) => string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.entries));
  return (
    <div class="table-wrap">
      <table class="table stats-table">
        <thead>
          <tr>
            <th>{keyLabel}</th>
            <th class="num" title={st('visitsTip')}>
              {st('visits')}
            </th>
            <th class="num">{st('entries')}</th>
            <th class="num">{st('exits')}</th>
            <th class="stats-bar-cell" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <td>{name(r)}</td>
              <td class="num" data-col="visits">
                {fmtNumber(r.visits, 0)}
              </td>
              <td class="num" data-col="entries">
                {fmtNumber(r.entries, 0)}
              </td>
              <td class="num" data-col="exits">
                {fmtNumber(r.exits, 0)}
              </td>
              <td class="stats-bar-cell" aria-hidden="true">
                <span class="stats-bar" style={{ width: `${(100 * r.entries) / max}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PeakTable({ rows }: { rows: PeakRow[] }) {
  const at = (ms: number | null) => (ms === null ? '' : ` ${st('at')} ${fmtTime(ms)}`);
  return (
    <div class="table-wrap">
      <table class="table stats-table">
        <thead>
          <tr>
            <th>{st('day')}</th>
            <th class="num">{st('peakVisitors')}</th>
            <th class="num">{st('peakPeople')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.day} data-row={r.day}>
              <td>{r.day}</td>
              <td class="num" data-col="visitors">
                <b>{r.visitors}</b>
                <span class="muted">{at(r.visitorsAt)}</span>
              </td>
              <td class="num" data-col="people">
                <b>{r.people}</b>
                <span class="muted">{at(r.peopleAt)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DeniedTable({ rows }: { rows: { reason: string; count: number }[] }) {
  if (!rows.length) return <p class="placeholder">{st('deniedNone')}</p>;
  return (
    <div class="table-wrap">
      <table class="table stats-table">
        <thead>
          <tr>
            <th>{st('reason')}</th>
            <th class="num">{st('count')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.reason} data-row={r.reason}>
              <td>{known('reason', r.reason)}</td>
              <td class="num" data-col="count">
                {fmtNumber(r.count, 0)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const STATUS_TONE: Record<TodayVisitor['status'], string> = {
  awaiting: 'warn',
  expected: 'muted',
  inside: 'info',
  left: 'good',
};

/** The security desk's list of today's visitors and where each is. */
export function TodayDesk({ visitors }: { visitors: TodayVisitor[] | undefined }) {
  return (
    <Panel name="desk-today" title={st('todayList')} sub={st('todayListNote')}>
      {visitors && visitors.length === 0 && <p class="placeholder">{st('todayEmpty')}</p>}
      {visitors && visitors.length > 0 && (
        <div class="table-wrap">
          <table class="table passes desk-today">
            <thead>
              <tr>
                <th>{st('visitor')}</th>
                <th>{st('host')}</th>
                <th>{st('window')}</th>
                <th>{st('status')}</th>
                <th>{st('arrived')}</th>
                <th>{st('left')}</th>
              </tr>
            </thead>
            <tbody>
              {visitors.map((v) => (
                <tr key={v.passId} data-pass-id={v.passId} data-status={v.status}>
                  <td>
                    {v.visitorName}
                    {v.company && <span class="visitor-sub muted">{v.company}</span>}
                  </td>
                  <td data-label={st('host')}>{v.host}</td>
                  <td data-label={st('window')}>
                    <span class="nowrap">
                      {fmtDateTime(v.validFrom)} – {fmtDateTime(v.validUntil)}
                    </span>
                  </td>
                  <td>
                    <Badge tone={STATUS_TONE[v.status]}>{st(`status.${v.status}`)}</Badge>
                  </td>
                  <td data-label={st('arrived')}>{v.arrivedAt === null ? '—' : fmtTime(v.arrivedAt)}</td>
                  <td data-label={st('left')}>{v.leftAt === null ? '—' : fmtTime(v.leftAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
