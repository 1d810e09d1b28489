import { $ } from './dom.js';
import { type ConnState, emit } from './events.js';
import { connText, formatTime } from './format.js';

/** The top bar's live status: the connection's state and the time of the last update. */

let conn: ConnState | undefined;
let lastUpdate: number | undefined;

/** The live connection's state (`detail`: why, as the tooltip); the views hear it as `conn`. */
export function setConn(s: ConnState, detail?: string): void {
  emit('conn', s);
  const el = $('conn');
  el.dataset.state = s;
  conn = s;
  el.querySelector('.conn-label')!.textContent = connText(s);
  el.title = detail ?? '';
  document.body.dataset.conn = s;
}

/** Values just arrived. */
export function markUpdated(): void {
  lastUpdate = Date.now();
  paintLastUpdate();
}

/** No values shown (the session ended). */
export function clearLastUpdate(): void {
  lastUpdate = undefined;
  paintLastUpdate();
}

function paintLastUpdate(): void {
  const el = $('last-update');
  if (lastUpdate === undefined) {
    el.textContent = '—';
    el.removeAttribute('datetime');
    return;
  }
  el.textContent = formatTime(lastUpdate);
  el.dateTime = new Date(lastUpdate).toISOString();
}

/** The language changed: the connection's label and the time again. */
export function relabelStatus(): void {
  if (conn) $('conn').querySelector('.conn-label')!.textContent = connText(conn);
  paintLastUpdate();
}
