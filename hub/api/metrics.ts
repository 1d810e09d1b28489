import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Pipeline } from '../../core/devices/pipeline.js';
import type { Supervisor } from '../../core/devices/supervisor.js';
import type { UpstreamHealth } from '../../domains/fleet/edge-node.js';
import type { FleetHost } from '../../domains/fleet/host-app.js';
import type { StorageService } from '../../platform/storage/storage-service.js';

/** What the metrics are read from. */
export interface MetricSources {
  pipeline: Pick<Pipeline, 'counters'>;
  supervisor: Pick<Supervisor, 'linkHealth' | 'deviceHealth' | 'unknownClientDenials'>;
  storage: Pick<StorageService, 'health'>;
  /** Connected live (socket.io) clients. */
  liveClients: () => number;
  /** hub.mode central: the fleet's host application. */
  fleet?: Pick<FleetHost, 'stats'>;
  /** With upstream: the edge node's link, counters and spool. */
  upstream?: () => UpstreamHealth;
}

/**
 * Prometheus metrics, read from the services' own counters at scrape time: nothing is counted twice and
 * the hot path pays nothing for them.
 */
export function createMetrics(s: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_' });
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  gauge('hub_readings_total', 'Readings by pipeline outcome (counter).', ['outcome'], (g) => {
    const c = s.pipeline.counters;
    g.set({ outcome: 'accepted' }, c.accepted);
    g.set({ outcome: 'suppressed' }, c.suppressed);
    g.set({ outcome: 'out_of_range' }, c.outOfRange);
    g.set({ outcome: 'rejected' }, c.rejected);
  });
  gauge('hub_link_up', 'Link state: 1 when up.', ['link', 'protocol'], (g) => {
    for (const l of s.supervisor.linkHealth())
      g.set({ link: l.linkId, protocol: l.protocol }, l.state === 'up' ? 1 : 0);
  });
  gauge('hub_link_errors_total', 'Connect failures and drops per link (counter).', ['link'], (g) => {
    for (const l of s.supervisor.linkHealth()) g.set({ link: l.linkId }, l.errors);
  });
  gauge('hub_device_online', 'Device state: 1 online, 0 offline or unknown.', ['device'], (g) => {
    for (const d of s.supervisor.deviceHealth()) g.set({ device: d.deviceId }, d.state === 'online' ? 1 : 0);
  });
  gauge('hub_device_readings_total', 'Good readings per device (counter).', ['device'], (g) => {
    for (const d of s.supervisor.deviceHealth()) g.set({ device: d.deviceId }, d.readings);
  });
  gauge(
    'hub_device_malformed_total',
    'Malformed messages per device and topic (counter).',
    ['device', 'topic'],
    (g) => {
      for (const d of s.supervisor.deviceHealth())
        for (const [topic, n] of Object.entries(d.malformedByTopic)) g.set({ device: d.deviceId, topic }, n);
    },
  );
  gauge(
    'hub_device_denied_total',
    'Refused MQTT logins, publishes and subscriptions per device ("" = no configured device) (counter).',
    ['device', 'kind'],
    (g) => {
      for (const d of s.supervisor.deviceHealth())
        for (const [kind, n] of Object.entries(d.denied)) g.set({ device: d.deviceId, kind }, n);
      for (const [kind, n] of Object.entries(s.supervisor.unknownClientDenials()))
        g.set({ device: '', kind }, n);
    },
  );
  // Upstream (the Sparkplug B edge node): absent without upstream:.
  const up = s.upstream;
  if (up) {
    gauge('hub_upstream_connected', 'Upstream broker: 1 when connected.', [], (g) =>
      g.set(up().state === 'connected' ? 1 : 0),
    );
    gauge(
      'hub_upstream_published_total',
      'Sparkplug messages and metrics sent upstream (counter).',
      ['what'],
      (g) => {
        const h = up();
        g.set({ what: 'messages' }, h.published.messages);
        g.set({ what: 'metrics' }, h.published.metrics);
        g.set({ what: 'historical_metrics' }, h.published.historicalMetrics);
        g.set({ what: 'births' }, h.published.births);
      },
    );
    gauge('hub_upstream_spool_lines', 'Upstream spool: readings waiting for the broker.', [], (g) =>
      g.set(up().spool.lines),
    );
    gauge(
      'hub_upstream_spool_dropped_total',
      'Readings dropped because the upstream spool was full (counter).',
      [],
      (g) => g.set(up().spool.droppedLines),
    );
  }
  // Storage: gauges read from its health; absent when the hub does not use InfluxDB.
  const outbox = () => s.storage.health().outbox;
  const influx = () => s.storage.health().influxdb;
  for (const [name, help, value] of [
    ['hub_outbox_bytes', 'InfluxDB outbox: bytes waiting to be sent.', () => outbox()?.bytes],
    ['hub_outbox_lines', 'InfluxDB outbox: lines waiting to be sent.', () => outbox()?.lines],
    [
      'hub_outbox_oldest_age_seconds',
      'InfluxDB outbox: age of the oldest line waiting.',
      () => outbox() && (outbox()!.oldestAgeS ?? 0),
    ],
    ['hub_outbox_fill_ratio', 'InfluxDB outbox: bytes waiting / its bound.', () => outbox()?.fill],
    [
      'hub_outbox_dropped_lines_total',
      'Lines dropped because the outbox was full (counter).',
      () => outbox()?.droppedLines,
    ],
    [
      'hub_influx_written_lines_total',
      'Lines InfluxDB acknowledged (counter).',
      () => influx()?.writtenLines,
    ],
    ['hub_influx_errors_total', 'Failed InfluxDB writes and set-ups (counter).', () => influx()?.errors],
    [
      'hub_influx_quarantined_lines_total',
      'Lines InfluxDB refused, kept in quarantine.lp (counter).',
      () => influx()?.quarantinedLines,
    ],
  ] as const)
    gauge(name, help, [], (g) => {
      const v = value();
      if (v !== undefined) g.set(v);
    });
  const fleet = s.fleet;
  if (fleet) {
    gauge(
      'hub_fleet_broker_connected',
      "The central hub's link to the fleet broker: 1 when connected.",
      [],
      (g) => g.set(fleet.stats().connected ? 1 : 0),
    );
    gauge('hub_fleet_sites', 'Sites by state (online, stale, offline, unknown).', ['state'], (g) => {
      for (const [state, n] of Object.entries(fleet.stats().sites)) g.set({ state }, n);
    });
    for (const [name, help, key] of [
      ['hub_fleet_messages_total', 'Sparkplug messages taken (counter).', 'messages'],
      ['hub_fleet_metrics_total', 'Data metrics taken, historical included (counter).', 'metrics'],
      [
        'hub_fleet_historical_metrics_total',
        'Historical (replayed) metrics taken (counter).',
        'historicalMetrics',
      ],
      ['hub_fleet_births_total', 'NBIRTHs (counter).', 'births'],
      ['hub_fleet_deaths_total', 'NDEATHs of a current session (counter).', 'deaths'],
      ['hub_fleet_seq_gaps_total', 'Messages whose seq did not follow (counter).', 'seqGaps'],
      ['hub_fleet_before_birth_total', 'Data messages without a birth, dropped (counter).', 'beforeBirth'],
      [
        'hub_fleet_unknown_aliases_total',
        'Data messages naming an unknown alias (counter).',
        'unknownAliases',
      ],
      ['hub_fleet_rebirths_requested_total', 'Rebirth requests sent (counter).', 'rebirthsRequested'],
      ['hub_fleet_decode_errors_total', 'Payloads that were not Sparkplug B (counter).', 'decodeErrors'],
      ['hub_fleet_lines_total', 'InfluxDB lines handed to the outbox (counter).', 'linesWritten'],
      ['hub_fleet_commands_total', 'DCMDs sent (counter).', 'commandsSent'],
    ] as const)
      gauge(name, help, [], (g) => g.set(fleet.stats()[key]));
    gauge(
      'hub_fleet_broker_dropped_total',
      "Messages the fleet broker dropped, all clients (mosquitto's $SYS count; absent elsewhere) (counter).",
      [],
      (g) => {
        const n = fleet.stats().brokerDropped;
        if (n !== null) g.set(n);
      },
    );
  }
  gauge('hub_live_clients', 'Connected live (socket.io) clients.', [], (g) => g.set(s.liveClients()));
  return registry;
}
