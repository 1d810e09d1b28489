/**
 * The fleet test's load source, a process of its own (`node --import tsx test/peers/fleet-load.ts '<json>'`):
 * one MQTT client per site hub's embedded broker, publishing QoS 0 JSON telemetry for every asset of the site
 * each `periodMs`. Tick k carries `ts = t0 + k·periodMs` and the value k in every point, so the series of
 * each point is 0, 1, 2 … with unique timestamps: what the central InfluxDB must hold exactly once.
 * A tick late for its time is sent as soon as possible with its own timestamp (the series stays whole).
 *
 * IPC: → `{ cmd: 'ready' }` once connected; ← `{ cmd: 'start', t0 }`; ← `{ cmd: 'stop' }` →
 * `{ cmd: 'stopped', ticks: { <site>: n } }` (n ticks sent per site: values 0 … n−1).
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface FleetLoadConfig {
  sites: { id: string; url: string }[];
  assets: number;
  points: number;
  periodMs: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as FleetLoadConfig;
const clients = new Map<string, MqttClient>();
for (const s of cfg.sites) {
  const c = await mqtt.connectAsync(s.url, {
    clientId: `fleet-load-${s.id}`,
    reconnectPeriod: 0,
    queueQoSZero: false,
  });
  c.on('error', () => undefined);
  clients.set(s.id, c);
}
const ticks = new Map(cfg.sites.map((s) => [s.id, 0]));
const points = Array.from({ length: cfg.points }, (_, p) => `p${p}`);
let timer: NodeJS.Timeout | undefined;

function start(t0: number): void {
  const tick = () => {
    const due = Math.floor((Date.now() - t0) / cfg.periodMs) + 1;
    for (const s of cfg.sites) {
      const c = clients.get(s.id)!;
      let k = ticks.get(s.id)!;
      // at most 10 ticks per turn, so one lagging site does not starve the others
      for (let n = 0; k < due && n < 10 && c.connected; n++, k++) {
        const ts = t0 + k * cfg.periodMs;
        let body = `{"ts":${ts}`;
        for (const p of points) body += `,"${p}":${k}`;
        body += '}';
        for (let a = 0; a < cfg.assets; a++) c.publish(`site/${s.id}/a${a}/telemetry`, body, { qos: 0 });
      }
      ticks.set(s.id, k);
    }
    timer = setTimeout(tick, 20);
  };
  tick();
}

process.on('message', (m: { cmd: string; t0?: number }) => {
  if (m.cmd === 'start') start(m.t0!);
  if (m.cmd === 'stop') {
    clearTimeout(timer);
    timer = undefined;
    // what was published has reached the sockets: end the clients cleanly so the brokers get it all
    void Promise.all([...clients.values()].map((c) => c.endAsync().catch(() => undefined))).then(() =>
      process.send?.({ cmd: 'stopped', ticks: Object.fromEntries(ticks) }),
    );
  }
});
process.send?.({ cmd: 'ready' });
