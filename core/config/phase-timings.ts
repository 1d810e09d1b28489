/** Milliseconds spent per phase of loading a site file, summed over calls (`npm run bench site-load`). */
export type PhaseTimings = Record<string, number>;

/**
 * A lap timer over `timings`: each call adds the time since the previous one (or since the timer was made)
 * to the named phase. Without `timings` it does nothing and reads no clock.
 */
export function stopwatch(timings: PhaseTimings | undefined): (phase: string) => void {
  if (!timings) return noop;
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    timings[phase] = (timings[phase] ?? 0) + (now - last);
    last = now;
  };
}

function noop(): void {}
