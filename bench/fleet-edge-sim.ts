/**
 * The load generator of `npm run bench fleet`, in a process of its own (never inside the central hub): simulated
 * Sparkplug B edge nodes, each its own MQTT client, that encode with Eclipse Tahu's `sparkplug-payload` (not the
 * hub's codec wrapper) and behave as the site hubs' edge nodes do on the wire: NDEATH as the will (bdSeq), NBIRTH
 * (bdSeq, Node Control/Rebirth, the site metrics) then one DBIRTH per asset (Asset/* metrics and one Double
 * metric per point with alias, engUnit and Kind), then DDATA by alias with the readings' own timestamps; seq 0 on
 * NBIRTH and +1 per message (mod 256); a rebirth (NBIRTH + every DBIRTH with the latest values and their own
 * timestamps, so InfluxDB takes them as the same points again) on `NCMD Node Control/Rebirth`.
 *
 * Every point changes every period: at tick k of a node every point's value moves and carries the tick's
 * timestamp (one per node and tick; ticks are a period apart, so timestamps are unique per series). A node's
 * ticks are staggered over the period (node i at i/N of it) and each tick's DDATA go out together.
 *
 * IPC: `{cmd:'connect', nodes}` → connect and birth those nodes → `connected`; `{cmd:'run', durationS}` → tick the
 * running nodes for that long → `ran` (FleetSimRun); `{cmd:'birth', node}` → a new node connects and births
 * (not ticking) → `born` {at}; `{cmd:'death', node, how}` → NDEATH published then disconnect (`ndeath`), or the
 * socket destroyed so the broker publishes the will (`drop`) → `dead` {at}; `{cmd:'stop'}` → exit.
 */

import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';

const tahu = sparkplugPayload.get('spBv1.0')!;
type Payload = Parameters<typeof tahu.encodePayload>[0];
type Metric = NonNullable<Payload['metrics']>[number];

export interface FleetSimConfig {
  url: string;
  groupId: string;
  assets: number;
  pointsPerAsset: number;
  /** The asset kind (the measurement in InfluxDB). */
  kind: string;
  periodMs: number;
  /** QoS of NDATA/DDATA (the site hubs' default is 1). */
  qos: 0 | 1;
  keepAliveS: number;
}

export interface FleetSimRun {
  cmd: 'ran';
  /** Per node: ticks sent (each = assets × points values), first and last tick timestamps. */
  nodes: Record<string, { ticks: number; firstTs: number; lastTs: number; values: number; births: number }>;
  values: number;
  messages: number;
  /** NCMD Node Control/Rebirth received, per node (the central asks at its start, on seq gaps, unknown aliases). */
  rebirthRequests: Record<string, number>;
  elapsedMs: number;
  cpuPct: number;
  /** How late a tick went out after it was due, ms (the generator's own lag), and ticks skipped for a backed-up socket. */
  lateMs: { p50: number; p99: number; max: number };
  skippedTicks: number;
  /** The most QoS 1 publishes waiting for PUBACK at one node at once. */
  maxInflight: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as FleetSimConfig;

interface Node {
  id: string;
  client: MqttClient;
  bdSeq: number;
  seq: number;
  values: Float64Array;
  lastTs: number;
  ticks: number;
  firstTs: number;
  births: number;
  rebirths: number;
  ticking: boolean;
}

const nodes = new Map<string, Node>();
const POINTS = cfg.assets * cfg.pointsPerAsset;
const assetId = (a: number) => `a${String(a).padStart(3, '0')}`;
const topic = (type: string, node: string, device?: string) =>
  `spBv1.0/${cfg.groupId}/${type}/${node}${device === undefined ? '' : `/${device}`}`;
const alias = (a: number, p: number) => 1000 + a * cfg.pointsPerAsset + p;
const valueAt = (tick: number, i: number) => (tick % 100_000) + i / 10_000;

function publish(n: Node, type: string, device: string | undefined, metrics: Metric[], qos: 0 | 1): void {
  const payload: Payload = { timestamp: Date.now(), metrics };
  if (type !== 'NDEATH') {
    payload.seq = n.seq;
    n.seq = (n.seq + 1) % 256;
  }
  n.client.publish(topic(type, n.id, device), Buffer.from(tahu.encodePayload(payload)), { qos });
}

const str = (name: string, value: string): Metric => ({ name, type: 'String', value });

function births(n: Node): void {
  n.seq = 0;
  n.births++;
  const ts = n.lastTs || Date.now();
  publish(
    n,
    'NBIRTH',
    undefined,
    [
      { name: 'bdSeq', type: 'UInt64', value: n.bdSeq },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
      { ...str('Site/Name', `Site ${n.id}`), alias: 1 },
      { ...str('Site/Timezone', 'Asia/Shanghai'), alias: 2 },
      { ...str('Site/Hub version', 'bench'), alias: 3 },
      { name: 'Site/Alerts active', alias: 4, type: 'Int32', value: 0 },
      { name: 'Site/Alerts unacknowledged', alias: 5, type: 'Int32', value: 0 },
      { name: 'Site/Alerts critical', alias: 6, type: 'Int32', value: 0 },
      { name: 'Site/Tickets open', alias: 7, type: 'Int32', value: 0 },
      { name: 'Site/Tickets overdue', alias: 8, type: 'Int32', value: 0 },
      { name: 'Site/Devices offline', alias: 9, type: 'Int32', value: 0 },
      { name: 'Site/Power W', alias: 10, type: 'Double', value: 125_000 },
      { name: 'Site/Energy today kWh', alias: 11, type: 'Double', value: 1_500 },
    ],
    0,
  );
  for (let a = 0; a < cfg.assets; a++) {
    const metrics: Metric[] = [
      str('Asset/Name', `Meter ${a}`),
      str('Asset/Kind', cfg.kind),
      str('Asset/Zone', `z${a % 10}`),
      str('Asset/Zone name', `Zone ${a % 10}`),
    ];
    for (let p = 0; p < cfg.pointsPerAsset; p++) {
      const i = a * cfg.pointsPerAsset + p;
      const m: Metric = {
        name: `p${p}`,
        alias: alias(a, p),
        timestamp: ts,
        type: 'Double',
        value: n.values[i]!,
        properties: {
          engUnit: { type: 'String', value: 'kW' },
          Kind: { type: 'String', value: 'measurement' },
        },
      };
      // before the first tick a point has no value yet: a null metric, as the site hub sends it
      if (!n.lastTs) {
        m.value = null;
        m.isNull = true;
      }
      metrics.push(m);
    }
    publish(n, 'DBIRTH', assetId(a), metrics, 0);
  }
}

async function connect(id: string): Promise<Node> {
  const bdSeq = 0;
  const will = tahu.encodePayload({
    timestamp: Date.now(),
    metrics: [{ name: 'bdSeq', type: 'UInt64', value: bdSeq }],
  });
  const client = await mqtt.connectAsync(cfg.url, {
    clientId: `bench-edge-${id}`,
    clean: true,
    keepalive: cfg.keepAliveS,
    reconnectPeriod: 0,
    queueQoSZero: false,
    will: { topic: topic('NDEATH', id), payload: Buffer.from(will), qos: 1, retain: false },
  });
  const n: Node = {
    id,
    client,
    bdSeq,
    seq: 0,
    values: new Float64Array(POINTS),
    lastTs: 0,
    ticks: 0,
    firstTs: 0,
    births: 0,
    rebirths: 0,
    ticking: false,
  };
  client.on('message', (_t, buf) => {
    const p = tahu.decodePayload(buf);
    const rebirth = p.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
    if (!rebirth) return;
    n.rebirths++;
    births(n);
  });
  client.on('error', (err) => console.error(`edge ${id}: ${err.message}`));
  await client.subscribeAsync(topic('NCMD', id), { qos: 1 });
  nodes.set(id, n);
  births(n);
  return n;
}

function tick(n: Node, ts: number): void {
  const k = n.ticks++;
  if (!n.firstTs) n.firstTs = ts;
  n.lastTs = ts;
  for (let a = 0; a < cfg.assets; a++) {
    const metrics: Metric[] = new Array(cfg.pointsPerAsset);
    for (let p = 0; p < cfg.pointsPerAsset; p++) {
      const i = a * cfg.pointsPerAsset + p;
      const v = valueAt(k, i);
      n.values[i] = v;
      metrics[p] = { alias: alias(a, p), timestamp: ts, type: 'Double', value: v };
    }
    publish(n, 'DDATA', assetId(a), metrics, cfg.qos);
  }
  // the site's summary every 10 ticks, as NDATA (power moves)
  if (k % 10 === 0)
    publish(
      n,
      'NDATA',
      undefined,
      [{ alias: 10, timestamp: ts, type: 'Double', value: 125_000 + k }],
      cfg.qos,
    );
}

function pct(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))] ?? 0;
  return { p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(s.at(-1) ?? 0) };
}

async function run(durationS: number): Promise<FleetSimRun> {
  const running = [...nodes.values()].filter((n) => n.ticking);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + durationS * 1000;
  const late: number[] = [];
  let skippedTicks = 0;
  let maxInflight = 0;
  const inflight = (n: Node) =>
    Object.keys((n.client as unknown as { outgoing: Record<string, unknown> }).outgoing).length;
  // node i ticks at i/N of each period; the next due tick per node
  const due = running.map((_, i) => start + (i * cfg.periodMs) / running.length);
  await new Promise<void>((resolve) => {
    const loop = () => {
      const now = performance.now();
      let next = end;
      for (let i = 0; i < running.length; i++) {
        const n = running[i]!;
        while (due[i]! <= now && due[i]! < end) {
          const lateBy = now - due[i]!;
          // a whole period behind: that tick is skipped (counted), not piled up
          if (lateBy >= cfg.periodMs || n.client.stream.writableNeedDrain) {
            skippedTicks++;
          } else {
            late.push(lateBy);
            tick(n, Math.round(performance.timeOrigin + due[i]!));
          }
          due[i]! += cfg.periodMs;
          maxInflight = Math.max(maxInflight, inflight(n));
        }
        if (due[i]! < next) next = due[i]!;
      }
      if (next >= end) resolve();
      else setTimeout(loop, Math.max(0, next - performance.now()));
    };
    loop();
  });
  // until every QoS 1 publish was acknowledged (the broker has it)
  const ackBy = performance.now() + 30_000;
  while (running.some((n) => inflight(n) > 0) && performance.now() < ackBy)
    await new Promise((r) => setTimeout(r, 20));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const out: FleetSimRun['nodes'] = {};
  let values = 0;
  let messages = 0;
  for (const n of running) {
    out[n.id] = {
      ticks: n.ticks,
      firstTs: n.firstTs,
      lastTs: n.lastTs,
      values: n.ticks * POINTS,
      births: n.births,
    };
    values += n.ticks * POINTS;
    messages += n.ticks * cfg.assets + Math.ceil(n.ticks / 10);
  }
  return {
    cmd: 'ran',
    nodes: out,
    values,
    messages,
    rebirthRequests: Object.fromEntries([...nodes.values()].map((n) => [n.id, n.rebirths])),
    elapsedMs,
    cpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    lateMs: pct(late),
    skippedTicks,
    maxInflight,
  };
}

const wallNow = () => performance.timeOrigin + performance.now();

process.on(
  'message',
  async (msg: { cmd: string; nodes?: string[]; node?: string; durationS?: number; how?: string }) => {
    try {
      if (msg.cmd === 'connect') {
        for (const id of msg.nodes!) (await connect(id)).ticking = true;
        process.send?.({ cmd: 'connected' });
      } else if (msg.cmd === 'run') {
        process.send?.(await run(msg.durationS!));
      } else if (msg.cmd === 'birth') {
        const at = wallNow();
        await connect(msg.node!);
        process.send?.({ cmd: 'born', at });
      } else if (msg.cmd === 'death') {
        const n = nodes.get(msg.node!)!;
        nodes.delete(n.id);
        const at = wallNow();
        if (msg.how === 'drop') {
          n.client.stream.destroy();
          n.client.end(true);
        } else {
          publish(n, 'NDEATH', undefined, [{ name: 'bdSeq', type: 'UInt64', value: n.bdSeq }], 1);
          await n.client.endAsync();
        }
        process.send?.({ cmd: 'dead', at });
      } else if (msg.cmd === 'stop') {
        await Promise.all([...nodes.values()].map((n) => n.client.endAsync().catch(() => undefined)));
        process.exit(0);
      }
    } catch (err) {
      console.error(err);
      process.exit(1);
    }
  },
);
process.send?.({ cmd: 'ready' });
