import type { AlertState, AlertView } from './alert-types.js';

/** Events of the alerts domain (see core/bus.ts). */
declare module '../../core/bus.js' {
  interface EventMap {
    /** A new occurrence: the alert went from normal (or returned-unacknowledged) to unacked. */
    'alert.raised': { alert: AlertView };
    /** Any other change of state (ack, shelve, suppress, flapping, ...), with who made it (a username or 'system'). */
    'alert.changed': { alert: AlertView; from: AlertState; to: AlertState; by: string };
    /** The alert's condition returned to normal (unacked → rtn-unacked, acked → normal). */
    'alert.cleared': { alert: AlertView };
  }
}
