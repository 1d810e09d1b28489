import type { PointControlState } from './control-types.js';

/** Events of the control domain (see core/bus.ts). */
declare module '../../core/bus.js' {
  interface EventMap {
    /** A point's priority array, its effective value or its pending state changed. */
    'control.changed': PointControlState;
  }
}
