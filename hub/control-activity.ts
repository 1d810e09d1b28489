import type { EventBus } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import type { PointControl, PointControlState } from '../domains/control/control-types.js';
import '../domains/control/control-events.js';
import { type ActivityStore, type Measure, measureOf } from '../domains/energy/savings-activity.js';

/**
 * Keeps the energy domain's record of which automation measure acts on which point (control_activity), from
 * the priority arrays' changes: a point whose effective value is held by a schedule holding it off, an
 * occupancy plan or the demand limiter is "acted on" by that measure until another writer takes over. The
 * savings per measure attribute consumption below the baseline to these intervals.
 */
export class ControlActivityRecorder {
  private readonly acting = new Map<string, { measure: Measure; source: string }>();
  private off?: () => void;

  constructor(
    private readonly d: { bus: EventBus; clock: Clock; control: PointControl; store: ActivityStore },
  ) {}

  /** Close what was open when the hub stopped, then follow the arrays (their state now first). */
  start(): void {
    this.d.store.closeAll(this.d.clock.now());
    this.acting.clear();
    for (const s of this.d.control.list()) this.changed(s);
    this.off = this.d.bus.on('control.changed', (s) => this.changed(s));
  }

  stop(): void {
    this.off?.();
    this.d.store.closeAll(this.d.clock.now());
    this.acting.clear();
  }

  private changed(s: PointControlState): void {
    const measure = measureOf(s.effective.source, s.effective.value);
    const next = measure ? { measure, source: s.effective.source! } : undefined;
    const now = this.acting.get(s.pointId);
    if (now?.measure === next?.measure && now?.source === next?.source) return;
    this.d.store.switch(s.pointId, this.d.clock.now(), next);
    if (next) this.acting.set(s.pointId, next);
    else this.acting.delete(s.pointId);
  }
}
