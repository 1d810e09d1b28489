import 'vitest';
import type { TestProject } from 'vitest/node';
import { type Mosquitto, startMosquitto } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mosquittoUrl: string;
  }
}

let mosquitto: Mosquitto | undefined;

/** One shared external broker for the external-MQTT tests. No mosquitto, no test run. */
export async function setup(project: TestProject): Promise<void> {
  mosquitto = await startMosquitto(['max_queued_messages 100000']);
  project.provide('mosquittoUrl', mosquitto.url);
}

export async function teardown(): Promise<void> {
  await mosquitto?.stop();
}
