import type { DeviceHealth } from '../hub-types.js';
import { fmtDateTime, fmtNumber, fmtTime } from '../i18n.js';
import { href } from '../router.js';
import { bt } from './devices-bacnet-text.js';
import { ErrorCell, StateCell } from './devices-cells.js';
import { deviceBucket, sum } from './devices-health.js';
import { age, known, t } from './devices-text.js';

/** The diagnostic tool each protocol has. */
const TOOLS: Record<string, 'preview' | 'browse' | 'inspect' | undefined> = {
  modbus: 'preview',
  opcua: 'browse',
  bacnet: 'inspect',
};

/**
 * The devices: state, last seen, readings, malformed and refused messages, last error; for engineers
 * (devices:diagnose) the Modbus decode preview, the OPC UA browser, the BACnet object inspector or the metrics of a
 * Sparkplug B edge node.
 */

export function DevicesTable({
  devices,
  now,
  diagnose,
  open,
}: {
  devices: DeviceHealth[];
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
            const tool = TOOLS[d.protocol] ?? (d.sparkplug ? 'browse' : undefined);
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
                <ErrorCell
                  error={d.lastError}
                  now={now}
                  healthySince={d.state === 'online' ? d.since : undefined}
                />
                {diagnose && (
                  <td class="dv-actions">
                    {tool && (
                      <a
                        class="btn btn-small"
                        href={open === d.deviceId ? href('devices') : href('devices', [d.deviceId])}
                        data-action={tool}
                        aria-current={open === d.deviceId ? 'true' : undefined}
                      >
                        {tool === 'inspect' ? bt('inspect') : t(tool)}
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
