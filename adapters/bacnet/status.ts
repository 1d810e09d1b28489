import { Reliability } from '@bacnet-js/client';
import type { Quality } from '../../core/model/reading.js';

/** An object's Status_Flags, a bit string in this order. */
export interface StatusFlags {
  inAlarm: boolean;
  fault: boolean;
  overridden: boolean;
  outOfService: boolean;
}

export function statusFlags(bits: readonly boolean[]): StatusFlags {
  return { inAlarm: !!bits[0], fault: !!bits[1], overridden: !!bits[2], outOfService: !!bits[3] };
}

/**
 * Status flags and reliability → the hub's quality. A fault (or a reliability other than no-fault-detected) is
 * `bad`: the value is no measurement. Out of service (a value written by hand) and overridden (a local hand
 * switch) are `uncertain`: real values, but not the sensor's or the program's. In alarm stays `good`: the
 * value is right, and alarms are the rules engine's to raise.
 */
export function qualityOf(flags?: StatusFlags, reliability = 0): { quality: Quality; reason?: string } {
  if (flags?.fault || reliability !== Reliability.NO_FAULT_DETECTED) {
    const name = Reliability[reliability]?.toLowerCase().replaceAll('_', '-') ?? `reliability ${reliability}`;
    return { quality: 'bad', reason: reliability ? `BACnet fault: ${name}` : 'BACnet fault' };
  }
  if (flags?.outOfService) return { quality: 'uncertain', reason: 'BACnet out of service' };
  return flags?.overridden ? { quality: 'uncertain', reason: 'BACnet overridden' } : { quality: 'good' };
}
