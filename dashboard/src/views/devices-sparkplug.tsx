import { useApi } from '../hub.js';
import type { DeviceHealth } from '../hub-types.js';
import { fmtDateTime, messages } from '../i18n.js';
import { href } from '../router.js';
import { Badge, ErrorBox, Loading } from '../ui.js';

/**
 * A Sparkplug B edge node's metrics (GET /devices/:id/sparkplug/browse, devices:diagnose): its session (online,
 * bdSeq, seq, the Sparkplug devices born) and every metric of its births with alias, type, value and the points
 * that read it; the metrics no point names come with site-file lines to paste under an asset.
 */

const st = messages({
  en: {
    title: 'Sparkplug metrics: {device}',
    hint: 'Births define the metrics; data arrives by alias. Points name a metric (and its Sparkplug device).',
    node: 'Edge node',
    online: 'Born',
    offline: 'Not born',
    bdSeq: 'bdSeq',
    seq: 'seq',
    bornAt: 'Birth',
    devices: 'Sparkplug devices',
    rebirths: 'Rebirths requested',
    sparkplugDevice: 'Sparkplug device',
    metric: 'Metric',
    alias: 'Alias',
    type: 'Type',
    value: 'Value',
    points: 'Points',
    unmapped: 'not mapped',
    none: 'No birth seen yet: the node has not published its NBIRTH since the hub started.',
    snippet: 'Metrics no point names: site-file points to paste under an asset',
    refresh: 'Refresh',
    close: 'Close',
  },
  'zh-CN': {
    title: 'Sparkplug 指标：{device}',
    hint: '出生消息定义指标；数据按别名到达。点位通过 metric（及其 Sparkplug 设备）引用指标。',
    node: '边缘节点',
    online: '已出生',
    offline: '未出生',
    bdSeq: 'bdSeq',
    seq: 'seq',
    bornAt: '出生时间',
    devices: 'Sparkplug 设备',
    rebirths: '已请求重生',
    sparkplugDevice: 'Sparkplug 设备',
    metric: '指标',
    alias: '别名',
    type: '类型',
    value: '值',
    points: '点位',
    unmapped: '未映射',
    none: '尚未收到出生消息：自集线器启动以来该节点未发布 NBIRTH。',
    snippet: '未被点位引用的指标：可粘贴到资产下的站点文件点位',
    refresh: '刷新',
    close: '关闭',
  },
});

interface BrowseMetric {
  sparkplugDevice?: string;
  name: string;
  alias?: number;
  type: string;
  unit?: string;
  value: number | boolean | string | null;
  ts?: number;
  points: string[];
}

interface SparkplugBrowseResult {
  groupId: string;
  edgeNodeId: string;
  online: boolean;
  bdSeq?: number;
  seq?: number;
  bornAt?: number;
  devices: string[];
  rebirthsRequested: number;
  metrics: BrowseMetric[];
  unmapped: { sparkplugDevice?: string; name: string }[];
  snippet: string;
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function SparkplugBrowse({ device }: { device: DeviceHealth }) {
  const res = useApi<SparkplugBrowseResult>(
    `/devices/${encodeURIComponent(device.deviceId)}/sparkplug/browse`,
  );
  const b = res.data;
  return (
    <section class="panel dv-tool" data-sparkplug={device.deviceId}>
      <div class="section-head">
        <h2>{st('title', { device: device.name ?? device.deviceId })}</h2>
        <span>
          <button type="button" class="btn btn-small" data-action="refresh" onClick={res.reload}>
            {st('refresh')}
          </button>{' '}
          <a class="btn btn-small" href={href('devices')} data-action="close">
            {st('close')}
          </a>
        </span>
      </div>
      <p class="muted dv-hint">{st('hint')}</p>
      {res.error && !res.loading && <ErrorBox error={res.error} retry={res.reload} />}
      {res.loading && !b && <Loading />}
      {b && !res.error && (
        <>
          <dl class="dv-session" data-session={b.online ? 'born' : 'dead'}>
            <dt>{st('node')}</dt>
            <dd class="mono">
              {b.groupId}/{b.edgeNodeId}{' '}
              <Badge tone={b.online ? 'good' : 'bad'}>{st(b.online ? 'online' : 'offline')}</Badge>
            </dd>
            {b.bdSeq !== undefined && (
              <>
                <dt>{st('bdSeq')}</dt>
                <dd class="mono">{b.bdSeq}</dd>
              </>
            )}
            {b.seq !== undefined && (
              <>
                <dt>{st('seq')}</dt>
                <dd class="mono">{b.seq}</dd>
              </>
            )}
            {b.bornAt !== undefined && (
              <>
                <dt>{st('bornAt')}</dt>
                <dd>{fmtDateTime(b.bornAt)}</dd>
              </>
            )}
            <dt>{st('devices')}</dt>
            <dd class="mono" data-field="devices">
              {b.devices.join(', ') || '—'}
            </dd>
            <dt>{st('rebirths')}</dt>
            <dd data-field="rebirths">{b.rebirthsRequested}</dd>
          </dl>
          {b.metrics.length === 0 ? (
            <p class="placeholder">{st('none')}</p>
          ) : (
            <div class="dv-table-wrap">
              <table class="table dv-table dv-metrics">
                <thead>
                  <tr>
                    <th>{st('sparkplugDevice')}</th>
                    <th>{st('metric')}</th>
                    <th class="num">{st('alias')}</th>
                    <th>{st('type')}</th>
                    <th>{st('value')}</th>
                    <th>{st('points')}</th>
                  </tr>
                </thead>
                <tbody>
                  {b.metrics.map((m) => (
                    <tr
                      key={`${m.sparkplugDevice ?? ''}/${m.name}`}
                      data-metric={m.name}
                      data-sparkplug-device={m.sparkplugDevice ?? ''}
                      data-mapped={m.points.length ? 'true' : 'false'}
                    >
                      <td class="mono">{m.sparkplugDevice ?? '—'}</td>
                      <td class="mono">{m.name}</td>
                      <td class="num mono">{m.alias ?? ''}</td>
                      <td class="mono">{m.type}</td>
                      <td class="mono dv-value" title={m.ts ? fmtDateTime(m.ts) : undefined}>
                        {valueText(m.value)}
                        {m.unit ? <small class="muted"> {m.unit}</small> : null}
                      </td>
                      <td class="mono">
                        {m.points.length ? m.points.join(', ') : <span class="muted">{st('unmapped')}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {b.snippet && (
            <div class="dv-snippet">
              <div class="dv-snippet-head">
                <h3 class="dv-snippet-title">{st('snippet')}</h3>
              </div>
              <pre class="mono" data-snippet>
                {b.snippet}
              </pre>
            </div>
          )}
        </>
      )}
    </section>
  );
}
