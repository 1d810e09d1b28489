/**
 * Entries held between an `open` decision and its passage. Without them, one code scanned at two gates before
 * the first gate reports the passage opens both (the pass still looks unused and outside). An open decision
 * for an entry holds it until the passage naming the scan arrives, or until the door time (the gates' door-open
 * time plus a margin for the report's trip) passes without one: then the hold lapses and the visitor may try
 * again. In memory: a hold lives for seconds, and a restarted hub only forgets holds that would lapse anyway.
 */
export interface Hold {
  /** `p:<pass id>` or `b:<badge id>`. */
  holder: string;
  until: number;
}

export const holderOf = (passId?: number, badgeId?: number): string | undefined =>
  passId !== undefined ? `p:${passId}` : badgeId !== undefined ? `b:${badgeId}` : undefined;

export class EntryHolds {
  /** By `<gate>|<nonce>`, in the order taken (so in order of `until`). */
  private readonly holds = new Map<string, Hold>();
  /** Holder → its scans' keys. */
  private readonly byHolder = new Map<string, Set<string>>();

  constructor(private readonly holdMs: number) {}

  /** An open decision for an entry at this gate, by this scan. */
  hold(holder: string, gateId: string, nonce: string, now: number): void {
    this.sweep(now);
    const key = `${gateId}|${nonce}`;
    this.holds.set(key, { holder, until: now + this.holdMs });
    const keys = this.byHolder.get(holder) ?? new Set<string>();
    keys.add(key);
    this.byHolder.set(holder, keys);
  }

  /** How many entries this pass or badge holds now (lapsed holds are dropped). */
  held(holder: string, now: number): number {
    const keys = this.byHolder.get(holder);
    if (!keys) return 0;
    let n = 0;
    for (const key of keys) {
      const h = this.holds.get(key);
      if (h && h.until > now) n++;
      else this.drop(key);
    }
    return n;
  }

  /** The passage of this scan arrived (or its decision never reached the gate): the hold ends. */
  release(gateId: string, nonce: string): void {
    this.drop(`${gateId}|${nonce}`);
  }

  /** A passage that does not name its scan: it ends this holder's oldest hold at that gate. */
  releaseOldest(holder: string, gateId: string): void {
    const key = [...(this.byHolder.get(holder) ?? [])].find((k) => k.startsWith(`${gateId}|`));
    if (key) this.drop(key);
  }

  get size(): number {
    return this.holds.size;
  }

  private drop(key: string): void {
    const h = this.holds.get(key);
    if (!h) return;
    this.holds.delete(key);
    const keys = this.byHolder.get(h.holder);
    keys?.delete(key);
    if (keys?.size === 0) this.byHolder.delete(h.holder);
  }

  /** Lapsed holds leave from the front (taken in order, all for the same time). */
  private sweep(now: number): void {
    for (const [key, h] of this.holds) {
      if (h.until > now) return;
      this.drop(key);
    }
  }
}
