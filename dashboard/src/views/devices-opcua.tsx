import { useState } from 'preact/hooks';
import { useApi } from '../hub.js';
import type { DeviceHealth } from '../hub-types.js';
import { href } from '../router.js';
import { Badge, ErrorBox, Loading } from '../ui.js';
import { known, t } from './devices-text.js';

/**
 * A simple browser of an OPC UA device's server (GET /devices/:id/opcua/browse, devices:diagnose): the
 * children of a node (Objects first), a click descends, the trail goes back; variables show their value, data
 * type, quality and whether the hub may write them. Node ids come by namespace URI, ready for the site file.
 */

interface BrowseEntry {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  dataType?: string;
  value?: unknown;
  quality?: string;
  status?: string;
  writable?: boolean;
}

interface BrowseResult {
  nodeId: string;
  references: BrowseEntry[];
  truncated: boolean;
}

const QUALITY_TONE: Record<string, string> = { good: 'good', uncertain: 'warn', bad: 'bad' };

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function OpcuaBrowse({ device }: { device: DeviceHealth }) {
  /** The trail from Objects: each step a node id and its name. */
  const [trail, setTrail] = useState<{ nodeId: string; name: string }[]>([]);
  const current = trail[trail.length - 1];
  const path = `/devices/${encodeURIComponent(device.deviceId)}/opcua/browse${
    current ? `?nodeId=${encodeURIComponent(current.nodeId)}` : ''
  }`;
  const res = useApi<BrowseResult>(path);
  const stale = res.loading;

  return (
    <section class="panel dv-tool" data-browse={device.deviceId}>
      <div class="section-head">
        <h2>{t('browseOf', { device: device.name ?? device.deviceId })}</h2>
        <a class="btn btn-small" href={href('devices')} data-action="close">
          {t('close')}
        </a>
      </div>
      <p class="muted dv-hint">{t('browseHint')}</p>
      <nav class="dv-trail" aria-label={t('browse')}>
        <button type="button" class="btn btn-small" disabled={!trail.length} onClick={() => setTrail([])}>
          {t('root')}
        </button>
        {trail.map((step, i) => (
          <span key={step.nodeId}>
            <span class="muted"> › </span>
            <button
              type="button"
              class="btn btn-small"
              disabled={i === trail.length - 1}
              title={step.nodeId}
              onClick={() => setTrail(trail.slice(0, i + 1))}
            >
              {step.name}
            </button>
          </span>
        ))}
      </nav>
      {current && <p class="mono dv-node-id">{current.nodeId}</p>}
      {res.error && !res.loading && <ErrorBox error={res.error} retry={res.reload} />}
      {res.loading && !res.data && <Loading />}
      {res.data && !res.error && (
        <div class={`dv-table-wrap${stale ? ' stale' : ''}`}>
          {res.data.references.length === 0 ? (
            <p class="placeholder">{t('noChildren')}</p>
          ) : (
            <table class="table dv-table dv-browse">
              <thead>
                <tr>
                  <th>{t('node')}</th>
                  <th>{t('nodeClass')}</th>
                  <th>{t('value')}</th>
                  <th>{t('dataType')}</th>
                  <th>{t('quality')}</th>
                  <th>{t('writable')}</th>
                </tr>
              </thead>
              <tbody>
                {res.data.references.map((r) => (
                  <tr key={r.nodeId} data-node-id={r.nodeId} data-node-class={r.nodeClass}>
                    <td class="dv-id">
                      {r.nodeClass === 'Method' ? (
                        <span>{r.displayName || r.browseName}</span>
                      ) : (
                        <button
                          type="button"
                          class="dv-link"
                          onClick={() =>
                            setTrail([...trail, { nodeId: r.nodeId, name: r.displayName || r.browseName }])
                          }
                        >
                          {r.displayName || r.browseName}
                        </button>
                      )}
                      <small class="mono muted">{r.nodeId}</small>
                    </td>
                    <td>{r.nodeClass}</td>
                    <td class="mono dv-value">{r.nodeClass === 'Variable' ? valueText(r.value) : ''}</td>
                    <td class="mono">{r.dataType ?? ''}</td>
                    <td>
                      {r.quality && (
                        <span title={r.status}>
                          <Badge tone={QUALITY_TONE[r.quality] ?? 'muted'}>
                            {known('quality', r.quality)}
                          </Badge>
                        </span>
                      )}
                    </td>
                    <td>{r.writable === undefined ? '' : t(r.writable ? 'yes' : 'no')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {res.data.truncated && <p class="muted">{t('truncated')}</p>}
        </div>
      )}
    </section>
  );
}
