import 'vitest';
import type { TestProject } from 'vitest/node';
import { buildDashboard } from '../dashboard/build.js';
import { type Influxd, type Mosquitto, startInfluxd, startMosquitto } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mosquittoUrl: string;
    influxUrl: string;
  }
}

let mosquitto: Mosquitto | undefined;
let influxd: Influxd | undefined;

/**
 * One shared external broker and one shared InfluxDB (each test file uses its own database). No
 * mosquitto or influxd, no test run. Tests that kill or stall a service start their own.
 */
export async function setup(project: TestProject): Promise<void> {
  // The hub serves the built dashboard: build it from the sources under test.
  await buildDashboard();
  [mosquitto, influxd] = await Promise.all([startMosquitto(['max_queued_messages 100000']), startInfluxd()]);
  project.provide('mosquittoUrl', mosquitto.url);
  project.provide('influxUrl', influxd.url);
}

export async function teardown(): Promise<void> {
  await Promise.all([mosquitto?.stop(), influxd?.stop()]);
}
