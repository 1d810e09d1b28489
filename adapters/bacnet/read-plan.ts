import { PropertyIdentifier as P } from '@bacnet-js/client';
import type { ObjectRef } from './values.js';

export interface PropertyRead {
  object: ObjectRef;
  property: number;
  /** An element of an array property (0: its length); the whole property when absent. */
  index?: number;
}

/** Octets a value of this property takes in an answer, at most as far as we can tell before asking. */
function valueSize(r: PropertyRead, maxApdu: number): number {
  if (r.index !== undefined) return r.index === 0 ? 5 : r.property === P.STATE_TEXT ? 66 : 6;
  switch (r.property) {
    case P.OBJECT_LIST:
      return maxApdu; // unknown length: asked alone
    case P.OBJECT_NAME:
    case P.DESCRIPTION:
    case P.VENDOR_NAME:
    case P.MODEL_NAME:
      return 66; // names of up to 64 characters
    case P.PRIORITY_ARRAY:
      return 16 * 6;
    case P.STATE_TEXT:
      return 8 * 34;
    default:
      return 6; // a REAL, an enumeration, status flags, or an error
  }
}

/**
 * ReadPropertyMultiple requests whose answers fit one APDU of the device (`maxApdu`), reads of one object kept
 * together. The estimate is generous; an answer that still does not fit is split again by the caller. We do
 * not lean on segmentation: the library reassembles one segmented answer at a time per socket, and many small
 * controllers have none.
 */
export function planReads(reads: readonly PropertyRead[], maxApdu: number): PropertyRead[][] {
  const budget = maxApdu - 3; // the ComplexAck header
  const chunks: PropertyRead[][] = [];
  let chunk: PropertyRead[] = [];
  let size = 0;
  for (const r of reads) {
    const last = chunk.at(-1);
    const sameObject = last?.object.type === r.object.type && last.object.instance === r.object.instance;
    // property id, array index and the value's opening and closing tags; 7 more for an object's header
    let cost = 4 + (r.index === undefined ? 0 : 3) + valueSize(r, maxApdu) + (sameObject ? 0 : 7);
    if (chunk.length > 0 && size + cost > budget) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
      if (sameObject) cost += 7;
    }
    chunk.push(r);
    size += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
