import { PropertyIdentifier as P } from '@bacnet-js/client';
import type { ObjectRef } from './values.js';

/**
 * A property to read; `index` an element (1…) of an array property, the whole when absent. (Not 0, the array's
 * length: the library's ReadPropertyMultiple drops an index of 0 and asks for the whole array.)
 */
export interface PropertyRead {
  object: ObjectRef;
  property: number;
  index?: number;
}

/** Octets of a value in an answer, at most as far as one can tell before asking (names up to 64 characters). */
const VALUE_SIZE: Partial<Record<number, number>> = {
  [P.OBJECT_NAME]: 66,
  [P.DESCRIPTION]: 66,
  [P.VENDOR_NAME]: 66,
  [P.MODEL_NAME]: 66,
  [P.PRIORITY_ARRAY]: 16 * 6,
  [P.STATE_TEXT]: 8 * 34,
};

/**
 * ReadPropertyMultiple requests whose answers fit one APDU of the device, reads of one object kept together.
 * The estimate is generous (a whole object list is asked alone); an answer that still does not fit is split
 * again by the caller. We do not lean on segmentation: the library reassembles one segmented answer at a time
 * per socket, and many small controllers have none.
 */
export function planReads(reads: readonly PropertyRead[], maxApdu: number): PropertyRead[][] {
  const chunks: PropertyRead[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const r of reads) {
    const whole = r.property === P.OBJECT_LIST && r.index === undefined ? maxApdu : VALUE_SIZE[r.property];
    // property id, array index, opening and closing tags and the value; 7 more to open an object
    const cost = 4 + (r.index === undefined ? (whole ?? 6) : 9);
    const last = chunks.at(-1)?.at(-1);
    const same = last?.object.type === r.object.type && last.object.instance === r.object.instance;
    if (size + cost + (same ? 0 : 7) > maxApdu - 3) {
      chunks.push([r]);
      size = cost + 7;
    } else {
      chunks.at(-1)!.push(r);
      size += cost + (same ? 0 : 7);
    }
  }
  return chunks;
}
