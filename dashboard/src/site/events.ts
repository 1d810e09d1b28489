import type { DeviceEvent, LatestValue, LinkEvent, SiteAnswer } from '../hub-types.js';
import type { Session } from './api.js';

/**
 * What the views hear from the site page (hub.ts onHub): `session` when one starts or ends, `site` once the
 * site is loaded, `conn` when the live connection changes, and the live socket's events as the hub sent
 * them. The site page does not read `alert`, `ticket`, `gate` and `pass`: the views that do type them.
 */
export interface HubEvents {
  session: Session | null;
  site: SiteAnswer;
  conn: ConnState;
  values: LatestValue[];
  device: DeviceEvent;
  link: LinkEvent;
  alert: unknown;
  ticket: unknown;
  gate: unknown;
  pass: unknown;
  /** A command point's priority array changed (domains/control control.changed). */
  control: unknown;
}

/** The live connection: `connecting` before the first, `live` subscribed, `reconnecting`, or `error`. */
export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'error';

export const hubEvents = new EventTarget();

export function emit<K extends keyof HubEvents>(type: K, detail: HubEvents[K]): void {
  hubEvents.dispatchEvent(new CustomEvent(type, { detail }));
}
