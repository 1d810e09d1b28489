import { Reliability } from '@bacnet-js/client';
import type { Quality } from '../../core/model/reading.js';

/** An object's Status_Flags (a bit string in this order on the wire). */
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
 * Status flags and reliability → the hub's quality. A fault (or any reliability but no-fault-detected) is
 * `bad`: the value is not a measurement. Out of service (value written by hand) and overridden (a local
 * hand switch) are `uncertain`: real values, but not what the control program or sensor says. In alarm stays
 * `good`: the value is right, and alarms are the rules engine's to raise.
 */
export function qualityOf(flags?: StatusFlags, reliability?: number): { quality: Quality; reason?: string } {
  const unreliable = reliability !== undefined && reliability !== Reliability.NO_FAULT_DETECTED;
  if (flags?.fault || unreliable) {
    const name = unreliable ? (Reliability[reliability] ?? `reliability ${reliability}`) : undefined;
    return {
      quality: 'bad',
      reason: `BACnet fault${name ? `: ${name.toLowerCase().replaceAll('_', '-')}` : ''}`,
    };
  }
  if (flags?.outOfService) return { quality: 'uncertain', reason: 'BACnet out of service' };
  if (flags?.overridden) return { quality: 'uncertain', reason: 'BACnet overridden' };
  return { quality: 'good' };
}
