import { expect, vi } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { ActionSchema } from '../domains/rules/rule-schema.js';
import type { NotifyMessage } from '../platform/notify/delivery.js';
import { Notifier } from '../platform/notify/notifier.js';

/**
 * Shared pieces of the vendor channel tests: a Notifier with one action parsed through the site file's
 * `actions:` union (so the schema is wired), the messages they send, and driving retries on a manual clock.
 */

export function quietLog() {
  const log = { warn: vi.fn(), info: vi.fn(), debug: vi.fn(), error: vi.fn(), child: () => log };
  return log;
}

export function notifierFor(
  action: Record<string, unknown>,
  env: Record<string, string>,
  startMs = Date.now(),
) {
  const clock = new ManualClock(startMs);
  const log = quietLog();
  const parsed = ActionSchema.parse(action);
  const notifier = new Notifier({
    actions: [parsed],
    clock,
    log: log as unknown as Logger,
    env,
    random: () => 0,
  });
  return { notifier, clock, log, id: parsed.id };
}

/** A group message: an alert with no person. */
export const alertRaised = (title = 'Chiller 1 tripped 冷机跳闸'): NotifyMessage => ({
  topic: 'alert',
  event: 'raised',
  subject: { id: 41, severity: 'critical', title },
});

/** A personal message as platform/people sends it: a recipient and the text in their language. */
export const ticketFor = (address: string, name = '王工'): NotifyMessage => ({
  topic: 'ticket',
  event: 'assigned',
  subject: { id: 7, title: 'Leak in B1' },
  recipient: { username: 'wang', name, address },
  text: { title: '工单已指派给你', body: '#7 B1 漏水，请处理', link: 'https://hub.example/#/tickets/7' },
});

/** Let every retry timer fire until the action settles (sent or failed); returns the retries made. */
export async function settle(n: Notifier, clock: ManualClock, id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const s = n.stats()[id];
    if (s && s.queued === 0) return;
    await new Promise((r) => setTimeout(r, 10));
    // a minute covers the early backoffs (and Retry-After 60 s) without drifting past signing windows (5 min)
    if (clock.pending) clock.advance(60_000);
  }
  expect(n.stats()[id]?.queued, 'still queued').toBe(0);
}
