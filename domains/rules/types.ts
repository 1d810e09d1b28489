import type { Quality } from '../../core/model/reading.js';
import type { Severity } from '../../core/model/severity.js';

/**
 * What a condition evaluator sees and says. Evaluators are pure state machines over inputs and an injected
 * `now`: no timers, no I/O. The engine feeds them and asks `nextCheckAt` when to look again (delays, stuck
 * values, schedules), so every rule is tested exactly with a manual clock.
 */

export interface ConditionInput {
  /** A new value of one of the points the condition reads (already normalised by the pipeline). */
  reading?: { pointId: string; value: number | boolean | string; quality: Quality; ts: number };
  /** A point's quality changed without a value (staleness, device exception). */
  quality?: { pointId: string; quality: Quality; reason: string };
  /** The asset's device went offline or came back. */
  device?: { deviceId: string; online: boolean };
}

export interface ConditionVerdict {
  active: boolean;
  /** What a person reads: "supply_temp_c 9.4 °C above 8 °C". */
  message: string;
  /** The value that decided it, if one did. */
  value?: number | boolean | string;
  /** A state-code table may raise the severity for one code. */
  severity?: Severity;
}

export interface ConditionEvaluator {
  /** The point ids it reads (the engine indexes instances by these). */
  readonly pointIds: readonly string[];
  /** The device whose link state it reads (offline rules). */
  readonly deviceId?: string;
  /** Take an input at time now; return the verdict if it may have changed. */
  update(input: ConditionInput, now: number): ConditionVerdict | undefined;
  /** Re-evaluate at time now (for time-based conditions and delays). */
  check(now: number): ConditionVerdict | undefined;
  /** When check() should next be called, or undefined if only new inputs can change the verdict. */
  nextCheckAt(now: number): number | undefined;
  /** The verdict now, without changing state. */
  current(): ConditionVerdict;
  /**
   * The alert says the condition held before this evaluator existed (a restart, a rule edited): start from
   * there, so a delay or a hysteresis band does not clear it and raise it again. Stateless kinds omit it.
   */
  seed?(active: boolean): void;
}
