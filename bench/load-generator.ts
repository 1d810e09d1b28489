/**
 * Load generator, run as its own process by bench/run.ts (never inside the hub).
 * N simulated devices, each its own MQTT client, publish QoS 0 JSON messages of F numeric fields with a
 * unique millisecond timestamp, at a fixed total rate for a fixed time. Reports what it sent over IPC.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface GeneratorConfig {
  url: string;
  siteId: string;
  devices: number;
  fields: number;
  /** Messages per second, all devices together. */
  rate: number;
  durationS: number;
  /** Device id (d0, d1, ...) → MQTT password; empty for a broker that takes anonymous clients. */
  passwords: Record<string, string>;
  /**
   * Every field of a device's n-th message carries n (1, 2, 3, …) instead of a random value: a per-series
   * sequence that a store can be checked against (bench/fleet-outage.ts). The result then has perDevice.
   */
  sequence?: boolean;
}

export interface GeneratorResult {
  sent: number;
  /** How far, at most, a timestamp had to run ahead of the clock to stay unique per device. */
  maxAheadMs: number;
  elapsedMs: number;
  cpuPct: number;
  /** With `sequence`: messages sent per device (device i's last value is perDevice[i]). */
  perDevice?: number[];
}

async function run(cfg: GeneratorConfig): Promise<GeneratorResult> {
  const clients: MqttClient[] = await Promise.all(
    Array.from({ length: cfg.devices }, (_, i) =>
      mqtt.connectAsync(cfg.url, {
        clientId: `bench-dev-${i}`,
        username: cfg.passwords[`d${i}`] ? `d${i}` : undefined,
        password: cfg.passwords[`d${i}`],
        reconnectPeriod: 0,
        queueQoSZero: false,
      }),
    ),
  );
  const topics = clients.map((_, i) => `site/${cfg.siteId}/a${i}/telemetry`);
  const lastTs = new Array<number>(cfg.devices).fill(0);
  const perDevice = new Array<number>(cfg.devices).fill(0);
  const names = Array.from({ length: cfg.fields }, (_, f) => `p${f}`);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + cfg.durationS * 1000;
  let sent = 0;
  let maxAheadMs = 0;
  let device = 0;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(
        Math.floor(((now - start) / 1000) * cfg.rate),
        Math.floor(cfg.durationS * cfg.rate),
      );
      // Work at most ~20 ms per turn, and skip a client whose socket is backed up: a generator that has
      // fallen behind must not pile messages up in its own memory (they would be counted as sent and then
      // as the hub's loss). It falls behind instead, and the bench reports it as the limit.
      let backedUp = 0;
      while (sent < due && performance.now() - now < 20 && backedUp < cfg.devices) {
        const d = device;
        if (clients[d]!.stream.writableNeedDrain) {
          device = (device + 1) % cfg.devices;
          backedUp++;
          continue;
        }
        backedUp = 0;
        device = (device + 1) % cfg.devices;
        // publish→accepted latency is measured from this timestamp; unique per device
        const clock = Date.now();
        let ts = clock;
        if (ts <= lastTs[d]!) {
          ts = lastTs[d]! + 1;
          if (ts - clock > maxAheadMs) maxAheadMs = ts - clock;
        }
        lastTs[d] = ts;
        let payload = `{"ts":${ts}`;
        const n = ++perDevice[d]!;
        for (let f = 0; f < names.length; f++)
          payload += `,"${names[f]}":${cfg.sequence ? n : (Math.random() * 1000).toFixed(2)}`;
        payload += '}';
        clients[d]!.publish(topics[d]!, payload);
        sent++;
      }
      if (now >= end) resolve();
      else setTimeout(tick, sent < due ? 0 : 2);
    };
    tick();
  });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => c.endAsync()));
  return {
    sent,
    maxAheadMs,
    elapsedMs,
    cpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    ...(cfg.sequence ? { perDevice } : {}),
  };
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as GeneratorConfig;
run(cfg).then(
  (result) => {
    process.send?.(result);
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
