import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ApiProblem, useApi, useHubEvent } from '../hub.js';
import { fmtDateTime, useLang } from '../i18n.js';
import type { Route } from '../router.js';
import { ErrorBox, Loading, useNow } from '../ui.js';
import type { Alert, AlertEvent } from './alerts-model.js';
import { AlertsPanel, type EquipmentFile, FilePanel, TicketsPanel } from './asset-file.js';
import { type AssetAnswer, type Latest, PointsTable } from './asset-points.js';
import { ageText, type Key, t } from './asset-text.js';
import { AssetTrend, MAX_LINES } from './asset-trend.js';
import { AssetControls } from './control-points.js';

/**
 * One asset's page (`#/assets/<id>`, from the site tree): what and where it is, its device, its points live
 * (value, quality, age; a stale or bad value looks stale, with why), 24 hours of its numeric points, its
 * alerts and fault tickets, and its equipment file (设备档案: details, documents, plans, work orders,
 * maintenance mode).
 */

interface DeviceHealth {
  deviceId: string;
  name?: string;
  state: 'online' | 'offline' | 'unknown';
  since: number;
  lastSeenAt?: number;
}

const DEVICE_TONE = { online: 'good', offline: 'bad', unknown: 'muted' } as const;

export default function AssetView({ route }: { route: Route }) {
  useLang();
  const id = route.rest[0] ?? '';
  const enc = encodeURIComponent(id);
  const asset = useApi<AssetAnswer>(id ? `/assets/${enc}` : null);
  const file = useApi<EquipmentFile>(id ? `/assets/${enc}/file` : null);
  const site = useApi<{ site: { timezone?: string } }>('/site');
  const devices = useApi<{ devices: DeviceHealth[] }>('/devices');
  const now = useNow();

  // live values of this asset's points (the newest of these and the loaded ones is shown)
  const [live, setLive] = useState(new Map<string, Latest>());
  const pointIds = useMemo(() => new Set(asset.data?.points.map((p) => p.id)), [asset.data]);
  useHubEvent<Latest[]>(
    'values',
    (batch) => {
      let next: Map<string, Latest> | undefined;
      for (const v of batch) {
        if (!pointIds.has(v.pointId)) continue;
        next ??= new Map(live);
        next.set(v.pointId, v);
      }
      if (next) setLive(next);
    },
    [pointIds, live],
  );
  // what was missed while the connection was down comes from the API
  const conn = useRef('live');
  useHubEvent<string>('conn', (s) => {
    if (s === 'live' && conn.current !== 'live') {
      asset.reload();
      file.reload();
    }
    conn.current = s;
  });
  useEffect(() => setLive(new Map()), [asset.data]);

  // alerts: the file's, kept current by the live events
  const [alerts, setAlerts] = useState<Alert[]>([]);
  useEffect(() => setAlerts(file.data?.alerts ?? []), [file.data]);
  useHubEvent<AlertEvent>(
    'alert',
    (e) => {
      const a = e?.alert;
      if (!a || a.assetId !== id) return;
      setAlerts((list) => [a, ...list.filter((x) => x.id !== a.id)].sort((x, y) => y.id - x.id));
    },
    [id],
  );
  // tickets (and maintenance): a burst of ticket events is one reload of the file
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const reloadFile = useRef(file.reload);
  reloadFile.current = file.reload;
  useHubEvent('ticket', () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => reloadFile.current(), 300);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  // the device's state, live
  const [deviceEvent, setDeviceEvent] = useState<{ state: DeviceHealth['state']; ts: number }>();
  const deviceId = asset.data?.deviceId ?? null;
  useHubEvent<{ deviceId: string; state: DeviceHealth['state']; ts: number }>(
    'device',
    (e) => {
      if (e?.deviceId === deviceId) setDeviceEvent({ state: e.state, ts: e.ts });
    },
    [deviceId],
  );

  if (!id || (asset.error as ApiProblem | undefined)?.status === 404)
    return (
      <section class="view as" data-view-id="asset">
        <p class="placeholder" data-not-found>
          {t('notFound', { id })}
        </p>
      </section>
    );
  if (asset.error && !asset.data)
    return (
      <section class="view as" data-view-id="asset">
        <ErrorBox error={asset.error} retry={asset.reload} />
      </section>
    );
  if (!asset.data)
    return (
      <section class="view as" data-view-id="asset">
        <Loading />
      </section>
    );

  const a = asset.data;
  const f = file.data;
  const health = devices.data?.devices.find((d) => d.deviceId === deviceId);
  const deviceState = deviceEvent?.state ?? health?.state ?? 'unknown';
  const since = deviceEvent?.ts ?? health?.since;
  const numeric = a.points
    .filter((p) => (p.type ?? 'number') === 'number' && p.kind !== 'command')
    .slice(0, MAX_LINES);
  const tz = site.data?.site.timezone ?? 'UTC';

  return (
    <section class="view as" data-view-id="asset" data-asset={a.id}>
      <header class="panel as-head">
        <nav class="as-path" aria-label={t('zone')} data-part="zone-path">
          <a href="#/">{t('back')}</a>
          {(f?.asset.zonePath ?? []).map((z) => (
            <span key={z.id} data-zone={z.id}>
              {' › '}
              {z.name}
            </span>
          ))}
        </nav>
        <h1 class="as-name">{a.name}</h1>
        <div class="as-facts">
          <span class="chip as-kind" title={t('kind')} data-part="kind">
            {a.kind}
          </span>
          {a.model && (
            <span class="muted" title={t('model')}>
              {a.model}
            </span>
          )}
          {deviceId ? (
            <span class="as-device" data-part="device" data-state={deviceState}>
              <span class="muted">{t('device')}:</span> <b>{health?.name ?? deviceId}</b>{' '}
              <span class={`badge badge-${DEVICE_TONE[deviceState] ?? 'muted'}`}>
                {t(`dev-${deviceState}` as Key)}
              </span>{' '}
              <small class="muted">
                {since ? t('devSince', { when: fmtDateTime(since) }) : ''}
                {health?.lastSeenAt ? ` · ${t('lastSeen', { age: ageText(health.lastSeenAt, now) })}` : ''}
              </small>
            </span>
          ) : (
            <span class="chip" data-part="device">
              {t('noDevice')}
            </span>
          )}
          {f?.maintenanceMode && (
            <span class="badge badge-warn" data-part="maintenance-badge">
              {t('maintenance')}
            </span>
          )}
        </div>
      </header>

      <div class="as-grid">
        <div class="as-main">
          <section class="panel as-live" data-section="points">
            <div class="section-head">
              <h2>{t('points')}</h2>
            </div>
            <div class="as-table-wrap">
              <PointsTable points={a.points} live={live} />
            </div>
          </section>
          <AssetControls assetId={a.id} />
          <AssetTrend points={numeric} tz={tz} />
        </div>
        <div class="as-side">
          {file.error && !f && <ErrorBox error={file.error} retry={file.reload} />}
          {!f && !file.error && <Loading />}
          {f && <AlertsPanel alerts={alerts} assetId={a.id} now={now} />}
          {f && <TicketsPanel file={f} />}
        </div>
      </div>
      {f && <FilePanel file={f} />}
    </section>
  );
}
