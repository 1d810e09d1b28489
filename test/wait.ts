/** Waiting in tests: for a condition, with a deadline, never for a fixed time where a condition would do. */

/**
 * Poll `cond` (every 20 ms) until it holds, or fail after `timeoutMs` saying `what()`. `cond` may be async
 * (a query, an HTTP call): the next try starts when the last one answered.
 */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what: () => string = () => 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
