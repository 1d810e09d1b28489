import { useMemo, useState } from 'preact/hooks';
import { can, useApi } from '../hub.js';
import type {
  AssetAnswer,
  CalendarAnswer,
  OptimumStartAnswer,
  ScheduleAnswer,
  ScheduleBody,
  SchedulesAnswer,
  SiteAnswer,
  ZoneNode,
} from '../hub-types.js';
import { useLang } from '../i18n.js';
import { Badge, ErrorBox, Loading, Section } from '../ui.js';
import { OptimumStart } from './control-optimum-start.js';
import { type FormContext, ScheduleForm } from './control-schedule-form.js';
import {
  cleanBody,
  listOf,
  resolvePoints,
  siteToday,
  valueKind,
  valueText,
  zoneSubtrees,
} from './control-schedule-model.js';
import { t } from './control-schedules-text.js';

/**
 * The control view's schedules section: every schedule (site-file ones read-only, API ones editable with
 * control:manage) with its points, calendar and next change; the one picked opens in the week-grid editor with
 * its dry run; under them, how optimum start did each morning.
 */

function flatZones(zones: ZoneNode[], prefix = '', out: { id: string; name: string }[] = []) {
  for (const z of zones) {
    const name = prefix ? `${prefix} / ${z.name}` : z.name;
    out.push({ id: z.id, name });
    flatZones(z.children, name, out);
  }
  return out;
}

/** The schedules, calendars, assets and zones the editor needs. */
export function useScheduleData() {
  const schedules = useApi<unknown>('/control/schedules');
  const calendars = useApi<unknown>('/control/calendars');
  const assets = useApi<AssetAnswer[]>('/assets');
  const site = useApi<SiteAnswer>('/site');
  const ctx = useMemo<FormContext>(
    () => ({
      assets: assets.data ?? [],
      zones: flatZones(site.data?.zones ?? []),
      subtrees: zoneSubtrees(site.data?.zones ?? []),
      calendars: listOf<CalendarAnswer>(calendars.data, 'calendars') ?? [],
    }),
    [assets.data, site.data, calendars.data],
  );
  return { schedules, calendars, assets, site, ctx };
}

type Open = { kind: 'saved'; id: string } | { kind: 'new'; start?: ScheduleBody } | null;

function ScheduleRow(props: {
  s: ScheduleAnswer;
  ctx: FormContext;
  open: boolean;
  manage: boolean;
  onOpen: () => void;
  onCopy: () => void;
}) {
  const { s, ctx } = props;
  const points = s.points.length;
  const unit = valueKind(resolvePoints(s.schedule.targets, ctx.assets, ctx.subtrees)).unit;
  const calId = s.schedule.calendar;
  const cal = ctx.calendars.find((c) => c.id === calId);
  const editable = s.origin !== 'site-file' && props.manage;
  const now = s.now;
  return (
    <tr data-schedule-row={s.id} class={props.open ? 'selected' : ''}>
      <td>
        <strong>{s.name || s.id}</strong>
        <div class="muted mono">{s.id}</div>
      </td>
      <td>
        <Badge tone={s.origin === 'site-file' ? 'muted' : 'info'}>
          {s.origin === 'site-file' ? t('siteFile') : t('api')}
        </Badge>
      </td>
      <td class="num" data-points={points}>
        {points === 1 ? t('onePoint') : t('nPoints', { n: points })}
      </td>
      <td>{cal?.name || calId || <span class="muted">—</span>}</td>
      <td data-next={now?.nextEdge ?? ''}>
        {now ? (
          <>
            <span data-now={String(now.value)}>
              {now.value === null
                ? t('nowReleased')
                : t('nowIs', { v: valueText(now.value, [t('on'), t('off')], unit) })}
            </span>
            {now.nextEdgeLocal && (
              <div class="muted">
                {t('untilEdge', { at: now.nextEdgeLocal.replace(`${siteToday()} `, '') })}
              </div>
            )}
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="cs-row-actions">
        <button type="button" class="btn btn-small" data-action="open-schedule" onClick={props.onOpen}>
          {editable ? t('edit') : t('view')}
        </button>
        {s.origin === 'site-file' && props.manage && (
          <button type="button" class="btn btn-small" data-action="copy-schedule" onClick={props.onCopy}>
            {t('copy')}
          </button>
        )}
      </td>
    </tr>
  );
}

export function SchedulesSection() {
  useLang();
  const { schedules, assets, site, ctx } = useScheduleData();
  const optimum = useApi<unknown>('/control/optimum-start');
  const [open, setOpen] = useState<Open>(null);
  /** The schedule just created: its form says so once it reopens as saved. */
  const [created, setCreated] = useState<string>();
  const list = listOf<ScheduleAnswer>(schedules.data, 'schedules');
  const broken = (schedules.data as SchedulesAnswer | undefined)?.broken ?? [];
  // a schedule writes to equipment: the API wants setpoint:write as well
  const manage = can('control:manage') && can('setpoint:write');
  const openSaved = open?.kind === 'saved' ? list?.find((s) => s.id === open.id) : undefined;

  const copyOf = (s: ScheduleAnswer): ScheduleBody => {
    const body = cleanBody(s.schedule);
    return { ...body, id: `${s.id}-copy`, name: `${s.name || s.id} (2)` };
  };

  return (
    <Section
      title={t('schedules')}
      actions={
        manage && (
          <button
            type="button"
            class="btn btn-small btn-primary"
            data-action="new-schedule"
            onClick={() => setOpen({ kind: 'new' })}
          >
            {t('newSchedule')}
          </button>
        )
      }
    >
      <div class="cs" data-section="schedules">
        <p class="muted">{t('schedulesHint')}</p>
        {schedules.error && <ErrorBox error={schedules.error} retry={schedules.reload} />}
        {(assets.error || site.error) && <ErrorBox error={assets.error ?? site.error} />}
        {!list && !schedules.error && <Loading />}
        {list && list.length === 0 && <p class="placeholder">{t('none')}</p>}
        {list && list.length > 0 && (
          <div class="cs-table-wrap">
            <table class="table cs-table cs-list">
              <thead>
                <tr>
                  <th>{t('name')}</th>
                  <th>{t('source')}</th>
                  <th class="num">{t('targets')}</th>
                  <th>{t('calendar')}</th>
                  <th>{t('nextEdge')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <ScheduleRow
                    key={s.id}
                    s={s}
                    ctx={ctx}
                    open={open?.kind === 'saved' && open.id === s.id}
                    manage={manage}
                    onOpen={() => setOpen({ kind: 'saved', id: s.id })}
                    onCopy={() => setOpen({ kind: 'new', start: copyOf(s) })}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {broken.length > 0 && (
          <div class="form-error" role="alert" data-broken>
            <p>{t('broken')}</p>
            <ul>
              {broken.map((b) => (
                <li key={b.id}>
                  <span class="mono">{b.id}</span>: {b.errors.join('; ')}
                </li>
              ))}
            </ul>
          </div>
        )}
        {!manage && <p class="muted">{t('mayNotEdit')}</p>}

        {open?.kind === 'new' && (
          <ScheduleForm
            saved={null}
            start={open.start}
            editable={manage}
            ctx={ctx}
            onSaved={(b) => {
              schedules.reload();
              setCreated(b.id);
              setOpen({ kind: 'saved', id: b.id });
            }}
            onDeleted={() => setOpen(null)}
            onClose={() => setOpen(null)}
          />
        )}
        {openSaved && (
          <ScheduleForm
            key={openSaved.id}
            saved={openSaved}
            justCreated={created === openSaved.id}
            editable={manage && openSaved.origin !== 'site-file'}
            ctx={ctx}
            onSaved={() => schedules.reload()}
            onDeleted={() => {
              setOpen(null);
              schedules.reload();
            }}
            onClose={() => setOpen(null)}
          />
        )}

        <OptimumStart
          data={listOf<OptimumStartAnswer>(optimum.data, 'schedules')}
          error={optimum.error}
          names={new Map((list ?? []).map((s) => [s.id, s.name || s.id]))}
        />
      </div>
    </Section>
  );
}

/** The control view's tab (`#/control/schedules`): its entry in control.tsx's SECTIONS. */
export const schedulesSection = { id: 'schedules', label: () => t('schedules'), View: SchedulesSection };
