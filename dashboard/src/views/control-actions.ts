import { useState } from 'preact/hooks';
import { api, problemText } from '../hub.js';
import type { ControlState, PointValue } from '../hub-types.js';
import { pointPath } from './control-model.js';

/**
 * The writes of the control view on one point: an operator override (level 8, with a reason and an expiry),
 * its release, and relinquishing another level. Each answers with the point's new state, which is shown at
 * once (the `control` event that follows says the same).
 */
export function usePointActions(pointId: string, apply: (s: ControlState) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (call: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = (await call()) as Partial<ControlState> | undefined;
      if (answer && typeof answer === 'object' && answer.pointId === pointId) apply(answer as ControlState);
      return true;
    } catch (err) {
      setError(problemText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const path = pointPath(pointId);
  return {
    busy,
    error,
    clearError: () => setError(undefined),
    override: (body: { value: PointValue; reason: string; minutes: number }) =>
      run(() => api(`${path}/override`, { method: 'POST', body })),
    release: () => run(() => api(`${path}/override`, { method: 'DELETE' })),
    relinquish: (level: number, reason: string) =>
      run(() => api(`${path}/relinquish`, { method: 'POST', body: { level, reason } })),
  };
}

export type PointActions = ReturnType<typeof usePointActions>;
