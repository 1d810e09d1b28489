/**
 * The alert lifecycle as one pure transition table (ISA-18.2 style). The alert service applies it and stores
 * every transition; the API refuses an action the table refuses and names the ones it would take.
 *
 *   normal ──activate──▶ unacked ──ack──▶ acked ──clear──▶ normal
 *                          │                                  ▲
 *                        clear                                │
 *                          ▼                                  │
 *                      rtn-unacked ───────────ack─────────────┘   (activate: back to unacked)
 *
 * shelved (a person hid it for a while) and suppressed (its asset is out of service) remember whether the
 * condition is active; leaving them goes to unacked if it is, else to normal. activate/clear while there only
 * update the remembered condition (no notification).
 */

export const ALERT_STATES = ['normal', 'unacked', 'acked', 'rtn-unacked', 'shelved', 'suppressed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_EVENTS = [
  'activate',
  'clear',
  'ack',
  'shelve',
  'unshelve',
  'suppress',
  'unsuppress',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The events a person asks for through the API (out of service is per asset, not per alert). */
export const USER_ACTIONS = ['ack', 'shelve', 'unshelve'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export type TransitionResult = { ok: true; to: AlertState } | { ok: false; allowed: AlertEvent[] };

type Target = AlertState | ((conditionActive: boolean) => AlertState);
const leaveHidden = (active: boolean): AlertState => (active ? 'unacked' : 'normal');

/** state → event → next state; a missing cell is refused. */
const TABLE: Record<AlertState, Partial<Record<AlertEvent, Target>>> = {
  normal: {
    activate: 'unacked',
    clear: 'normal',
    shelve: 'shelved',
    suppress: 'suppressed',
  },
  unacked: {
    activate: 'unacked',
    clear: 'rtn-unacked',
    ack: 'acked',
    shelve: 'shelved',
    suppress: 'suppressed',
  },
  acked: {
    activate: 'acked',
    clear: 'normal',
    shelve: 'shelved',
    suppress: 'suppressed',
  },
  'rtn-unacked': {
    activate: 'unacked',
    clear: 'rtn-unacked',
    ack: 'normal',
    shelve: 'shelved',
    suppress: 'suppressed',
  },
  shelved: {
    activate: 'shelved',
    clear: 'shelved',
    unshelve: leaveHidden,
    // out of service outranks a shelf: the asset's alerts are all suppressed
    suppress: 'suppressed',
  },
  suppressed: {
    activate: 'suppressed',
    clear: 'suppressed',
    unsuppress: leaveHidden,
  },
};

/** The events the table accepts in a state, in ALERT_EVENTS order. */
export function allowedEvents(state: AlertState): AlertEvent[] {
  return ALERT_EVENTS.filter((e) => TABLE[state][e] !== undefined);
}

/**
 * Apply one event. `conditionActive` is whether the alert's condition is active after the event (for activate
 * and clear, true and false; otherwise the remembered condition); it decides where unshelve and unsuppress go.
 */
export function transition(state: AlertState, event: AlertEvent, conditionActive: boolean): TransitionResult {
  const target = TABLE[state][event];
  if (target === undefined) return { ok: false, allowed: allowedEvents(state) };
  return { ok: true, to: typeof target === 'function' ? target(conditionActive) : target };
}
