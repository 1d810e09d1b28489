import type { Quality } from '../../core/model/reading.js';

/** OPC UA status code → point quality: the top two bits are the severity (00 good, 01 uncertain, 1x bad). */
export function qualityOf(status: { value: number }): Quality {
  const severity = status.value >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

/** `BadSensorFailure (0x808C0000)`: the name a user can look up, and the code a vendor manual uses. */
export function statusText(status: { value: number; name: string }): string {
  return `${status.name} (0x${(status.value >>> 0).toString(16).toUpperCase().padStart(8, '0')})`;
}
