export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0 = exact exponential steps; 1 = "full jitter" (uniform between 0 and the step). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };

/**
 * Delay before reconnect attempt `attempt` (0-based): initial × 2^attempt, capped, minus a random share
 * so that many devices that dropped together do not all come back in the same millisecond.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const step = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step * (1 - opts.jitter * random()));
}
