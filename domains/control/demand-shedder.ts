/**
 * Demand limiting's state machine, pure: the forecast at or above shedAtPercent of the limit sheds the next step
 * (a load's next raise, or the next load) at most once per stepSeconds; below restoreAtPercent it restores the
 * last shed load (all its steps), one load per restoreStaggerSeconds; between the two nothing changes.
 */

export interface ShedPlan {
  limitKw: number;
  shedAtPercent: number;
  restoreAtPercent: number;
  stepSeconds: number;
  restoreStaggerSeconds: number;
  /** Each load's number of steps (a value load has one). */
  loads: readonly { steps: number }[];
}

/** One shed load: how many of its steps are taken, since when. */
export interface ShedLoadState {
  load: number;
  steps: number;
  since: number;
  /** A raised setpoint's value before the first step, per point (what the raise counts from). */
  base?: Record<string, number>;
}

/** What survives a restart. */
export interface ShedState {
  shed: ShedLoadState[];
  lastShedAt?: number;
  lastRestoreAt?: number;
}

export type ShedDecision =
  | { kind: 'shed'; load: number; step: number }
  | { kind: 'restore'; load: number }
  | undefined;

export type ShedStage = 'normal' | 'shedding' | 'holding' | 'restoring';

export function emptyShedState(): ShedState {
  return { shed: [] };
}

/** The next step to take at `now` with this forecast (kW); undefined: nothing to do. */
export function decideShed(
  plan: ShedPlan,
  state: ShedState,
  forecastKw: number | undefined,
  now: number,
): ShedDecision {
  if (forecastKw === undefined) return undefined;
  const shedAt = (plan.limitKw * plan.shedAtPercent) / 100;
  const restoreAt = (plan.limitKw * plan.restoreAtPercent) / 100;
  if (forecastKw >= shedAt) {
    if (state.lastShedAt !== undefined && now - state.lastShedAt < plan.stepSeconds * 1000) return undefined;
    const last = state.shed.at(-1);
    if (last && last.steps < plan.loads[last.load]!.steps)
      return { kind: 'shed', load: last.load, step: last.steps + 1 };
    const next = last ? last.load + 1 : 0;
    return next < plan.loads.length ? { kind: 'shed', load: next, step: 1 } : undefined;
  }
  if (forecastKw < restoreAt) {
    const last = state.shed.at(-1);
    if (!last) return undefined;
    const lastChange = Math.max(state.lastShedAt ?? -Infinity, state.lastRestoreAt ?? -Infinity);
    if (now - lastChange < plan.restoreStaggerSeconds * 1000) return undefined;
    return { kind: 'restore', load: last.load };
  }
  return undefined; // the hysteresis band: hold
}

/** The state after a decision was carried out at `now`. */
export function applyShed(
  state: ShedState,
  d: NonNullable<ShedDecision>,
  now: number,
  base?: Record<string, number>,
): ShedState {
  if (d.kind === 'shed') {
    const shed = state.shed.filter((s) => s.load !== d.load);
    const prev = state.shed.find((s) => s.load === d.load);
    shed.push({ load: d.load, steps: d.step, since: prev?.since ?? now, base: prev?.base ?? base });
    return { ...state, shed, lastShedAt: now };
  }
  return { ...state, shed: state.shed.filter((s) => s.load !== d.load), lastRestoreAt: now };
}

/** The value of a raised setpoint at a step: base + step × raiseBy, never above max (nor below base). */
export function raisedValue(base: number, raiseBy: number, step: number, max: number): number {
  const v = Math.min(base + step * raiseBy, max);
  return Math.max(base, Math.round(v * 1000) / 1000);
}

/** How the plan stands, for the API. */
export function shedStage(plan: ShedPlan, state: ShedState, forecastKw: number | undefined): ShedStage {
  if (!state.shed.length) return 'normal';
  if (forecastKw === undefined) return 'holding';
  if (forecastKw >= (plan.limitKw * plan.shedAtPercent) / 100) return 'shedding';
  if (forecastKw < (plan.limitKw * plan.restoreAtPercent) / 100) return 'restoring';
  return 'holding';
}
