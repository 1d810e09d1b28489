/**
 * The hub's BACnet client (adapters/bacnet) against the simulated devices (simulators/bacnet-*), over real UDP
 * on loopback. Both sides are ours here; test/bacnet-simulator.test.ts checks the simulator with the library's
 * own client, so a fault shared by both of ours would show there.
 */
import { ObjectType as O, PropertyIdentifier as P, Segmentation } from '@bacnet-js/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BacnetClient, type BacnetDevice, type CovValue } from '../adapters/bacnet/bacnet-client.js';
import { qualityOf } from '../adapters/bacnet/status.js';
import type { DriverError } from '../core/devices/driver.js';
import { type BacnetSite, startBacnetSite } from '../simulators/bacnet-site.js';

const AI1 = { type: O.ANALOG_INPUT, instance: 1 }; // supply air temperature, COV increment 0.2
const AV1 = { type: O.ANALOG_VALUE, instance: 1 }; // supply air setpoint, commandable, default 16
const BV1 = { type: O.BINARY_VALUE, instance: 1 }; // fan command, commandable, default inactive

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let site: BacnetSite;
let client: BacnetClient;
let ahu: BacnetDevice;
let lighting: BacnetDevice;
const malformed: { from: string; reason: string }[] = [];

beforeAll(async () => {
  site = await startBacnetSite({ tickMs: 0 }); // the models step only when a test says
  client = await BacnetClient.open({
    address: '127.0.0.1',
    port: 0,
    broadcast: [site.ahu.address, site.lighting.address], // loopback has no broadcast: the "subnet" spelled out
    timeoutMs: 300,
    retries: 1,
    onMalformed: (from, reason) => malformed.push({ from, reason }),
  });
  [ahu, lighting] = (await client.whoIs(300)) as [BacnetDevice, BacnetDevice];
});

afterAll(async () => {
  await client?.close();
  await site?.stop();
});

afterEach(() => {
  site.ahu.setAnswering(true);
  site.ahu.covEnabled = true;
  site.ahu.setMaxApdu(1476);
  site.lighting.setMaxApdu(1476);
});

describe('BACnet client against the simulated devices', () => {
  it('discovers both devices from their I-Ams, and their objects ready for a site file', async () => {
    expect(ahu).toEqual({
      deviceId: 1001,
      address: site.ahu.address,
      maxApdu: 1476,
      segmentation: Segmentation.NO_SEGMENTATION,
      vendorId: 999,
    });
    expect(lighting.address).toBe(site.lighting.address);
    const [a, l] = await client.discover(300);
    expect(a?.name).toBe('AHU-1');
    expect(a?.objects).toContainEqual({
      name: 'sa_temp',
      object: 'analog-input:1',
      unit: 'degC',
      objectName: 'SA-Temp',
      presentValue: expect.closeTo(18, 1),
    });
    expect(a?.objects.find((o) => o.object === 'analog-input:3')?.unit).toBe('m3/h');
    expect(a?.objects.find((o) => o.object === 'analog-output:1')?.unit).toBe('%');
    expect(a?.objects.find((o) => o.object === 'binary-value:1')).toMatchObject({
      name: 'fan_cmd',
      presentValue: false,
    });
    expect(l?.objects.filter((o) => o.object.startsWith('binary-output:'))).toHaveLength(8);
    expect(l?.objects.find((o) => o.object === 'analog-input:1')).toMatchObject({
      name: 'lux_level',
      unit: 'lx',
    });
    expect(l?.objects.find((o) => o.object === 'multi-state-value:1')?.presentValue).toBe(2);
    // a range asks only the devices in it
    expect((await client.whoIs(200, { low: 2000, high: 2999 })).map((d) => d.deviceId)).toEqual([2001]);
  });

  it('reads many properties in one ReadPropertyMultiple, with per-property errors', async () => {
    const before = site.ahu.stats.reads;
    const results = await client.readMultiple(ahu, [
      { object: AV1, property: P.PRESENT_VALUE },
      { object: AV1, property: P.PRIORITY_ARRAY },
      { object: AV1, property: P.RELINQUISH_DEFAULT },
      { object: AV1, property: P.COV_INCREMENT },
      { object: AI1, property: P.STATUS_FLAGS },
      { object: AI1, property: P.RELIABILITY },
      { object: AI1, property: P.UNITS },
      { object: AI1, property: P.PRIORITY_ARRAY }, // an input has none
      { object: { type: O.ANALOG_INPUT, instance: 99 }, property: P.PRESENT_VALUE },
    ]);
    expect(site.ahu.stats.reads - before).toBe(1);
    expect(results.map((r) => r.value ?? r.error)).toEqual([
      16,
      Array(16).fill(null),
      16,
      expect.closeTo(0.1, 5),
      [false, false, false, false],
      0,
      62, // degrees-celsius
      'property/unknown-property',
      'object/unknown-object',
    ]);
  });

  it('splits ReadPropertyMultiple to fit a small max APDU, and reads the object list element by element', async () => {
    site.ahu.setMaxApdu(128);
    site.lighting.setMaxApdu(50);
    const [small] = await client.whoIs(200, { low: 1001, high: 1001 });
    expect(small?.maxApdu).toBe(128);
    const objects = [1, 2, 3].map((instance) => ({ type: O.ANALOG_INPUT, instance }));
    const reads = objects.flatMap((object) =>
      [P.OBJECT_NAME, P.PRESENT_VALUE, P.STATUS_FLAGS, P.UNITS, P.COV_INCREMENT].map((property) => ({
        object,
        property,
      })),
    );
    const before = site.ahu.stats.reads;
    const results = await client.readMultiple(small!, reads);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(results.filter((r) => r.property === P.OBJECT_NAME).map((r) => r.value)).toEqual([
      'SA-Temp',
      'RA-Temp',
      'SA-Flow',
    ]);
    expect(site.ahu.stats.reads - before).toBeGreaterThanOrEqual(3);
    expect(site.ahu.aborts).toBe(0); // the plan fitted; nothing had to be asked again

    // at 50 octets the object list does not fit: the device aborts, the client reads it in elements
    const [tiny] = await client.whoIs(200, { low: 2001, high: 2001 });
    const abortsBefore = site.lighting.aborts;
    const [described] = await client.discover(200, { low: 2001, high: 2001 });
    expect(tiny?.maxApdu).toBe(50);
    expect(site.lighting.aborts).toBeGreaterThan(abortsBefore);
    expect(described?.objects.map((o) => o.object)).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `binary-output:${i + 1}`),
      'multi-state-value:1',
      'analog-input:1',
    ]);
  });

  it('follows COV notifications (increment and status flags) and renews the subscription', async () => {
    site.ahu.setValue('analog-input:1', 18);
    const seen: CovValue[] = [];
    const sub = await client.subscribeCov(ahu, AI1, 2, (v) => seen.push(v));
    await until(() => seen.length === 1); // the current value at once
    expect(seen[0]).toMatchObject({ value: expect.closeTo(18, 3), flags: { fault: false } });

    site.ahu.setValue('analog-input:1', 18.1); // below the increment of 0.2
    site.ahu.setValue('analog-input:1', 18.3);
    await until(() => seen.length === 2);
    expect(seen[1]?.value).toBeCloseTo(18.3, 3);

    site.ahu.fault('analog-input:1', { reliability: 1 }); // no-sensor
    await until(() => seen.length === 3);
    expect(qualityOf(seen[2]?.flags, 1)).toEqual({ quality: 'bad', reason: 'BACnet fault: no-sensor' });
    site.ahu.fault('analog-input:1', { reliability: 0, outOfService: true });
    await until(() => seen.length === 4);
    expect(qualityOf(seen[3]?.flags)).toEqual({ quality: 'uncertain', reason: 'BACnet out of service' });
    site.ahu.fault('analog-input:1', { outOfService: false });

    // lifetime 2 s, renewed every 1.5 s: still there after 3 s
    await new Promise((r) => setTimeout(r, 3000));
    const [entry] = site.ahu.covSubscriptions();
    expect(entry).toMatchObject({ object: 'analog-input:1', subscriber: client.address, confirmed: false });
    expect(entry?.remainingS).toBeGreaterThan(0.2);
    await sub.cancel();
    expect(site.ahu.covSubscriptions()).toEqual([]);
  }, 10_000);

  it('acknowledges confirmed COV notifications', async () => {
    const seen: CovValue[] = [];
    const sub = await client.subscribeCov(
      lighting,
      { type: O.BINARY_OUTPUT, instance: 3 },
      60,
      (v) => seen.push(v),
      {
        confirmed: true,
      },
    );
    await until(() => seen.length === 1);
    await client.write(lighting, { type: O.BINARY_OUTPUT, instance: 3 }, true, 8);
    await until(() => seen.length === 2);
    expect(seen.map((v) => v.value)).toEqual([false, true]);
    await new Promise((r) => setTimeout(r, 100));
    expect(site.lighting.stats.notificationFailures).toBe(0);
    await client.relinquish(lighting, { type: O.BINARY_OUTPUT, instance: 3 }, 8);
    await sub.cancel();
  });

  it('reports a device that refuses COV, so the driver can poll it', async () => {
    site.ahu.covEnabled = false;
    const err = (await client.subscribeCov(ahu, AI1, 60, () => undefined).catch((e) => e)) as DriverError;
    expect(err.code).toBe('refused');
    expect(err.message).toMatch(/COV refused: SubscribeCOV to 127\.0\.0\.1:\d+: abort or reject, reason 9/);
    expect(client.stats.subscriptions).toBe(0);
    const [pv] = await client.readMultiple(ahu, [{ object: AI1, property: P.PRESENT_VALUE }]);
    expect(typeof pv?.value).toBe('number');
  });

  it('writes at priority 8, lets it outrank priority 16, and relinquishes back to the default', async () => {
    const read = async () =>
      (
        await client.readMultiple(ahu, [
          { object: AV1, property: P.PRESENT_VALUE },
          { object: AV1, property: P.PRIORITY_ARRAY },
        ])
      ).map((r) => r.value);
    await client.write(ahu, AV1, 14.5, 8);
    let [pv, priorities] = await read();
    expect(pv).toBe(14.5);
    expect((priorities as (number | null)[])[7]).toBe(14.5);
    await client.write(ahu, AV1, 15, 16);
    [pv, priorities] = await read();
    expect(pv).toBe(14.5); // 8 outranks 16
    expect((priorities as (number | null)[]).filter((v) => v !== null)).toEqual([14.5, 15]);
    await client.relinquish(ahu, AV1, 8);
    [pv] = await read();
    expect(pv).toBe(15);
    await client.relinquish(ahu, AV1, 16);
    [pv, priorities] = await read();
    expect(pv).toBe(16); // the relinquish default
    expect(priorities).toEqual(Array(16).fill(null));

    await client.write(ahu, BV1, true, 8);
    expect((await client.readMultiple(ahu, [{ object: BV1, property: P.PRESENT_VALUE }]))[0]?.value).toBe(
      true,
    );
    await client.relinquish(ahu, BV1, 8);
    expect((await client.readMultiple(ahu, [{ object: BV1, property: P.PRESENT_VALUE }]))[0]?.value).toBe(
      false,
    );

    const denied = (await client.write(ahu, AI1, 20, 8).catch((e) => e)) as DriverError;
    expect([denied.code, denied.message]).toEqual([
      'exception',
      `WriteProperty to ${site.ahu.address}: property/write-access-denied`,
    ]);
    expect(((await client.write(ahu, AV1, 1, 17).catch((e) => e)) as DriverError).code).toBe('bad-config');
  });

  it('times out on a device that stops answering, and reads again when it is back', async () => {
    site.ahu.setAnswering(false);
    const started = Date.now();
    const err = (await client
      .readMultiple(ahu, [{ object: AI1, property: P.PRESENT_VALUE }])
      .catch((e) => e)) as DriverError;
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/no answer in 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000); // one try and one retry of 300 ms
    // the other device is not held up
    expect(
      (await client.readMultiple(lighting, [{ object: AI1, property: P.PRESENT_VALUE }]))[0]?.error,
    ).toBeUndefined();
    site.ahu.setAnswering(true);
    expect(
      (await client.readMultiple(ahu, [{ object: AI1, property: P.PRESENT_VALUE }]))[0]?.error,
    ).toBeUndefined();
  });

  it('counts malformed frames sent to its socket, and goes on working', async () => {
    const before = client.stats.malformed;
    for (const kind of ['not-bacnet', 'bad-length', 'bad-pdu-type', 'truncated'] as const)
      site.ahu.sendMalformed(client.address, kind);
    await until(() => client.stats.malformed === before + 4);
    expect(malformed.slice(-4).map((m) => m.from)).toEqual(Array(4).fill(site.ahu.address));
    expect(malformed.slice(-4).map((m) => m.reason)).toEqual([
      'not BACnet/IP (BVLL type is not 0x81)',
      'BVLL length 15 but 8 octets came',
      'unknown PDU type 15',
      'APDU of type 0 cut short (1 octets)',
    ]);
    expect(
      (await client.readMultiple(ahu, [{ object: AI1, property: P.PRESENT_VALUE }]))[0]?.error,
    ).toBeUndefined();
  });

  it('values evolve with the models: the supply air follows its setpoint while the fan runs', async () => {
    await client.write(ahu, BV1, true, 8);
    await client.write(ahu, AV1, 13, 8);
    for (let i = 0; i < 120; i++) site.ahu.tick(1); // two simulated minutes
    const [supply, flow, status] = await client.readMultiple(ahu, [
      { object: AI1, property: P.PRESENT_VALUE },
      { object: { type: O.ANALOG_INPUT, instance: 3 }, property: P.PRESENT_VALUE },
      { object: { type: O.BINARY_INPUT, instance: 1 }, property: P.PRESENT_VALUE },
    ]);
    expect(supply?.value).toBeCloseTo(13, 0);
    expect(flow?.value as number).toBeGreaterThan(5000);
    expect(status?.value).toBe(true);
    await client.relinquish(ahu, AV1, 8);
    await client.relinquish(ahu, BV1, 8);
  });
});

describe('BACnet foreign device through a BBMD', () => {
  it('registers with the BBMD and discovers the devices behind it at their own addresses', async () => {
    const foreign = await BacnetClient.open({ address: '127.0.0.4', port: 0, broadcast: [], timeoutMs: 300 });
    try {
      expect(await foreign.whoIs(200)).toEqual([]); // no broadcast reaches them from here
      await foreign.registerForeignDevice(site.bbmdAddress, 60);
      expect(site.bbmd.foreignDevices()).toEqual([
        { address: foreign.address, remainingS: expect.closeTo(90, 0) },
      ]);
      const found = await foreign.discover(300);
      expect(found.map((d) => [d.deviceId, d.address, d.name])).toEqual([
        [1001, site.ahu.address, 'AHU-1'],
        [2001, site.lighting.address, 'LC-1'],
      ]);
      expect(found[1]?.objects).toHaveLength(10);
    } finally {
      await foreign.close();
    }
  });

  it('fails registration with a timeout where no BBMD answers', async () => {
    const foreign = await BacnetClient.open({ address: '127.0.0.4', port: 0, timeoutMs: 200 });
    try {
      const err = (await foreign.registerForeignDevice(site.ahu.address, 60).catch((e) => e)) as DriverError;
      expect(err.code).toBe('timeout');
    } finally {
      await foreign.close();
    }
  });
});
