import { ObjectType as O, PropertyIdentifier as P } from '@bacnet-js/client';
import type { BacnetClient, BacnetDevice } from './bacnet-client.js';
import { hubUnit } from './units.js';
import { type ObjectRef, objectKey, type PlainValue } from './values.js';

/** An object as a site file's point: `name` made from its object name, `object` as `analog-input:1`. */
export interface DiscoveredObject {
  name: string;
  object: string;
  unit?: string;
  objectName?: string;
  presentValue?: PlainValue;
}

/** A device with its name and objects, or why they could not be read. */
export type DiscoveredDevice = BacnetDevice & { name?: string; objects: DiscoveredObject[]; error?: string };

const WITH_UNITS = new Set<number>([O.ANALOG_INPUT, O.ANALOG_OUTPUT, O.ANALOG_VALUE]);

/** A device's name and objects, each with its name, units (in the hub's spelling) and present value. */
export async function describe(client: BacnetClient, d: BacnetDevice): Promise<DiscoveredDevice> {
  const device = { type: O.DEVICE, instance: d.deviceId };
  const objects = (await objectList(client, d)).filter((o) => o.type !== O.DEVICE);
  const properties = (o: ObjectRef) =>
    o === device
      ? [P.OBJECT_NAME]
      : [P.OBJECT_NAME, P.PRESENT_VALUE, ...(WITH_UNITS.has(o.type) ? [P.UNITS] : [])];
  const reads = [device, ...objects].flatMap((object) =>
    properties(object).map((property) => ({ object, property })),
  );
  const results = await client.readMultiple(d, reads);
  const of = (o: ObjectRef, p: number) => results.find((r) => r.object === o && r.property === p)?.value;
  const text = (o: ObjectRef) =>
    typeof of(o, P.OBJECT_NAME) === 'string' ? (of(o, P.OBJECT_NAME) as string) : undefined;
  return {
    ...d,
    name: text(device),
    objects: objects.map((object) => {
      const units = of(object, P.UNITS);
      return {
        name: (text(object) ?? objectKey(object))
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_|_$/g, ''),
        object: objectKey(object),
        unit: typeof units === 'number' ? hubUnit(units) : undefined,
        objectName: text(object),
        presentValue: of(object, P.PRESENT_VALUE),
      };
    }),
  };
}

/** The device's object list; 20 elements at a time when the whole does not fit one APDU (no segmentation). */
async function objectList(client: BacnetClient, d: BacnetDevice): Promise<ObjectRef[]> {
  const object = { type: O.DEVICE, instance: d.deviceId };
  const [whole] = await client.readMultiple(d, [{ object, property: P.OBJECT_LIST }]);
  if (Array.isArray(whole?.value)) return whole.value as ObjectRef[];
  const list: ObjectRef[] = [];
  for (let first = 1; ; first += 20) {
    const reads = Array.from({ length: 20 }, (_, i) => ({
      object,
      property: P.OBJECT_LIST,
      index: first + i,
    }));
    const found = (await client.readMultiple(d, reads)).flatMap((r) =>
      r.value ? [r.value as ObjectRef] : [],
    );
    list.push(...found);
    if (found.length < 20) return list; // past the end: invalid-array-index
  }
}
