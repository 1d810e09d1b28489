export type Quality = 'good' | 'uncertain' | 'bad';
export type PointValue = number | boolean | string;

/**
 * One value of one point. Adapters create it (quality 'good' unless the device said otherwise);
 * the pipeline normalises the same object in place, so a reading costs one allocation end to end.
 */
export interface Reading {
  pointId: string;
  value: PointValue;
  quality: Quality;
  /** Source timestamp, ms since the epoch, UTC. */
  ts: number;
  /** Why the quality is not good, when the device said (an OPC UA status); the pipeline adds its own. */
  reason?: string;
}

/** What an adapter hands to the pipeline: the device's raw value, before scale, unit and range. */
export type RawReading = Reading;

export type LinkState = 'connecting' | 'up' | 'backoff' | 'down' | 'stopped';
export type DeviceState = 'unknown' | 'online' | 'offline';
