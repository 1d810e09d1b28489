import { useMemo, useState } from 'preact/hooks';
import { type ApiProblem, api, problemText } from '../hub.js';
import type { BacnetDiscoveredDevice } from '../hub-types.js';
import { fmtNumber, lang } from '../i18n.js';
import { isBinary, segmentationName, valueText } from './devices-bacnet-model.js';
import { SnippetBox, siteSnippet } from './devices-bacnet-snippet.js';
import { bt } from './devices-bacnet-text.js';

/**
 * BACnet discovery (GET /devices/bacnet/discover, devices:diagnose): Who-Is on the hub's socket, then every
 * device that answered with its objects and the site file's lines for it. A site without BACnet devices has
 * no socket (404); a hub whose BACnet links are all down cannot send (503): both are said as such.
 */

const WAITS = [1, 3, 10];

export interface Discovery {
  devices: BacnetDiscoveredDevice[];
  waitedS: number;
}

/**
 * The last discovery (for the panel) and every device seen by any discovery so far, by instance (for the
 * inspector's choice of objects): an empty answer later does not forget what was found.
 */
export function useBacnetDiscovery() {
  const [found, setFound] = useState<Discovery>();
  const [seen, setSeen] = useState<ReadonlyMap<number, BacnetDiscoveredDevice>>(new Map());
  const onSeen = (devices: BacnetDiscoveredDevice[]) =>
    setSeen((m) => new Map([...m, ...devices.map((d) => [d.deviceId, d] as const)]));
  const onFound = (d: Discovery | undefined) => {
    setFound(d);
    if (d) onSeen(d.devices);
  };
  return { found, onFound, seen, onSeen };
}

/** `discover?…`: the query for a wait and an optional instance range. */
export function discoverPath(waitS: number, low?: number, high?: number): string {
  const q = new URLSearchParams({ timeoutMs: String(waitS * 1000) });
  if (low !== undefined) q.set('low', String(low));
  if (high !== undefined) q.set('high', String(high));
  return `/devices/bacnet/discover?${q}`;
}

/** An instance number or, for an empty field, undefined; NaN when it is no instance. */
function instanceOf(text: string): number | undefined {
  if (!text.trim()) return undefined;
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 0 && n <= 4_194_303 ? n : Number.NaN;
}

export function BacnetDiscover({
  found,
  onFound,
}: {
  found?: Discovery;
  onFound: (d: Discovery | undefined) => void;
}) {
  const [wait, setWait] = useState(3);
  const [low, setLow] = useState('');
  const [high, setHigh] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; status?: number }>();
  const lo = instanceOf(low);
  const hi = instanceOf(high);
  const invalid = Number.isNaN(lo) || Number.isNaN(hi) || (lo ?? 0) > (hi ?? 4_194_303);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || invalid) return;
    setBusy(true);
    setError(undefined);
    try {
      const devices = await api<BacnetDiscoveredDevice[]>(discoverPath(wait, lo, hi));
      onFound({ devices: devices.sort((a, b) => a.deviceId - b.deviceId), waitedS: wait });
    } catch (err) {
      onFound(undefined);
      setError({ text: problemText(err), status: (err as ApiProblem).status });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel dv-tool" data-section="bacnet-discover">
      <div class="section-head">
        <h2>{bt('discoverTitle')}</h2>
      </div>
      <p class="muted dv-hint">{bt('discoverHint')}</p>
      <form class="dv-form" data-discover-form onSubmit={submit}>
        <label>
          <span>{bt('wait')}</span>
          <select
            name="wait"
            value={wait}
            onChange={(e) => setWait(Number((e.target as HTMLSelectElement).value))}
          >
            {WAITS.map((s) => (
              <option key={s} value={s}>
                {bt('seconds', { n: s })}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="dv-range" title={bt('instancesHint')}>
          <legend>{bt('instances')}</legend>
          <span class="dv-range-inputs">
            <input
              name="low"
              inputMode="numeric"
              placeholder="0"
              aria-label={`${bt('instances')} ${bt('from')}`}
              aria-invalid={Number.isNaN(lo) || invalid ? 'true' : undefined}
              value={low}
              onInput={(e) => setLow((e.target as HTMLInputElement).value)}
            />
            <span class="muted">–</span>
            <input
              name="high"
              inputMode="numeric"
              placeholder="4194303"
              aria-label={`${bt('instances')} ${bt('to')}`}
              aria-invalid={Number.isNaN(hi) || invalid ? 'true' : undefined}
              value={high}
              onInput={(e) => setHigh((e.target as HTMLInputElement).value)}
            />
          </span>
        </fieldset>
        <button type="submit" class="btn btn-primary" data-action="discover" disabled={busy || invalid}>
          {busy ? bt('discovering', { n: wait }) : bt('discover')}
        </button>
      </form>

      {error && (
        <div class="dv-fault" role="alert" data-discover-error data-status={error.status}>
          <b>
            {bt(
              error.status === 404 ? 'notConfigured' : error.status === 503 ? 'linkDown' : 'discoverFailed',
            )}
          </b>
          <span>{error.text}</span>
        </div>
      )}
      {found && !error && <DiscoveryResult found={found} />}
    </section>
  );
}

function DiscoveryResult({ found }: { found: Discovery }) {
  const { devices, waitedS } = found;
  if (!devices.length)
    return (
      <div class="dv-empty" data-discover-result data-count="0" role="status">
        <b>{bt('noneAnswered', { s: waitedS })}</b>
        <span class="muted">{bt('noneHint')}</span>
      </div>
    );
  return (
    <div data-discover-result data-count={devices.length}>
      <p class="dv-found" role="status">
        {devices.length === 1
          ? bt('answered1', { s: waitedS })
          : bt('answered', { n: devices.length, s: waitedS })}
      </p>
      {devices.map((d) => (
        <FoundDevice key={d.deviceId} device={d} open={devices.length <= 3} />
      ))}
    </div>
  );
}

function FoundDevice({ device: d, open }: { device: BacnetDiscoveredDevice; open: boolean }) {
  const binary = { active: bt('active'), inactive: bt('inactive') };
  // the view renders every second: the snippet is made again only for another answer or language
  const snippet = useMemo(() => siteSnippet(d), [d, lang()]);
  return (
    <details class="dv-found-device" data-bacnet-device={d.deviceId} open={open}>
      <summary>
        <b>{d.name ?? bt('deviceN', { n: d.deviceId })}</b>
        <span class="dv-facts">
          <span>
            {bt('instance')} <b class="mono dv-fact">{d.deviceId}</b>
          </span>
          <span>
            {bt('address')} <b class="mono dv-fact">{d.address}</b>
          </span>
          <span>
            {bt('maxApdu')} <b class="mono dv-fact">{d.maxApdu}</b>
          </span>
          <span>
            {bt('segmentation')} <b class="mono dv-fact">{segmentationName(d.segmentation)}</b>
          </span>
          <span>
            {bt('vendor')} <b class="mono dv-fact">{d.vendorId}</b>
          </span>
          <span>{bt('objectsN', { n: d.objects.length })}</span>
        </span>
      </summary>
      {d.error && (
        <div class="dv-fault" role="alert" data-objects-error>
          <b>{bt('objectsFailed')}</b>
          <span>{d.error}</span>
        </div>
      )}
      <div class="dv-found-body">
        <div class="dv-table-wrap dv-raw">
          <table class="table dv-table">
            <thead>
              <tr>
                <th>{bt('object')}</th>
                <th>{bt('name')}</th>
                <th>{bt('unit')}</th>
                <th class="num">{bt('presentValue')}</th>
              </tr>
            </thead>
            <tbody>
              {d.objects.map((o) => (
                <tr key={o.object} data-object={o.object}>
                  <td class="mono">{o.object}</td>
                  <td>{o.objectName ?? ''}</td>
                  <td class="mono">{o.unit ?? ''}</td>
                  <td class="num mono" data-field="present-value">
                    {valueText(
                      o.presentValue,
                      (n) => fmtNumber(n, 3),
                      isBinary(o.object) ? binary : undefined,
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <SnippetBox text={snippet} name={String(d.deviceId)} />
      </div>
    </details>
  );
}
