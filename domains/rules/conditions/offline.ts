import type { ConditionEvaluator, ConditionInput, ConditionVerdict } from '../types.js';

export interface OfflineOptions {
  deviceId: string;
  /** Used in messages (e.g. the asset id); default the device id. */
  label?: string;
  /** The device must stay offline this long (ms) before the condition is active; default 0. */
  forMs?: number;
}

/**
 * Active while the device is offline for at least `forMs`, from `device` inputs. Reads no points
 * (`pointIds` is empty; the engine indexes it by `deviceId`). Until the first input the device counts as
 * online (an unknown link is not an alarm).
 */
export function createOffline(opts: OfflineOptions): ConditionEvaluator {
  const { deviceId } = opts;
  const forMs = opts.forMs ?? 0;
  const label = opts.label ?? deviceId;
  let offlineSince: number | undefined;
  let verdict: ConditionVerdict = { active: false, message: `${label} online` };

  function evaluate(now: number): boolean {
    const was = verdict.active;
    const active = offlineSince !== undefined && now - offlineSince >= forMs;
    verdict = {
      active,
      message:
        offlineSince === undefined
          ? `${label} online`
          : `${label} offline${active ? ` for ${Math.round((now - offlineSince) / 1000)} s` : ''}`,
    };
    return was !== active;
  }

  return {
    pointIds: [],
    deviceId,
    update(input: ConditionInput, now: number): ConditionVerdict | undefined {
      if (input.device?.deviceId !== deviceId) return undefined;
      if (input.device.online) offlineSince = undefined;
      else if (offlineSince === undefined) offlineSince = now;
      evaluate(now);
      return verdict;
    },
    check(now: number): ConditionVerdict | undefined {
      return evaluate(now) ? verdict : undefined;
    },
    nextCheckAt(): number | undefined {
      return offlineSince === undefined || verdict.active ? undefined : offlineSince + forMs;
    },
    current: () => verdict,
  };
}
