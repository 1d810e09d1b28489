import { useMemo, useState } from 'preact/hooks';
import { useApi } from '../hub.js';
import type { ControlPoint, LatestValue, SiteAnswer, ZoneNode } from '../hub-types.js';
import { fmtDateTime, useLang } from '../i18n.js';
import { href } from '../router.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { usePointActions } from './control-actions.js';
import { PriorityArray } from './control-array.js';
import { type AssetLite, type ControlPoints, useControlPoints } from './control-live.js';
import { holderText, operatorSlot, valueText } from './control-model.js';
import { OverrideForm } from './control-override.js';
import { ct } from './control-text.js';

/**
 * The command points: each with the value in force and who holds it, what the device reads back, a pending
 * badge while the device has not taken it, its priority array, and (for who may write it) the override form
 * and the release buttons. The control view lists them all by zone and asset; the asset page its own.
 */

export function PointCard({
  point: p,
  readBack,
  control,
}: {
  point: ControlPoint;
  readBack?: LatestValue;
  control: Pick<ControlPoints, 'apply' | 'overrideMinutes' | 'maxOverrideMinutes'>;
}) {
  const actions = usePointActions(p.pointId, control.apply);
  const [editing, setEditing] = useState(false);
  const operator = operatorSlot(p);
  const failed = p.lastWrite && !p.lastWrite.ok ? p.lastWrite.error : undefined;
  return (
    <article
      class={`ct-point${p.pending ? ' ct-point-pending' : ''}`}
      data-control-point={p.pointId}
      data-level={p.effective.level ?? 'none'}
      data-pending={p.pending ? 'true' : 'false'}
    >
      <div class="ct-point-head">
        <h4 class="ct-point-label">{p.label || p.pointId.slice(p.pointId.indexOf('/') + 1)}</h4>
        <small class="mono muted ct-point-id">{p.pointId}</small>
        {p.pending && (
          <span title={ct('pendingHint')} data-badge="pending">
            <Badge tone="warn">{ct('pending')}</Badge>
          </span>
        )}
      </div>
      <dl class="ct-facts">
        <div>
          <dt>{ct('effective')}</dt>
          <dd class="ct-effective" data-field="effective">
            {valueText(p.effective.value, p)}
          </dd>
        </div>
        <div>
          <dt>{ct('readBack')}</dt>
          <dd class="ct-readback" data-field="read-back" data-quality={readBack?.quality}>
            {valueText(readBack?.value ?? null, p)}
          </dd>
        </div>
        <div class="ct-holder-wrap">
          <dt>{ct('heldBy')}</dt>
          <dd class="ct-holder" data-field="holder">
            {holderText(p)}
            {p.effective.level === operator?.level && operator?.expiresAt && (
              <small class="muted"> · {ct('untilTime', { time: fmtDateTime(operator.expiresAt) })}</small>
            )}
          </dd>
        </div>
      </dl>
      {failed && <p class="ct-failed">{ct('writeFailed', { why: failed })}</p>}
      {p.mayWrite && !editing && (
        <div class="ct-point-actions">
          <button
            type="button"
            class="btn btn-small btn-primary"
            data-action="override"
            onClick={() => {
              actions.clearError();
              setEditing(true);
            }}
          >
            {ct('override')}
          </button>
          {operator && (
            <button
              type="button"
              class="btn btn-small"
              disabled={actions.busy}
              data-action="release-override"
              onClick={() => void actions.release()}
            >
              {ct('release')}
            </button>
          )}
        </div>
      )}
      {editing && (
        <OverrideForm
          point={p}
          actions={actions}
          minutes={control.overrideMinutes}
          maxMinutes={control.maxOverrideMinutes}
          onDone={() => setEditing(false)}
        />
      )}
      {!editing && actions.error && (
        <p class="form-error" role="alert" data-error="point">
          {actions.error}
        </p>
      )}
      <details class="ct-details" data-part="array">
        <summary>{ct('arrayN', { n: p.slots.length })}</summary>
        <PriorityArray point={p} actions={actions} />
      </details>
    </article>
  );
}

interface Group {
  zone: string;
  zoneName: string;
  assets: { id: string; name: string; points: ControlPoint[] }[];
}

/** The points by zone (the site tree's order, its path as the name) and asset. */
function groupPoints(points: ControlPoint[], assets: AssetLite[], zones: ZoneNode[]): Group[] {
  const byAsset = new Map<string, ControlPoint[]>();
  for (const p of points) byAsset.set(p.assetId, [...(byAsset.get(p.assetId) ?? []), p]);
  const assetById = new Map(assets.map((a) => [a.id, a]));
  const groups: Group[] = [];
  const seen = new Set<string>();
  const walk = (z: ZoneNode, path: string[]) => {
    const names = [...path, z.name];
    const g: Group = { zone: z.id, zoneName: names.join(' › '), assets: [] };
    for (const id of z.assets) {
      const list = byAsset.get(id);
      if (!list) continue;
      seen.add(id);
      g.assets.push({ id, name: assetById.get(id)?.name ?? id, points: list });
    }
    if (g.assets.length) groups.push(g);
    for (const c of z.children) walk(c, names);
  };
  for (const z of zones) walk(z, []);
  const rest = [...byAsset].filter(([id]) => !seen.has(id));
  if (rest.length)
    groups.push({
      zone: '',
      zoneName: '—',
      assets: rest.map(([id, list]) => ({ id, name: assetById.get(id)?.name ?? id, points: list })),
    });
  return groups;
}

/** The control view's Points section. */
export function PointsSection() {
  useLang();
  const control = useControlPoints();
  const site = useApi<SiteAnswer>('/site');
  const [q, setQ] = useState('');
  const groups = useMemo(
    () => groupPoints(control.points, control.assets, site.data?.zones ?? []),
    [control.points, control.assets, site.data],
  );
  const needle = q.trim().toLowerCase();
  const shown = needle
    ? groups
        .map((g) => ({
          ...g,
          assets: g.assets
            .map((a) => ({
              ...a,
              points: a.points.filter((p) =>
                [p.pointId, p.label ?? '', a.name, g.zoneName].some((s) => s.toLowerCase().includes(needle)),
              ),
            }))
            .filter((a) => a.points.length),
        }))
        .filter((g) => g.assets.length)
    : groups;
  const mayWriteAny = control.points.some((p) => p.mayWrite);

  return (
    <section class="panel ct-section" data-section="points">
      <div class="section-head">
        <h2>{ct('pointsTitle')}</h2>
        <span class="muted">{ct('count', { n: control.points.length })}</span>
      </div>
      <p class="muted ct-hint">{ct('pointsHint')}</p>
      {control.points.length > 0 && !mayWriteAny && (
        <p class="ct-readonly" data-readonly>
          {ct('readOnly')}
        </p>
      )}
      {control.points.length > 6 && (
        <label class="ct-filter">
          <span>{ct('filter')}</span>
          <input
            type="search"
            name="filter"
            placeholder={ct('filterHint')}
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      {control.error && !control.points.length && <ErrorBox error={control.error} retry={control.reload} />}
      {control.loading && <Loading />}
      {!control.loading && !control.error && !control.points.length && (
        <p class="placeholder">{ct('noPoints')}</p>
      )}
      {needle && !shown.length && <p class="placeholder">{ct('nothingMatches', { q })}</p>}
      {shown.map((g) => (
        <section key={g.zone} class="ct-zone" data-zone={g.zone}>
          <h3 class="ct-zone-name">{g.zoneName}</h3>
          {g.assets.map((a) => (
            <div key={a.id} class="ct-asset" data-asset={a.id}>
              <h4 class="ct-asset-name">
                <a href={href('assets', [a.id])}>{a.name}</a>
              </h4>
              <div class="ct-points">
                {a.points.map((p) => (
                  <PointCard
                    key={p.pointId}
                    point={p}
                    readBack={control.readBack.get(p.pointId)}
                    control={control}
                  />
                ))}
              </div>
            </div>
          ))}
        </section>
      ))}
    </section>
  );
}

/** The asset page's control panel: its command points, with the same cards. Nothing when it has none. */
export function AssetControls({ assetId }: { assetId: string }) {
  useLang();
  const control = useControlPoints(assetId);
  if (control.error || control.loading || !control.points.length) return null;
  return (
    <section class="panel ct-section as-control" data-section="control">
      <div class="section-head">
        <h2>{ct('assetControls')}</h2>
        <a class="muted" href={href('control', ['points'])} data-link="control">
          {ct('openControl')}
        </a>
      </div>
      <p class="muted ct-hint">{ct('assetControlsHint')}</p>
      <div class="ct-points">
        {control.points.map((p) => (
          <PointCard key={p.pointId} point={p} readBack={control.readBack.get(p.pointId)} control={control} />
        ))}
      </div>
    </section>
  );
}
