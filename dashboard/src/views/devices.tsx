import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, can, useHubEvent } from '../hub.js';
import { fmtDateTime, fmtNumber, fmtTime, useLang } from '../i18n.js';
import { href, type Route } from '../router.js';
import { Badge, ErrorBox, Loading, Tile } from '../ui.js';
import { ModbusPreview } from './devices-modbus.js';
import { OpcuaBrowse } from './devices-opcua.js';
import { age, known, t } from './devices-text.js';

/**
 * Devices and links (GET /devices): each link's connection state, retries and last error with its
 * statistics, each device's state, when it was last heard and its counters; offline first. Live: a 'device'
 * or 'link' event changes the row at once (and the counters are read again soon), and the list is read
 * again every 10 s. For engineers (devices:diagnose) a Modbus device opens the decode preview and an OPC UA
 * device a browser of its server, at `#/devices/<id>`.
 */

export interface LinkInfo {
  linkId: string;
  protocol: string;
  state: string;
  since: number;
  attempts: number;
  nextAttemptAt?: number;
  connects: number;
  disconnects: number;
  errors: number;
  lastError?: { code?: string; message: string; at: number };
  stats?: Record<string, number | string | boolean>;
}

export interface DeviceInfo {
  deviceId: string;
  name?: string;
  protocol: string;
  linkId: string;
  state: string;
  since: number;
  lastSeenAt?: number;
  readings: number;
  lost: number;
  malformed: number;
  malformedByTopic: Record<string, number>;
  denied: Record<'login' | 'publish' | 'subscribe', number>;
  lastError?: { message: string; at: number };
  lastMalformed?: { topic: string; reason: string; sample: string; at: number };
  lastDenied?: { kind: string; detail: string; at: number };
}

interface Health {
  links: LinkInfo[];
  devices: DeviceInfo[];
  pipeline?: Record<string, number>;
  unknownClients?: Record<string, number>;
}

interface DeviceEvent {
  deviceId: string;
  state: string;
  reason?: string;
  ts: number;
}
interface LinkEvent {
  linkId: string;
  state: string;
  error?: string;
  ts: number;
}

const REFRESH_MS = 10_000;
type Bucket = 'online' | 'offline' | 'unknown';
const RANK: Record<Bucket, number> = { offline: 0, unknown: 1, online: 2 };

const deviceBucket = (state: string): Bucket =>
  state === 'online' ? 'online' : state === 'offline' ? 'offline' : 'unknown';
const linkBucket = (state: string): Bucket =>
  state === 'up' ? 'online' : state === 'backoff' || state === 'down' ? 'offline' : 'unknown';
const TONE: Record<Bucket, string> = { online: 'good', offline: 'bad', unknown: 'muted' };
const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((n, v) => n + v, 0);

/** GET /devices now, every 10 s and soon after a live event; events newer than the answer win. */
function useHealth() {
  const [data, setData] = useState<Health>();
  const [error, setError] = useState<unknown>();
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [devEvents, setDevEvents] = useState<Map<string, DeviceEvent>>(new Map());
  const [linkEvents, setLinkEvents] = useState<Map<string, LinkEvent>>(new Map());
  const seq = useRef(0);
  const soon = useRef<ReturnType<typeof setTimeout>>(undefined);

  const load = () => {
    const mine = ++seq.current;
    api<Health>('/devices').then(
      (h) => {
        if (mine !== seq.current) return;
        setData(h);
        setError(undefined);
        setUpdatedAt(Date.now());
      },
      (err) => mine === seq.current && setError(err),
    );
  };
  const loadSoon = () => {
    clearTimeout(soon.current);
    soon.current = setTimeout(load, 400);
  };
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(soon.current);
    };
  }, []);
  useHubEvent<DeviceEvent>('device', (e) => {
    if (!e || typeof e.deviceId !== 'string') return;
    setDevEvents((m) => new Map(m).set(e.deviceId, e));
    loadSoon();
  });
  useHubEvent<LinkEvent>('link', (e) => {
    if (!e || typeof e.linkId !== 'string') return;
    setLinkEvents((m) => new Map(m).set(e.linkId, e));
    loadSoon();
  });

  const merged = useMemo(() => {
    if (!data) return undefined;
    const devices = data.devices.map((d) => {
      const e = devEvents.get(d.deviceId);
      if (!e || e.ts <= d.since) return d;
      return {
        ...d,
        state: e.state,
        since: e.ts,
        lastError: e.state === 'offline' ? { message: e.reason ?? 'offline', at: e.ts } : d.lastError,
      };
    });
    const links = data.links.map((l) => {
      const e = linkEvents.get(l.linkId);
      if (!e || e.ts <= l.since) return l;
      return {
        ...l,
        state: e.state,
        since: e.ts,
        lastError: e.error ? { code: '', message: e.error, at: e.ts } : l.lastError,
      };
    });
    return { ...data, devices, links };
  }, [data, devEvents, linkEvents]);

  return { data: merged, error, updatedAt, reload: load };
}

/** Re-render every second (ages, "next attempt in"). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Since({ ms }: { ms: number }) {
  return (
    <small class="dv-since" title={fmtDateTime(ms)}>
      {t('since', { time: fmtTime(ms) })}
    </small>
  );
}

function StateCell({ state, label, since }: { state: Bucket; label: string; since: number }) {
  return (
    <td class="dv-state">
      <Badge tone={TONE[state]}>{label}</Badge>
      <Since ms={since} />
    </td>
  );
}

function ErrorCell({ error, now }: { error?: { code?: string; message: string; at: number }; now: number }) {
  if (!error) return <td class="dv-error muted">—</td>;
  return (
    <td class="dv-error">
      {error.code && <code class="dv-code">{error.code}</code>}
      <span class="dv-error-msg">{error.message}</span>
      <small class="muted" title={fmtDateTime(error.at)}>
        {fmtDateTime(error.at)} · {t('ago', { age: age(now - error.at) })}
      </small>
    </td>
  );
}

function Stats({ stats }: { stats?: Record<string, number | string | boolean> }) {
  const entries = Object.entries(stats ?? {});
  if (!entries.length) return <span class="muted">—</span>;
  return (
    <dl class="dv-stats">
      {entries.map(([k, v]) => (
        <div key={k} data-stat={k}>
          <dt>{known('stat', k)}</dt>
          <dd>
            {typeof v === 'boolean' ? t(v ? 'yes' : 'no') : typeof v === 'number' ? fmtNumber(v, 1) : v}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function LinksTable({ links, now }: { links: LinkInfo[]; now: number }) {
  if (!links.length) return <p class="placeholder">{t('linksNone')}</p>;
  return (
    <div class="dv-table-wrap">
      <table class="table dv-table dv-links">
        <thead>
          <tr>
            <th>{t('link')}</th>
            <th>{t('protocol')}</th>
            <th>{t('state')}</th>
            <th class="num">{t('attempts')}</th>
            <th>{t('nextAttempt')}</th>
            <th>{t('lastError')}</th>
            <th>{t('stats')}</th>
          </tr>
        </thead>
        <tbody>
          {links.map((l) => (
            <tr key={l.linkId} data-link-id={l.linkId} data-state={l.state}>
              <td class="dv-id">
                <span class="mono">{l.linkId}</span>
                <small class="muted">{t('connects', { c: l.connects, d: l.disconnects, e: l.errors })}</small>
              </td>
              <td>{known('proto', l.protocol)}</td>
              <StateCell state={linkBucket(l.state)} label={known('link', l.state)} since={l.since} />
              <td class="num" data-field="attempts">
                {l.attempts}
              </td>
              <td>
                {l.nextAttemptAt && l.state !== 'up' ? (
                  <span title={fmtDateTime(l.nextAttemptAt)}>
                    {fmtTime(l.nextAttemptAt)}
                    <small class="muted"> · {t('nextIn', { age: age(l.nextAttemptAt - now) })}</small>
                  </span>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <ErrorCell error={l.lastError} now={now} />
              <td>
                <Stats stats={l.stats} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DevicesTable({
  devices,
  now,
  diagnose,
  open,
}: {
  devices: DeviceInfo[];
  now: number;
  diagnose: boolean;
  open?: string;
}) {
  if (!devices.length) return <p class="placeholder">{t('devicesNone')}</p>;
  return (
    <div class="dv-table-wrap">
      <table class="table dv-table dv-devices">
        <thead>
          <tr>
            <th>{t('device')}</th>
            <th>{t('protocol')}</th>
            <th>{t('state')}</th>
            <th>{t('lastSeen')}</th>
            <th class="num">{t('readings')}</th>
            <th class="num">{t('malformed')}</th>
            <th class="num">{t('refused')}</th>
            <th>{t('lastError')}</th>
            {diagnose && <th />}
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => {
            const refused = sum(d.denied);
            const topics = Object.entries(d.malformedByTopic ?? {});
            const tool = d.protocol === 'modbus' ? 'preview' : d.protocol === 'opcua' ? 'browse' : undefined;
            return (
              <tr
                key={d.deviceId}
                data-device-id={d.deviceId}
                data-state={d.state}
                aria-selected={open === d.deviceId ? 'true' : undefined}
              >
                <td class="dv-id">
                  <b>{d.name ?? d.deviceId}</b>
                  <small class="mono muted">
                    {d.name ? `${d.deviceId} · ` : ''}
                    {d.linkId}
                  </small>
                </td>
                <td>{known('proto', d.protocol)}</td>
                <StateCell
                  state={deviceBucket(d.state)}
                  label={known('state', deviceBucket(d.state))}
                  since={d.since}
                />
                <td data-field="last-seen">
                  {d.lastSeenAt ? (
                    <span title={fmtDateTime(d.lastSeenAt)}>
                      {fmtTime(d.lastSeenAt)}
                      <small class="muted"> · {t('ago', { age: age(now - d.lastSeenAt) })}</small>
                    </span>
                  ) : (
                    <span class="muted">{t('never')}</span>
                  )}
                </td>
                <td class="num" data-field="readings">
                  {fmtNumber(d.readings, 0)}
                  {d.lost > 0 && <small class="muted">{t('lost', { n: d.lost })}</small>}
                </td>
                <td
                  class={`num${d.malformed ? ' dv-warn' : ''}`}
                  data-field="malformed"
                  title={
                    topics.length
                      ? `${t('malformedTip')}\n${topics.map(([k, n]) => `${k}: ${n}`).join('\n')}${
                          d.lastMalformed ? `\n${d.lastMalformed.reason}` : ''
                        }`
                      : undefined
                  }
                >
                  {fmtNumber(d.malformed, 0)}
                </td>
                <td
                  class={`num${refused ? ' dv-warn' : ''}`}
                  data-field="refused"
                  title={t('refusedTip', {
                    login: d.denied?.login ?? 0,
                    publish: d.denied?.publish ?? 0,
                    subscribe: d.denied?.subscribe ?? 0,
                  })}
                >
                  {fmtNumber(refused, 0)}
                </td>
                <ErrorCell error={d.lastError} now={now} />
                {diagnose && (
                  <td class="dv-actions">
                    {tool && (
                      <a
                        class="btn btn-small"
                        href={open === d.deviceId ? href('devices') : href('devices', [d.deviceId])}
                        data-action={tool}
                        aria-current={open === d.deviceId ? 'true' : undefined}
                      >
                        {t(tool === 'preview' ? 'preview' : 'browse')}
                      </a>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function DevicesView({ route }: { route: Route }) {
  useLang();
  const now = useNow();
  const { data, error, updatedAt, reload } = useHealth();
  const diagnose = can('devices:diagnose');
  const [state, setState] = useState(route.query.get('state') ?? '');
  const [protocol, setProtocol] = useState(route.query.get('protocol') ?? '');
  const [text, setText] = useState(route.query.get('q') ?? '');
  const openId = route.rest[0];

  const protocols = useMemo(
    () => [...new Set([...(data?.links ?? []), ...(data?.devices ?? [])].map((x) => x.protocol))].sort(),
    [data],
  );
  const needle = text.trim().toLowerCase();
  const matches = (bucket: Bucket, proto: string, words: (string | undefined)[]) =>
    (!state || state === bucket) &&
    (!protocol || protocol === proto) &&
    (!needle || words.some((w) => w?.toLowerCase().includes(needle)));

  const links = useMemo(
    () =>
      (data?.links ?? [])
        .filter((l) =>
          matches(linkBucket(l.state), l.protocol, [
            l.linkId,
            l.protocol,
            l.state,
            l.lastError?.message,
            // a link is found by its devices too
            ...(data?.devices ?? [])
              .filter((d) => d.linkId === l.linkId)
              .flatMap((d) => [d.deviceId, d.name]),
          ]),
        )
        .sort(
          (a, b) => RANK[linkBucket(a.state)] - RANK[linkBucket(b.state)] || a.linkId.localeCompare(b.linkId),
        ),
    [data, state, protocol, needle],
  );
  const devices = useMemo(
    () =>
      (data?.devices ?? [])
        .filter((d) =>
          matches(deviceBucket(d.state), d.protocol, [
            d.deviceId,
            d.name,
            d.protocol,
            d.linkId,
            d.lastError?.message,
          ]),
        )
        .sort(
          (a, b) =>
            RANK[deviceBucket(a.state)] - RANK[deviceBucket(b.state)] || a.deviceId.localeCompare(b.deviceId),
        ),
    [data, state, protocol, needle],
  );
  const open = diagnose ? data?.devices.find((d) => d.deviceId === openId) : undefined;
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) panel.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [open?.deviceId]);

  const all = data?.devices ?? [];
  const online = all.filter((d) => d.state === 'online').length;
  const offline = all.filter((d) => d.state === 'offline').length;
  const linksUp = (data?.links ?? []).filter((l) => l.state === 'up').length;
  const malformed = all.reduce((n, d) => n + d.malformed, 0);
  const refused = all.reduce((n, d) => n + sum(d.denied), 0) + sum(data?.unknownClients);

  return (
    <section class="view dv" data-view-id="devices">
      <div class="dv-head">
        <h2 class="view-title">{t('title')}</h2>
        {updatedAt && (
          <small class="muted" data-updated={updatedAt}>
            {t('updated', { time: fmtTime(updatedAt) })}
          </small>
        )}
      </div>
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {!data && error === undefined && <Loading />}
      {data && (
        <>
          <div class="dv-tiles">
            <Tile
              name="links-up"
              label={t('tileLinks')}
              value={linksUp}
              sub={`/ ${data.links.length}`}
              tone={linksUp < data.links.length ? 'warn' : undefined}
            />
            <Tile name="dv-online" label={t('tileOnline')} value={online} sub={`/ ${all.length}`} />
            <Tile
              name="dv-offline"
              label={t('tileOffline')}
              value={offline}
              tone={offline ? 'bad' : 'muted'}
            />
            <Tile
              name="dv-malformed"
              label={t('tileMalformed')}
              value={fmtNumber(malformed, 0)}
              tone={malformed ? 'warn' : 'muted'}
            />
            <Tile
              name="dv-refused"
              label={t('tileRefused')}
              value={fmtNumber(refused, 0)}
              tone={refused ? 'warn' : 'muted'}
            />
          </div>

          <div class="toolbar dv-filters">
            <label>
              {t('filterState')}{' '}
              <select
                data-filter="state"
                value={state}
                onChange={(e) => setState((e.target as HTMLSelectElement).value)}
              >
                <option value="">{t('all')}</option>
                <option value="offline">{t('state.offline')}</option>
                <option value="unknown">{t('state.unknown')}</option>
                <option value="online">{t('state.online')}</option>
              </select>
            </label>
            <label>
              {t('filterProtocol')}{' '}
              <select
                data-filter="protocol"
                value={protocol}
                onChange={(e) => setProtocol((e.target as HTMLSelectElement).value)}
              >
                <option value="">{t('all')}</option>
                {protocols.map((p) => (
                  <option key={p} value={p}>
                    {known('proto', p)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('filterText')}{' '}
              <input
                type="search"
                data-filter="text"
                placeholder={t('filterTextHint')}
                value={text}
                onInput={(e) => setText((e.target as HTMLInputElement).value)}
              />
            </label>
          </div>

          <section class="panel" data-section="links">
            <div class="section-head">
              <h2>{t('links')}</h2>
              <span class="muted">{t('shown', { n: links.length, total: data.links.length })}</span>
            </div>
            <LinksTable links={links} now={now} />
          </section>

          <section class="panel" data-section="devices">
            <div class="section-head">
              <h2>{t('devices')}</h2>
              <span class="muted">{t('shown', { n: devices.length, total: all.length })}</span>
            </div>
            <DevicesTable devices={devices} now={now} diagnose={diagnose} open={open?.deviceId} />
          </section>

          {open && (
            <div ref={panel}>
              {open.protocol === 'modbus' && <ModbusPreview key={open.deviceId} device={open} />}
              {open.protocol === 'opcua' && <OpcuaBrowse key={open.deviceId} device={open} />}
            </div>
          )}

          {data.pipeline && (
            <p class="muted dv-pipeline" data-section="pipeline">
              <b>{t('pipeline')}:</b>{' '}
              {Object.entries(data.pipeline)
                .map(([k, v]) => `${known('pipe', k)} ${fmtNumber(v, 0)}`)
                .join(' · ')}
              {data.unknownClients && sum(data.unknownClients) > 0 && (
                <> · {`${t('unknownClients')} ${fmtNumber(sum(data.unknownClients), 0)}`}</>
              )}
            </p>
          )}
        </>
      )}
    </section>
  );
}
