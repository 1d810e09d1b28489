/**
 * One protocol's simulators for `npm run bench automation`, in a process of their own (so that the hub's CPU
 * is the hub's and each protocol's simulator has an event loop to itself): the site's Modbus TCP units, its
 * OPC UA servers, or BACnet/IP controllers whose commandable analog-value and binary-value objects keep the
 * 16-level priority array. Every write a device takes is logged with the time it took it: the bench counts
 * writes per point (lost, duplicated) and times each one from the schedule's edge.
 *
 * `automation-sim-process.ts <json or @file>` with `{ protocol: 'modbus' | 'opcua', site: file }` or
 * `{ protocol: 'bacnet', devices: [{ instance, objects: [{ point, object }] }] }`. IPC: `ready` (BACnet: each
 * device's address), `writes` (every write so far), `values` (what each device holds now), `cpu`, `stop`.
 */
import { readFileSync } from 'node:fs';
import { ObjectType, PropertyIdentifier } from '@bacnet-js/client';
import { objectKey, parseObjectKey } from '../adapters/bacnet/values.js';
import { resolveSources } from '../adapters/modbus/sources.js';
import { parseSiteText } from '../hub/site-file.js';
import { SimulatedBacnetDevice } from '../simulators/bacnet-devices.js';
import { presentValue, type SimObject } from '../simulators/bacnet-models.js';
import { ModbusSimulation } from '../simulators/modbus-devices.js';
import { OpcuaSimulation } from '../simulators/opcua-servers.js';
import { processCpuSeconds } from './proc.js';

/** One write a device took: point id, the value (null: a level relinquished), ms since the epoch, BACnet level. */
export type SimWrite = [pointId: string, value: number | boolean | null, ts: number, priority?: number];

export type SimConfig =
  | { protocol: 'modbus' | 'opcua'; site: string }
  | {
      protocol: 'bacnet';
      devices: { instance: number; objects: { point: string; object: string }[] }[];
    };

const arg = process.argv[2]!;
const config = JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as SimConfig;
const writes: SimWrite[] = [];
let values: () => Record<string, number | boolean | null>;
let stop: () => Promise<unknown>;
let addresses: Record<string, string> = {};

if (config.protocol === 'modbus') {
  const site = parseSiteText(readFileSync(config.site, 'utf8'), 'bench-automation.yaml');
  const sim = new ModbusSimulation(site);
  const { sources } = resolveSources(site);
  // register → point of each unit (the bench's points are one uint16 holding register each)
  for (const [deviceId, device] of sim.devices) {
    const byRegister = new Map<number, string>();
    for (const p of site.pointsByDevice.get(deviceId) ?? [])
      byRegister.set(sources.get(p.id)!.register, p.id);
    // every command register starts at 0, not at a value drawn from a daily curve
    for (const register of byRegister.keys()) device.writeRegisters(register, [0]);
    const write = device.writeRegisters.bind(device);
    device.writeRegisters = (address, words, now) => {
      write(address, words, now);
      const at = Date.now();
      words.forEach((w, i) => {
        const pointId = byRegister.get(address + i);
        if (pointId) writes.push([pointId, w, at]);
      });
    };
  }
  await sim.start();
  values = () => {
    const out: Record<string, number | boolean | null> = {};
    for (const [deviceId, device] of sim.devices) {
      const v = device.values();
      for (const p of site.pointsByDevice.get(deviceId) ?? []) out[p.id] = (v[p.name] as number) ?? null;
    }
    return out;
  };
  stop = () => sim.stop();
} else if (config.protocol === 'opcua') {
  const site = parseSiteText(readFileSync(config.site, 'utf8'), 'bench-automation.yaml');
  const sim = new OpcuaSimulation(site, { tickMs: 1000 });
  await sim.start();
  // a client's Write of a variable's Value, counted where the server takes it (before any change check)
  for (const server of sim.servers.values()) {
    const served = (server as unknown as { served: { point: { point: { id: string } }; variable: object }[] })
      .served;
    for (const s of served) {
      const variable = s.variable as {
        writeAttribute(ctx: unknown, wv: WriteValue, cb: (err: Error | null, status?: unknown) => void): void;
      };
      const pointId = s.point.point.id;
      const writeAttribute = variable.writeAttribute.bind(variable);
      variable.writeAttribute = (ctx, wv, cb) =>
        writeAttribute(ctx, wv, (err, status) => {
          if (wv.attributeId === 13 && !err && String(status).startsWith('Good'))
            writes.push([pointId, wv.value?.value?.value as number | boolean, Date.now()]);
          cb(err, status);
        });
    }
  }
  values = () => {
    const out: Record<string, number | boolean | null> = {};
    for (const p of site.points)
      if (p.protocol === 'opcua') out[p.id] = sim.model(p.assetId).value(p.name) as number | boolean;
    return out;
  };
  stop = () => sim.stop();
} else {
  const { devices: planned } = config as Extract<SimConfig, { protocol: 'bacnet' }>;
  const devices = planned.map((d) => {
    const objects: SimObject[] = d.objects.map(({ object }) => {
      const key = parseObjectKey(object)!;
      return {
        type: key.type,
        instance: key.instance,
        name: object,
        value: 0,
        priority: Array.from({ length: 16 }, () => null),
        relinquishDefault: 0,
        reliability: 0,
        outOfService: false,
        inAlarm: false,
        overridden: false,
      };
    });
    const device = new SimulatedBacnetDevice({
      deviceId: d.instance,
      name: `bench-${d.instance}`,
      model: { kind: 'generic', objects, step: () => undefined },
      host: '127.0.0.1',
      port: 0,
      tickMs: 0, // nothing moves on its own; a write sends its COV notification at once
    });
    const pointOf = new Map(
      d.objects.map(({ point, object }) => [objectKey(parseObjectKey(object)!), point]),
    );
    // WriteProperty, as the device takes it: present-value at a priority (NULL relinquishes)
    const inner = device as unknown as {
      write(
        id: { type: number; instance: number },
        property: number,
        data: unknown,
        priority: number,
      ): unknown;
    };
    const write = inner.write.bind(device);
    inner.write = (id, property, data, priority) => {
      const r = write(id, property, data, priority);
      const point = pointOf.get(objectKey(id));
      if (!r && point && property === PropertyIdentifier.PRESENT_VALUE) {
        const v = (data as { type: number; value: unknown } | undefined)?.value;
        const value =
          v === null || v === undefined ? null : id.type === ObjectType.BINARY_VALUE ? v === 1 : Number(v);
        writes.push([point, value, Date.now(), priority]);
      }
      return r;
    };
    return { device, objects, pointOf };
  });
  for (const d of devices) await d.device.start();
  addresses = Object.fromEntries(devices.map((d) => [String(d.device.deviceId), d.device.address]));
  values = () => {
    const out: Record<string, number | boolean | null> = {};
    for (const d of devices)
      for (const o of d.objects) {
        const v = presentValue(o);
        out[d.pointOf.get(objectKey(o))!] = o.type === ObjectType.BINARY_VALUE ? v === 1 : v;
      }
    return out;
  };
  stop = () => Promise.all(devices.map((d) => d.device.stop()));
}

interface WriteValue {
  attributeId: number;
  value?: { value?: { value?: unknown } };
}

process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'writes') process.send?.({ cmd: 'writes', writes });
  else if (msg.cmd === 'values') process.send?.({ cmd: 'values', values: values() });
  else if (msg.cmd === 'cpu') {
    const now = processCpuSeconds();
    process.send?.({ cmd: 'cpu', seconds: now, at: Date.now() });
  } else if (msg.cmd === 'stop') {
    await stop();
    process.exit(0);
  }
});
process.send?.({ cmd: 'ready', addresses });
