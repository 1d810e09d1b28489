import { type Clock, WakeableSleep } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RawReading } from '../model/reading.js';
import { backoffDelay } from './backoff.js';
import { type Driver, DriverError, type PollSettings, type ReadOutcome } from './driver.js';

/** One device's polled points on a link, with its schedule and breaker. */
export interface PolledDevice {
  deviceId: string;
  /** How logs and reasons name it ("unit 2"). */
  label: string;
  settings: PollSettings;
  /** The driver's plan of requests for its polled points. */
  plan: unknown;
  pointIds: readonly string[];
}

/** What the scheduler reports to the link that owns it. */
export interface PollReport {
  /** The device answered, with these values (perhaps none). */
  values(deviceId: string, values: RawReading[]): void;
  bad(pointIds: readonly string[], reason: string): void;
  deviceLost(deviceId: string, reason: string): void;
  linkLost(error: DriverError): void;
}

interface DeviceState extends PolledDevice {
  nextAt: number;
  /** Polls in a row that got no answer at all. */
  failures: number;
  /** Breaker open: probed on a backoff instead of every cycle. */
  open: boolean;
  probes: number;
  polls: number;
  failedPolls: number;
  exceptions: number;
  overruns: number;
}

const BREAKER_BACKOFF = { initialMs: 1_000, maxMs: 60_000, jitter: 0.2 };
/** A probe that never finds room (devices polled back to back) runs anyway after this long. */
const PROBE_MAX_WAIT_MS = 10_000;

/**
 * Polls the devices of one link, one request at a time (a serial line or a gateway carries one at a time), each
 * at its interval. Links start at different points of the interval (by their id), so a hub with hundreds of
 * links does not send every request in the same millisecond; a device that cannot keep its interval skips the
 * missed cycles and counts an overrun. A device that stops answering opens its breaker and is probed on a
 * backoff, and a probe runs only where it fits before the next healthy poll is due, so a dead device never
 * delays the ones that work. When no device on the link answers at all the connection itself is suspect (a
 * half-open socket, a rebooted gateway): the link is reported lost.
 */
export class PollScheduler {
  private readonly devices: DeviceState[];
  private readonly sleeper: WakeableSleep;
  private running = false;
  private loopDone?: Promise<void>;
  private cycleMs = 0;

  constructor(
    private readonly linkId: string,
    devices: PolledDevice[],
    private readonly driver: Driver,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly report: PollReport,
  ) {
    this.sleeper = new WakeableSleep(clock);
    this.devices = devices.map((d) => ({
      ...d,
      nextAt: 0,
      failures: 0,
      open: false,
      probes: 0,
      polls: 0,
      failedPolls: 0,
      exceptions: 0,
      overruns: 0,
    }));
  }

  get size(): number {
    return this.devices.length;
  }

  start(): void {
    if (!this.devices.length) return;
    const interval = Math.min(...this.devices.map((d) => d.settings.intervalMs));
    const start = this.clock.now() + (hash(this.linkId) % interval);
    for (const d of this.devices) Object.assign(d, { nextAt: start, failures: 0, open: false, probes: 0 });
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Stop polling; resolves once the loop has ended. A read in flight ends when the driver closes its link, so
   * close the driver before waiting for this.
   */
  stop(): Promise<void> {
    this.running = false;
    this.sleeper.wake();
    return this.loopDone ?? Promise.resolve();
  }

  stats() {
    const sum = (k: 'polls' | 'failedPolls' | 'exceptions' | 'overruns') =>
      this.devices.reduce((n, d) => n + d[k], 0);
    return {
      polledDevices: this.devices.length,
      polls: sum('polls'),
      failedPolls: sum('failedPolls'),
      exceptions: sum('exceptions'),
      overruns: sum('overruns'),
      openBreakers: this.devices.filter((d) => d.open).length,
      lastCycleMs: Math.round(this.cycleMs),
    };
  }

  /** Poll whatever is due, in order; sleep until the next one is. */
  private async loop() {
    while (this.running) {
      const now = this.clock.now();
      const due = this.devices.filter((d) => d.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt);
      if (!due.length) {
        await this.sleeper.sleep(Math.min(...this.devices.map((d) => d.nextAt)) - now);
        continue;
      }
      const started = performance.now();
      // devices that answer first; a probe of a silent one (it costs a whole timeout on the shared link) only
      // where it fits before the next healthy poll is due
      for (const d of [...due.filter((x) => !x.open), ...due.filter((x) => x.open)]) {
        if (!this.running) return;
        if (d.open && !this.probeFits(d)) continue;
        if (!(await this.poll(d))) return; // the link is gone: the supervisor reconnects
        this.schedule(d);
      }
      this.cycleMs = performance.now() - started;
      if (this.devices.every((d) => d.open) && this.devices.some((d) => d.probes > 0)) {
        this.running = false;
        this.report.linkLost(new DriverError('timeout', 'no device on this link answers: reconnecting'));
        return;
      }
    }
  }

  /**
   * Whether a probe of a silent device can run now without holding up a healthy one; if not, it is moved to
   * just after the next healthy poll. A probe waits at most PROBE_MAX_WAIT_MS past its time.
   */
  private probeFits(d: DeviceState): boolean {
    const now = this.clock.now();
    const healthy = this.devices.filter((x) => !x.open).map((x) => x.nextAt);
    if (!healthy.length || now - d.nextAt > PROBE_MAX_WAIT_MS) return true;
    const nextHealthy = Math.min(...healthy);
    const cost = d.settings.timeoutMs * (d.settings.retries + 1);
    if (nextHealthy - now >= cost) return true;
    d.nextAt = Math.max(d.nextAt, nextHealthy + 1);
    return false;
  }

  private schedule(d: DeviceState) {
    const now = this.clock.now();
    if (d.open) {
      d.nextAt = now + backoffDelay(d.probes++, BREAKER_BACKOFF);
      return;
    }
    d.nextAt += d.settings.intervalMs;
    if (d.nextAt <= now) {
      // the link could not keep up: skip the missed cycles rather than firing them in a burst
      d.overruns++;
      d.nextAt = now + d.settings.intervalMs;
    }
  }

  /** One read of one device; false when the link is gone. */
  private async poll(d: DeviceState): Promise<boolean> {
    d.polls++;
    let outcome: ReadOutcome | undefined;
    let answered = true;
    try {
      outcome = await this.driver.read!(d.plan);
    } catch (err) {
      if (!(err instanceof DriverError))
        this.log.error({ err, device: d.deviceId }, 'read failed unexpectedly');
      const e = DriverError.from(err);
      if (e.code === 'closed') {
        this.running = false;
        this.report.linkLost(e);
        return false;
      }
      if (e.code === 'timeout') answered = false;
      else {
        d.exceptions++;
        this.report.bad(d.pointIds, e.message);
      }
    }
    for (const f of outcome?.failed ?? []) {
      d.exceptions++;
      this.report.bad(f.pointIds, f.reason);
    }
    if (answered) {
      if (d.open) this.log.info({ device: d.deviceId }, `${d.label} answers again`);
      d.failures = 0;
      d.open = false;
      d.probes = 0;
      this.report.values(d.deviceId, outcome?.values ?? []);
      return true;
    }
    d.failedPolls++;
    d.failures++;
    if (!d.open && d.failures >= d.settings.breakerFailures) {
      d.open = true;
      const reason = `${d.label} did not answer ${d.failures} polls in a row`;
      this.report.deviceLost(d.deviceId, reason);
      this.report.bad(d.pointIds, reason);
    }
    return true;
  }
}

/** A small stable hash (FNV-1a) of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
