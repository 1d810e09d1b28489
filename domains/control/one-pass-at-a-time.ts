/**
 * Passes per key (an occupancy zone, a demand plan), one at a time: a pass asked for while one runs is not
 * started beside it; the key gets one more (ordinary) pass after it, however many were asked meanwhile. A
 * pass that fails is handed to `failed`; the next one runs as usual.
 */
export class OnePassAtATime<K> {
  private readonly running = new Map<K, Promise<void>>();
  private readonly again = new Set<K>();

  constructor(
    private readonly pass: (key: K) => Promise<void>,
    private readonly failed: (key: K, err: Error) => void,
  ) {}

  /** Runs `pass` (the ordinary one unless given) for key now, or once more after the one running. */
  kick(key: K, pass = this.pass): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const run = pass(key)
      .catch((err) => this.failed(key, err as Error))
      .finally(() => {
        this.running.delete(key);
        if (this.again.delete(key)) this.kick(key);
      });
    this.running.set(key, run);
  }

  /** Resolves once every pass in flight is done (stop, tests). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all(this.running.values());
  }
}
