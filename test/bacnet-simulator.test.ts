/**
 * The BACnet simulator checked with @bacnet-js/client's own client and its own UDP transport, not the hub's
 * wrapper: the independent side where the simulator is concerned.
 */
import { createSocket } from 'node:dgram';
import bacnet, {
  type BACNetAppData,
  BvlcResultPurpose,
  ObjectType as O,
  PropertyIdentifier as P,
  Segmentation,
  ApplicationTag as T,
} from '@bacnet-js/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';

// CommonJS with an ES-module flag: Node's import puts the class on `default`, vitest's unwraps it
const Client = ((bacnet as { default?: unknown }).default ?? bacnet) as typeof bacnet.default;
type Client = InstanceType<typeof Client>;

const AV1 = { type: O.ANALOG_VALUE, instance: 1 };
const AI1 = { type: O.ANALOG_INPUT, instance: 1 };

/** A UDP port free on `host` now: the library's transport takes no port 0. */
async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const values = (data: BACNetAppData[]) => data.map((d) => d.value);

let site: BacnetSite;
let client: Client;
let ahu: { address: string };

beforeAll(async () => {
  site = await startBacnetSite({ tickMs: 0 });
  ahu = { address: site.ahu.address };
  const port = await freeUdpPort('127.0.0.5');
  client = new Client({ interface: '127.0.0.5', port, apduTimeout: 500 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('listening', () => resolve()));
});

afterAll(async () => {
  client?.close();
  await site?.stop();
});

describe('the BACnet simulator, seen by the library’s own client', () => {
  it('answers Who-Is with an I-Am: device id, max APDU, no segmentation, vendor', async () => {
    const iAm = new Promise<{ payload: Record<string, unknown>; header?: { sender: { address?: string } } }>(
      (resolve) => client.once('iAm', resolve),
    );
    client.whoIs(ahu);
    const { payload, header } = await iAm;
    expect(payload).toMatchObject({
      deviceId: 1001,
      maxApdu: 1476,
      segmentation: Segmentation.NO_SEGMENTATION,
      vendorId: 999,
    });
    expect(header?.sender.address).toBe(site.ahu.address);
  });

  it('answers ReadProperty: the object list, names, units, status flags and array elements', async () => {
    const list = await client.readProperty(ahu, { type: O.DEVICE, instance: 1001 }, P.OBJECT_LIST);
    expect(values(list.values)).toContainEqual({ type: O.ANALOG_VALUE, instance: 1 });
    expect(list.values).toHaveLength(8); // the device and 7 objects
    const count = await client.readProperty(ahu, { type: O.DEVICE, instance: 1001 }, P.OBJECT_LIST, {
      arrayIndex: 0,
    });
    expect(values(count.values)).toEqual([8]);
    expect(values((await client.readProperty(ahu, AI1, P.OBJECT_NAME)).values)).toEqual(['SA-Temp']);
    expect(values((await client.readProperty(ahu, AI1, P.UNITS)).values)).toEqual([62]); // degrees-celsius
    const flags = (await client.readProperty(ahu, AI1, P.STATUS_FLAGS)).values[0];
    expect(flags).toMatchObject({ type: T.BIT_STRING, value: { bitsUsed: 4, value: [0] } });
    const error = await client.readProperty(ahu, AI1, P.PRIORITY_ARRAY).catch((e: Error) => e.message);
    expect(error).toBe('BacnetError - Class:2 - Code:32'); // property, unknown-property
  });

  it('answers ReadPropertyMultiple with ALL, and per-property errors', async () => {
    const ack = await client.readPropertyMultiple(ahu, [
      { objectId: AV1, properties: [{ id: P.ALL, index: 0xffffffff }] },
      {
        objectId: { type: O.ANALOG_INPUT, instance: 42 },
        properties: [{ id: P.PRESENT_VALUE, index: 0xffffffff }],
      },
    ]);
    const av = new Map(ack.values[0]?.values.map((v) => [v.id, values(v.value)]));
    expect(av.get(P.OBJECT_NAME)).toEqual(['SA-Temp-Setpoint']);
    expect(av.get(P.PRESENT_VALUE)).toEqual([16]);
    expect(av.get(P.RELINQUISH_DEFAULT)).toEqual([16]);
    expect(av.get(P.PRIORITY_ARRAY)).toEqual(Array(16).fill(null));
    expect(av.get(P.COV_INCREMENT)?.[0]).toBeCloseTo(0.1, 5);
    expect(av.get(P.RELIABILITY)).toEqual([0]);
    expect(ack.values[1]?.values[0]?.value[0]).toMatchObject({
      type: T.ERROR,
      value: { errorClass: 1, errorCode: 31 },
    });
  });

  it('takes WriteProperty at a priority, and NULL relinquishes it', async () => {
    await client.writeProperty(ahu, AV1, P.PRESENT_VALUE, [{ type: T.REAL, value: 12.5 }], { priority: 8 });
    await client.writeProperty(ahu, AV1, P.PRESENT_VALUE, [{ type: T.REAL, value: 20 }], { priority: 12 });
    const priorities = values((await client.readProperty(ahu, AV1, P.PRIORITY_ARRAY)).values);
    expect(priorities[7]).toBe(12.5);
    expect(priorities[11]).toBe(20);
    expect(values((await client.readProperty(ahu, AV1, P.PRESENT_VALUE)).values)).toEqual([12.5]);
    await client.writeProperty(ahu, AV1, P.PRESENT_VALUE, [{ type: T.NULL, value: null }], { priority: 8 });
    expect(values((await client.readProperty(ahu, AV1, P.PRESENT_VALUE)).values)).toEqual([20]);
    await client.writeProperty(ahu, AV1, P.PRESENT_VALUE, [{ type: T.NULL, value: null }], { priority: 12 });
    expect(values((await client.readProperty(ahu, AV1, P.PRESENT_VALUE)).values)).toEqual([16]);
    const wrongType = client.writeProperty(
      ahu,
      AV1,
      P.PRESENT_VALUE,
      [{ type: T.CHARACTER_STRING, value: 'x' }],
      {
        priority: 8,
      },
    );
    await expect(wrongType).rejects.toThrow('BacnetError - Class:2 - Code:9'); // invalid-data-type
  });

  it('sends COV notifications for a subscription, and stops after its lifetime', async () => {
    const seen: number[] = [];
    const onCov = (c: { payload: { values: { property: { id: number }; value: BACNetAppData[] }[] } }) => {
      const pv = c.payload.values.find((v) => v.property.id === P.PRESENT_VALUE);
      if (pv) seen.push(pv.value[0]?.value as number);
    };
    client.on('covNotifyUnconfirmed', onCov);
    try {
      site.ahu.setValue('analog-input:1', 20);
      await client.subscribeCov(ahu, AI1, 7, false, false, 1);
      await until(() => seen.length === 1);
      site.ahu.setValue('analog-input:1', 21);
      await until(() => seen.length === 2);
      expect(seen).toEqual([20, 21]);
      await new Promise((r) => setTimeout(r, 1100)); // the lifetime of 1 s is over
      expect(site.ahu.covSubscriptions()).toEqual([]);
      site.ahu.setValue('analog-input:1', 22);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([20, 21]);
    } finally {
      client.off('covNotifyUnconfirmed', onCov);
    }
  });

  it('rejects SubscribeCOV when COV is switched off', async () => {
    site.ahu.covEnabled = false;
    try {
      await expect(client.subscribeCov(ahu, AI1, 8, false, false, 60)).rejects.toThrow(
        'BacnetAbort - Reason:9',
      );
    } finally {
      site.ahu.covEnabled = true;
    }
  });

  it('aborts an answer longer than its max APDU (it has no segmentation)', async () => {
    site.ahu.setMaxApdu(128);
    try {
      const device = { type: O.DEVICE, instance: 1001 };
      const all = client.readPropertyMultiple(ahu, [
        { objectId: device, properties: [{ id: P.ALL, index: 0xffffffff }] },
      ]);
      await expect(all).rejects.toThrow('BacnetAbort - Reason:4'); // segmentation-not-supported
      const small = await client.readProperty(ahu, AV1, P.PRESENT_VALUE);
      expect(values(small.values)).toEqual([16]);
    } finally {
      site.ahu.setMaxApdu(1476);
    }
  });

  it('through the BBMD: registers a foreign device, and forwards its Who-Is to the subnet', async () => {
    await client.registerForeignDevice({ address: site.bbmdAddress }, 30);
    const seen: { id: number; from?: string | null; via?: string }[] = [];
    const onIAm = (c: {
      payload: { deviceId: number };
      header?: { sender: { address?: string; forwardedFrom?: string | null }; func?: number };
    }) =>
      seen.push({
        id: c.payload.deviceId,
        from: c.header?.sender.forwardedFrom,
        via: c.header?.func === BvlcResultPurpose.FORWARDED_NPDU ? c.header.sender.address : undefined,
      });
    client.on('iAm', onIAm);
    try {
      client.whoIsThroughBBMD({ address: site.bbmdAddress });
      await until(() => seen.length === 2);
      const bbmd = site.bbmdAddress;
      expect(seen.sort((a, b) => a.id - b.id)).toEqual([
        { id: 1001, from: site.ahu.address, via: bbmd },
        { id: 2001, from: site.lighting.address, via: bbmd },
      ]);
    } finally {
      client.off('iAm', onIAm);
    }
  });
});
