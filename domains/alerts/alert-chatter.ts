import type { Logger } from '../../core/logger.js';
import { type AlertLifecycle, RULES } from './alert-lifecycle.js';
import { transition } from './alert-state.js';
import type { AlertRow } from './alert-store.js';
import type { AlertInstance, AlertVerdict } from './alert-types.js';

/**
 * Chattering alerts (ISA-18.2): a condition that flips `chatter.transitions` times within `chatter.withinMs`
 * makes its alert flapping. While flapping, flips update the remembered condition only, without events; once
 * quiet for the window the alert settles on the condition as it is then (recorded, one event).
 */
export class AlertChatter {
  /** key → times of the recent condition flips. */
  private readonly flips = new Map<string, number[]>();

  constructor(
    private readonly life: AlertLifecycle,
    private readonly log: Logger,
  ) {}

  /** Flips of this instance within its chatter window, this one included. */
  recordFlip(inst: AlertInstance, now: number): number {
    const since = now - inst.chatter.withinMs;
    const list = (this.flips.get(inst.key) ?? []).filter((t) => t > since);
    list.push(now);
    this.flips.set(inst.key, list);
    return list.length;
  }

  /** Whether the alert has been quiet for its window at `now`. */
  quiet(row: AlertRow, now: number): boolean {
    return (
      row.last_flip_at === null || row.flap_window_ms === null || now - row.last_flip_at >= row.flap_window_ms
    );
  }

  /**
   * The condition just flipped for the `recent`th time within the window: if that is chatter, the alert
   * starts flapping (recorded, one alert.changed) and true is returned. Shelved and suppressed alerts are
   * silent anyway and never start.
   */
  startFlapping(
    row: AlertRow,
    inst: AlertInstance,
    recent: number,
    verdict: AlertVerdict,
    now: number,
  ): boolean {
    const hidden = row.state === 'shelved' || row.state === 'suppressed';
    if (hidden || inst.chatter.transitions < 2 || recent < inst.chatter.transitions) return false;
    row.flapping = 1;
    if (verdict.active) row.occurrences++;
    const comment = `${recent} changes within ${Math.round(inst.chatter.withinMs / 1000)} s`;
    this.life.saveWith(
      row,
      { from: row.state, to: row.state, event: 'flapping', by: RULES, comment },
      now,
      verdict.value,
    );
    this.log.warn({ alert: row.id, key: row.key, changes: recent }, 'alert flapping');
    this.life.changed(row, row.state, row.state, RULES.actor);
    return true;
  }

  /** Quiet for the chatter window: settle the state on the condition as it is now (recorded, one event). */
  endFlapping(row: AlertRow, now: number): void {
    const from = row.state;
    const event = row.active === 1 ? 'activate' : 'clear';
    const r = transition(from, event, row.active === 1);
    const to = r.ok ? r.to : from;
    if (event === 'activate' && (from === 'normal' || from === 'rtn-unacked')) {
      this.life.countOccurrence(row, now, false); // counted while it flapped
    }
    if (event === 'clear' && to !== from) row.cleared_at = now;
    row.state = to;
    row.flapping = 0;
    this.flips.delete(row.key);
    const comment = `quiet for ${Math.round((row.flap_window_ms ?? 0) / 1000)} s`;
    this.life.saveWith(row, { from, to, event: 'flapping-ended', by: RULES, comment }, now);
    this.log.info({ alert: row.id, key: row.key, state: to }, 'alert no longer flapping');
    this.life.settled(row, from, to, RULES.actor);
  }
}
