import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { DeviceEvent, LatestValue, LinkEvent } from '../hub-types.js';
import { refreshDevices, refreshDevicesSoon, updateDevice } from './devices.js';
import { emit } from './events.js';
import { updateLink } from './links.js';
import { showBanner } from './messages.js';
import { applyValue } from './points.js';
import { state } from './state.js';
import { markUpdated, setConn } from './status.js';
import { queueSummary } from './summary.js';
import { t } from './text.js';

/**
 * The live connection (socket.io, hub/live/live-gateway.ts): subscribed to the whole site, its `values`
 * batches update the points in place; device and link changes update their rows; every event is passed on
 * to the views (events.ts).
 */

const RETRY_MS = 5_000;

/** What the hub sends. */
interface ServerEvents {
  values: (batch: LatestValue[]) => void;
  /** Right before the hub disconnects us because of the session (`reconnect`: only the permissions changed). */
  'session-ended': (e: { reason: string; reconnect: boolean }) => void;
  device: (e: DeviceEvent) => void;
  link: (e: LinkEvent) => void;
  alert: (e: unknown) => void;
  ticket: (e: unknown) => void;
  gate: (e: unknown) => void;
  pass: (e: unknown) => void;
  control: (e: unknown) => void;
}

/** What the page asks: the whole site, with a snapshot of its latest values in the answer. */
interface ClientEvents {
  subscribe: (
    sub: { site?: boolean; assets?: string[] },
    ack: (reply: { values?: LatestValue[]; unknownAssets?: string[]; error?: string }) => void,
  ) => void;
}

type LiveSocket = Socket<ServerEvents, ClientEvents>;

/** socket.io's client, from /socket.io/socket.io.min.js (index.html), if it loaded. */
const ioClient = () =>
  (globalThis as { io?: (opts: Partial<ManagerOptions & SocketOptions>) => LiveSocket }).io;

/** What the session does when the hub says it ended, or changed. */
export interface SessionHooks {
  /** The session is over: log in again. */
  ended: (reason: string) => void;
  /** The permissions changed; the session stays. */
  changed: () => void;
}

let current: LiveSocket | undefined;

export function connectLive(session: SessionHooks): void {
  const io = ioClient();
  if (typeof io !== 'function') {
    setConn('error', 'socket.io client not loaded');
    showBanner(() => t('liveUnavailable'));
    return;
  }
  closeLive();
  // WebSocket first, long-polling only when it fails: a polling client that is mid-upgrade when the hub
  // stops can miss the close and show "live" until the ping timeout (~45 s).
  // forceNew: a fresh connection per login, so its handshake carries the new session cookie.
  const socket = io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    forceNew: true,
  });
  current = socket;
  // Handlers of a socket that was closed (logout, session ended) may still be called once: they check this.
  const isCurrent = () => current === socket;
  /** The hub asked us to reconnect at once (new permissions), rather than after the restart pause. */
  let reconnectSoon = false;

  const subscribe = () => {
    socket.timeout(10_000).emit('subscribe', { site: true }, (err, ack) => {
      if (!isCurrent()) return;
      if (err || !ack || ack.error) {
        setConn('error', err ? String(err.message ?? err) : String(ack?.error ?? 'no ack'));
        if (socket.connected)
          setTimeout(() => {
            if (isCurrent()) subscribe();
          }, RETRY_MS);
        return;
      }
      for (const v of ack.values ?? []) applyValue(v, true);
      markUpdated();
      setConn('live');
    });
    // Device states may have changed while we were away; the socket only sends changes.
    void refreshDevices();
  };

  socket.on('connect', () => {
    if (!isCurrent()) return;
    showBanner('');
    subscribe();
  });
  // Sent right before the hub disconnects us because of the session. `reconnect`: only the permissions
  // changed, the session is still valid; otherwise it is over and the user must log in again.
  socket.on('session-ended', (e) => {
    if (!isCurrent()) return;
    if (e?.reconnect) {
      reconnectSoon = true;
      session.changed();
      return;
    }
    session.ended(typeof e?.reason === 'string' ? e.reason : 'expired');
  });
  socket.on('disconnect', (reason) => {
    if (!isCurrent()) return;
    setConn('reconnecting', reason);
    // The hub closed us (it is restarting, or the permissions changed): socket.io does not reconnect by
    // itself then. If the session ended meanwhile, the handshake fails with 'unauthorized' (below).
    if (reason === 'io server disconnect')
      setTimeout(
        () => {
          if (isCurrent()) socket.connect();
        },
        reconnectSoon ? 100 : 2_000,
      );
    reconnectSoon = false;
  });
  socket.on('connect_error', (err) => {
    if (!isCurrent()) return;
    // The hub refused the handshake: socket.io does not retry that by itself, and must not.
    if (err?.message === 'unauthorized') {
      session.ended('expired');
      return;
    }
    if (err?.message === 'forbidden') {
      setConn('error', err.message);
      showBanner(() => t('liveForbidden'));
      return;
    }
    setConn('reconnecting', err?.message);
  });
  socket.on('values', (batch) => {
    if (!isCurrent() || !Array.isArray(batch)) return;
    for (const v of batch) applyValue(v, true);
    markUpdated();
    emit('values', batch);
  });
  for (const type of ['alert', 'ticket', 'gate', 'pass', 'control'] as const)
    socket.on(type, (e) => {
      if (isCurrent()) emit(type, e);
    });
  socket.on('device', (e) => {
    if (isCurrent()) emit('device', e);
  });
  socket.on('link', (e) => {
    if (isCurrent()) emit('link', e);
  });
  socket.on('device', (e) => {
    if (!isCurrent()) return;
    const entry = state.devices.get(e?.deviceId);
    if (!entry) {
      void refreshDevices();
      return;
    }
    entry.eventSeq = ++state.eventSeq;
    updateDevice(entry, { state: e.state, reason: e.reason }, true);
    queueSummary();
    refreshDevicesSoon();
  });
  socket.on('link', (e) => {
    if (!isCurrent()) return;
    const entry = state.links.get(e?.linkId);
    if (!entry) {
      void refreshDevices();
      return;
    }
    entry.eventSeq = ++state.eventSeq;
    updateLink(entry, { state: e.state, error: e.error }, true);
    refreshDevicesSoon();
  });
}

/** Close the live connection for good: no more events, no reconnect. */
export function closeLive(): void {
  const socket = current;
  if (!socket) return;
  current = undefined;
  socket.removeAllListeners();
  socket.disconnect();
}
