import { useState } from 'preact/hooks';
import type { AssetAnswer, ScheduleTargets } from '../hub-types.js';
import { FieldError } from './control-period-editor.js';
import { errorsUnder } from './control-schedule-model.js';
import { t } from './control-schedules-text.js';

/**
 * What a schedule commands: command points by name, and groups (one point name on every asset of a kind in a
 * zone and below it). The count of points they resolve to shows under the editor.
 */
export function TargetsEditor(props: {
  targets: ScheduleTargets;
  assets: AssetAnswer[];
  zones: { id: string; name: string }[];
  editable: boolean;
  errors: Map<string, string>;
  onChange: (t: ScheduleTargets) => void;
}) {
  const { targets, assets } = props;
  const points = targets.points ?? [];
  const groups = targets.groups ?? [];
  const [zone, setZone] = useState('');
  const [kind, setKind] = useState('');
  const [pointName, setPointName] = useState('');

  const label = new Map<string, string>();
  for (const a of assets) for (const p of a.points) label.set(p.id, `${a.name} · ${p.label ?? p.name}`);
  const commandAssets = assets.filter((a) => a.points.some((p) => p.kind === 'command'));
  const kinds = [...new Set(commandAssets.map((a) => a.kind))].sort();
  const names = [
    ...new Set(
      commandAssets
        .filter((a) => !kind || a.kind === kind)
        .flatMap((a) => a.points.filter((p) => p.kind === 'command').map((p) => p.name)),
    ),
  ].sort();
  const zoneName = new Map(props.zones.map((z) => [z.id, z.name]));

  return (
    <fieldset class="cs-targets" data-part="targets">
      <legend>{t('targets')}</legend>
      <ul class="cs-target-list">
        {points.map((id, i) => (
          <li key={id} data-target-point={id}>
            <span>{label.get(id) ?? id}</span> <span class="muted mono">{id}</span>
            {props.editable && (
              <button
                type="button"
                class="btn btn-small"
                onClick={() => props.onChange({ ...targets, points: points.filter((_, j) => j !== i) })}
              >
                {t('remove')}
              </button>
            )}
            <FieldError text={props.errors.get(`targets.points.${i}`)} />
          </li>
        ))}
        {groups.map((g, i) => (
          <li key={`g${i}`} data-target-group={i}>
            <span>
              {t('group', {
                point: g.point,
                kind: g.kind ?? t('anyKind'),
                zone: g.zone ? (zoneName.get(g.zone) ?? g.zone) : t('wholeSite'),
              })}
            </span>
            {props.editable && (
              <button
                type="button"
                class="btn btn-small"
                onClick={() => props.onChange({ ...targets, groups: groups.filter((_, j) => j !== i) })}
              >
                {t('remove')}
              </button>
            )}
            <FieldError text={errorsUnder(props.errors, `targets.groups.${i}`).join('; ') || undefined} />
          </li>
        ))}
      </ul>
      {props.editable && (
        <div class="cs-target-add">
          <select
            name="add-point"
            aria-label={t('addPoint')}
            value=""
            onChange={(e) => {
              const id = (e.target as HTMLSelectElement).value;
              if (id && !points.includes(id)) props.onChange({ ...targets, points: [...points, id] });
            }}
          >
            <option value="">{t('pickPoint')}</option>
            {commandAssets.map((a) => (
              <optgroup key={a.id} label={a.name}>
                {a.points
                  .filter((p) => p.kind === 'command')
                  .map((p) => (
                    <option key={p.id} value={p.id} disabled={points.includes(p.id)}>
                      {p.label ?? p.name} ({p.id})
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          <span class="cs-group-add">
            <select
              name="group-zone"
              aria-label={t('zone')}
              value={zone}
              onChange={(e) => setZone((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('wholeSite')}</option>
              {props.zones.map((z) => (
                <option key={z.id} value={z.id}>
                  {z.name}
                </option>
              ))}
            </select>
            <select
              name="group-kind"
              aria-label={t('kind')}
              value={kind}
              onChange={(e) => setKind((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('anyKind')}</option>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <select
              name="group-point"
              aria-label={t('pointName')}
              value={pointName}
              onChange={(e) => setPointName((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('pointName')}</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <button
              type="button"
              class="btn btn-small"
              disabled={!pointName}
              onClick={() =>
                props.onChange({
                  ...targets,
                  groups: [
                    ...groups,
                    { ...(zone ? { zone } : {}), ...(kind ? { kind } : {}), point: pointName },
                  ],
                })
              }
            >
              {t('addGroup')}
            </button>
          </span>
        </div>
      )}
      <FieldError text={props.errors.get('targets')} />
    </fieldset>
  );
}
