import { occupancy, siteHour } from './curves.js';
import type { SimulatedGateController } from './gate-controllers.js';

export interface TrafficStatus {
  running: boolean;
  /** Scans an hour at the busiest time of day; fewer by the office occupancy curve. */
  perHour: number;
  /**
   * Visitor credentials it may use (given through the control API): QR payloads (`FH2:…`, scanned as qr) or
   * typed codes; without any it only tries wrong codes.
   */
  codes: number;
  inside: number;
  scans: number;
  opened: number;
  denied: number;
}

/** Share of arrivals that try a code the hub never issued. */
const WRONG_CODE_SHARE = 0.15;
/** Share of scans, while someone is inside, that are someone leaving. */
const LEAVING_SHARE = 0.4;

/**
 * A day of visitor traffic for the demo: arrivals follow the working day; each presents one of the credentials
 * it was given (a QR payload, or a code typed in; the hub decides whether it is still valid: expired and
 * used-up passes are denied there) or, now and then, a wrong code; those let in leave later through any gate.
 * Offline, a gate opens for a QR only (a typed code needs the hub).
 */
export class GateTraffic {
  private codes: string[] = [];
  private readonly inside = new Set<string>();
  private timer?: NodeJS.Timeout;
  readonly status: TrafficStatus = {
    running: false,
    perHour: 0,
    codes: 0,
    inside: 0,
    scans: 0,
    opened: 0,
    denied: 0,
  };

  constructor(
    private readonly gates: SimulatedGateController[],
    private readonly timeZone: string,
    private readonly random: () => number = Math.random,
  ) {}

  setCodes(codes: string[], replace = true): void {
    this.codes = [...new Set(replace ? codes : [...this.codes, ...codes])];
    this.status.codes = this.codes.length;
  }

  start(perHour: number): void {
    this.stop();
    if (!this.gates.length || perHour <= 0) return;
    this.status.running = true;
    this.status.perHour = perHour;
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.status.running = false;
  }

  private tick() {
    const busy = Math.max(0.1, occupancy(siteHour(Date.now(), this.timeZone)));
    const rate = (this.status.perHour / 3_600) * busy;
    let n = Math.floor(rate);
    if (this.random() < rate - n) n++;
    for (let i = 0; i < n; i++) void this.visit();
  }

  /** One scan: someone inside leaving, or someone arriving with a given or a wrong code. */
  async visit(): Promise<void> {
    const gate = pick(this.gates, this.random)!;
    const leaving = this.inside.size > 0 && this.random() < LEAVING_SHARE;
    const waiting = this.codes.filter((c) => !this.inside.has(c));
    const code = leaving
      ? pick([...this.inside], this.random)!
      : waiting.length && this.random() >= WRONG_CODE_SHARE
        ? pick(waiting, this.random)!
        : String(Math.floor(this.random() * 1e8)).padStart(8, '0');
    this.status.scans++;
    const type = code.startsWith('FH') ? 'qr' : 'code';
    const outcome = await gate.scan({ type, value: code }, leaving ? 'out' : 'in');
    if (outcome.decision === 'open') {
      this.status.opened++;
      if (leaving) this.inside.delete(code);
      else this.inside.add(code);
    } else this.status.denied++;
    this.status.inside = this.inside.size;
  }
}

function pick<T>(list: readonly T[], random: () => number): T | undefined {
  return list[Math.floor(random() * list.length)];
}
