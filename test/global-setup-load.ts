import type { TestProject } from 'vitest/node';
import { type Influxd, startInfluxd } from './services.js';

let influxd: Influxd | undefined;

/**
 * The load project (`test/fleet.test.ts`: three site hubs at 30,000 readings/s on two cores) runs after every
 * other file, alone, on an InfluxDB of its own: beside it, tests that wait on a browser or a clock fail by timing.
 */
export async function setup(project: TestProject): Promise<void> {
  influxd = await startInfluxd();
  project.provide('influxUrl', influxd.url);
}

export async function teardown(): Promise<void> {
  await influxd?.stop();
}
