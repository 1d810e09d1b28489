import { describe, expect, it } from 'vitest';
import {
  ALERT_EVENTS,
  ALERT_STATES,
  type AlertEvent,
  type AlertState,
  allowedEvents,
  transition,
} from './alert-state.js';

/**
 * Every cell, written out by hand: state → event → [next state with the condition active, ... inactive],
 * or null when refused.
 */
type Cell = [AlertState, AlertState] | null;
const EXPECTED: Record<AlertState, Record<AlertEvent, Cell>> = {
  normal: {
    activate: ['unacked', 'unacked'],
    clear: ['normal', 'normal'],
    ack: null,
    shelve: ['shelved', 'shelved'],
    unshelve: null,
    suppress: ['suppressed', 'suppressed'],
    unsuppress: null,
  },
  unacked: {
    activate: ['unacked', 'unacked'],
    clear: ['rtn-unacked', 'rtn-unacked'],
    ack: ['acked', 'acked'],
    shelve: ['shelved', 'shelved'],
    unshelve: null,
    suppress: ['suppressed', 'suppressed'],
    unsuppress: null,
  },
  acked: {
    activate: ['acked', 'acked'],
    clear: ['normal', 'normal'],
    ack: null,
    shelve: ['shelved', 'shelved'],
    unshelve: null,
    suppress: ['suppressed', 'suppressed'],
    unsuppress: null,
  },
  'rtn-unacked': {
    activate: ['unacked', 'unacked'],
    clear: ['rtn-unacked', 'rtn-unacked'],
    ack: ['normal', 'normal'],
    shelve: ['shelved', 'shelved'],
    unshelve: null,
    suppress: ['suppressed', 'suppressed'],
    unsuppress: null,
  },
  shelved: {
    activate: ['shelved', 'shelved'],
    clear: ['shelved', 'shelved'],
    ack: null,
    shelve: null,
    unshelve: ['unacked', 'normal'],
    suppress: ['suppressed', 'suppressed'],
    unsuppress: null,
  },
  suppressed: {
    activate: ['suppressed', 'suppressed'],
    clear: ['suppressed', 'suppressed'],
    ack: null,
    shelve: null,
    unshelve: null,
    suppress: null,
    unsuppress: ['unacked', 'normal'],
  },
};

describe('alert transition table', () => {
  for (const state of ALERT_STATES)
    for (const event of ALERT_EVENTS)
      for (const [i, active] of [true, false].entries())
        it(`${state} + ${event} (condition ${active ? 'active' : 'normal'})`, () => {
          const cell = EXPECTED[state][event];
          const result = transition(state, event, active);
          if (cell === null) {
            expect(result.ok).toBe(false);
            if (!result.ok) {
              expect(result.allowed).toEqual(allowedEvents(state));
              expect(result.allowed).not.toContain(event);
            }
          } else expect(result).toEqual({ ok: true, to: cell[i] });
        });

  it('allowed events name exactly the accepted cells', () => {
    for (const state of ALERT_STATES)
      expect(allowedEvents(state)).toEqual(ALERT_EVENTS.filter((e) => EXPECTED[state][e] !== null));
  });

  it('ack is refused in normal, acked, shelved and suppressed, naming what is allowed', () => {
    expect(transition('acked', 'ack', true)).toEqual({
      ok: false,
      allowed: ['activate', 'clear', 'shelve', 'suppress'],
    });
    expect(transition('shelved', 'ack', true)).toEqual({
      ok: false,
      allowed: ['activate', 'clear', 'unshelve', 'suppress'],
    });
    for (const s of ['normal', 'suppressed'] as const) expect(transition(s, 'ack', false).ok).toBe(false);
  });
});
