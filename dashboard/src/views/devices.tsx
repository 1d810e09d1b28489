import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can } from '../hub.js';
import { fmtNumber, fmtTime, useLang } from '../i18n.js';
import type { Route } from '../router.js';
import { ErrorBox, Loading, Tile, useNow } from '../ui.js';
import { BacnetDiscover, useBacnetDiscovery } from './devices-bacnet.js';
import { BacnetInspect } from './devices-bacnet-object.js';
import { type Bucket, deviceBucket, linkBucket, RANK, sum, useHealth } from './devices-health.js';
import { LinksTable } from './devices-links.js';
import { ModbusPreview } from './devices-modbus.js';
import { OpcuaBrowse } from './devices-opcua.js';
import { SparkplugBrowse } from './devices-sparkplug.js';
import { DevicesTable } from './devices-table.js';
import { known, t } from './devices-text.js';

/**
 * Devices and links (GET /devices): each link's connection state, retries and last error with its
 * statistics, each device's state, when it was last heard and its counters; offline first. Live: a 'device'
 * or 'link' event changes the row at once (and the counters are read again soon), and the list is read
 * again every 10 s. For engineers (devices:diagnose) a Modbus device opens the decode preview, an OPC UA
 * device a browser of its server and a BACnet device the object inspector, at `#/devices/<id>`; a site with
 * BACnet devices has the BACnet discovery panel (its last answer kept here, for the inspector's choices too).
 */

export default function DevicesView({ route }: { route: Route }) {
  useLang();
  const now = useNow();
  const { data, error, updatedAt, reload } = useHealth();
  const diagnose = can('devices:diagnose');
  const [state, setState] = useState(route.query.get('state') ?? '');
  const [protocol, setProtocol] = useState(route.query.get('protocol') ?? '');
  const [text, setText] = useState(route.query.get('q') ?? '');
  const openId = route.rest[0];
  const bacnet = useBacnetDiscovery();

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
              {open.sparkplug && <SparkplugBrowse key={open.deviceId} device={open} />}
              {open.protocol === 'bacnet' && (
                <BacnetInspect key={open.deviceId} device={open} seen={bacnet.seen} onSeen={bacnet.onSeen} />
              )}
            </div>
          )}

          {diagnose && all.some((d) => d.protocol === 'bacnet') && (
            <BacnetDiscover found={bacnet.found} onFound={bacnet.onFound} />
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
