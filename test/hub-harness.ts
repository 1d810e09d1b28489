import { buildHub, type Hub } from '../hub/app.js';
import { silentLogger } from '../hub/logger.js';
import type { Reading } from '../hub/model/reading.js';
import type { SiteModel } from '../hub/model/site-model.js';

/** A started hub plus a record of everything that reached the bus. */
export interface TestHub {
  hub: Hub;
  url: string;
  readings: Reading[];
  /** Resolves once `n` readings (in total) have been accepted. */
  waitForReadings(n: number, timeoutMs?: number): Promise<Reading[]>;
  stop(): Promise<void>;
}

export async function startTestHub(site: SiteModel, opts: { live?: boolean } = {}): Promise<TestHub> {
  const hub = await buildHub({
    site,
    log: silentLogger,
    live: opts.live,
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 0.2 },
  });
  const readings: Reading[] = [];
  hub.bus.on('readings.accepted', (batch) => readings.push(...batch.map((r) => ({ ...r }))));
  const url = await hub.start();
  return {
    hub,
    url,
    readings,
    waitForReadings: (n, timeoutMs = 10_000) =>
      waitFor(
        () => readings.length >= n,
        timeoutMs,
        () => `${readings.length} of ${n} readings`,
      ).then(() => readings),
    stop: () => hub.stop(),
  };
}

export async function waitFor(
  cond: () => boolean,
  timeoutMs = 10_000,
  what: () => string = () => 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
