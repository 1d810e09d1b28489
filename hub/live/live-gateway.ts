import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { EventMap } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { LatestValue } from '../../core/latest-values.js';
import type { Logger } from '../../core/logger.js';
import type { Principal } from '../../platform/security/auth-service.js';
import type { HubServices } from '../services.js';

/** What the live gateway reads: who may connect, the site, the values and the bus's events. */
export type LiveGatewayServices = Pick<HubServices, 'site' | 'bus' | 'clock' | 'latest' | 'auth'>;

const SubscribeSchema = z.strictObject({
  site: z.boolean().optional(),
  assets: z.array(z.string()).max(10_000).optional(),
});
export type LiveSubscription = z.infer<typeof SubscribeSchema>;

interface ClientState {
  socket: Socket;
  principal: Principal;
  site: boolean;
  assets: Set<string>;
  /** Points changed since this client's last batch; their latest value is read at send time. */
  pending: Set<string>;
}

/** How often live connections are checked against their session or token. */
const RECHECK_MS = 30_000;

/** Readings pushed to a client carry the same fields as the latest-value API. */
export type LiveValue = LatestValue;

/**
 * socket.io gateway. Clients `subscribe` to the whole site or to assets and get a snapshot in the ack,
 * then `values` batches at most once per liveIntervalMs: a change after a quiet interval goes out at once
 * (in the next turn of the event loop, with whatever else changed in it), later ones wait for the interval
 * to end (a leading-edge throttle, so a quiet site is shown without delay and a busy one at 10 batches a
 * second). A client whose socket has not drained skips a flush: it loses intermediate values, never the
 * latest. Device and link changes, alerts, tickets, gate traffic and priority-array changes (`control`) go out as
 * they happen.
 */
export class LiveGateway {
  private readonly io: Server;
  private readonly clients = new Map<string, ClientState>();
  /**
   * Points changed since the last flush, each once and in the order of its first change: a flag per point (by
   * its index) and the changed indexes. Fixed arrays rather than a Set: a busy site changes thousands of
   * points per interval, and a Set emptied and grown again each time reallocates its table every flush.
   */
  private readonly dirtyFlag: Uint8Array;
  private readonly dirtyOrder: Int32Array;
  private dirtyCount = 0;
  /** The pending flush, and when the last one ran. */
  private timer: unknown;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private recheckTimer: unknown;
  private readonly clock: Clock;

  constructor(
    server: HttpServer,
    private readonly s: LiveGatewayServices,
    private readonly log: Logger,
  ) {
    this.clock = s.clock;
    this.dirtyFlag = new Uint8Array(s.site.points.length);
    this.dirtyOrder = new Int32Array(s.site.points.length);
    // A dead connection (a laptop closed, a hub restarted mid-upgrade) is noticed within 15 s.
    this.io = new Server(server, {
      serveClient: true,
      cors: { origin: false },
      pingInterval: 10_000,
      pingTimeout: 5_000,
    });
    // The same session cookie or API token as the HTTP API (a token as `auth: { token }` or a header).
    this.io.use((socket, next) => {
      const { headers } = socket.request;
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const principal = s.auth.authenticate({
        cookie: headers.cookie,
        authorization: typeof token === 'string' ? `Bearer ${token}` : headers.authorization,
      });
      if (!principal) return next(Object.assign(new Error('unauthorized'), { data: { status: 401 } }));
      if (!principal.permissions.has('site:read'))
        return next(Object.assign(new Error('forbidden'), { data: { status: 403 } }));
      socket.data.principal = principal;
      next();
    });
    this.io.on('connection', (socket) => this.connected(socket));
    s.bus.on('auth.revoked', (e) => this.revoked(e));
    s.latest.onChange((pointId) => {
      if (!this.clients.size) return; // a client that connects gets every value first
      const index = s.site.pointById.get(pointId)?.index;
      if (index !== undefined && !this.dirtyFlag[index]) {
        this.dirtyFlag[index] = 1;
        this.dirtyOrder[this.dirtyCount++] = index;
      }
      this.schedule();
    });
    s.bus.on('device.link-changed', (e) => this.io.to('devices').emit('device', e));
    s.bus.on('link.changed', (e) => this.io.to('devices').emit('link', e));
    // alerts go to every client as they happen (a new critical alert must show at once)
    s.bus.on('alert.raised', (e) => this.io.to('devices').emit('alert', { event: 'raised', ...e }));
    s.bus.on('alert.changed', (e) => this.io.to('devices').emit('alert', { event: 'changed', ...e }));
    s.bus.on('alert.cleared', (e) => this.io.to('devices').emit('alert', { event: 'cleared', ...e }));
    // tickets too: a new one, a dispatch to me, an escalation show without a reload
    s.bus.on('ticket.created', (e) => this.io.to('devices').emit('ticket', { event: 'created', ...e }));
    s.bus.on('ticket.changed', (e) => this.io.to('devices').emit('ticket', e));
    // a command point's priority array, effective value or pending state: the control view and asset pages
    // (a burst of schedule edges changes thousands at once: nothing is encoded when no client is connected)
    s.bus.on('control.changed', (e) => {
      if (this.io.sockets.adapter.rooms.get('devices')?.size) this.io.to('devices').emit('control', e);
    });
    // gate traffic and pass changes without who: the dashboard asks the API, which applies who may see what
    const gate = (event: string, e: { gateId: string; ts: number; offline: boolean }, more: object) =>
      this.io.to('devices').emit('gate', { event, gateId: e.gateId, ts: e.ts, offline: e.offline, ...more });
    s.bus.on('gate.scanned', (e) =>
      gate('scanned', e, { decision: e.decision, reason: e.reason, direction: e.direction }),
    );
    s.bus.on('gate.passed', (e) => gate('passed', e, { direction: e.direction }));
    s.bus.on('gate.door', (e) => gate('door', e, { door: e.event }));
    for (const event of ['requested', 'decided', 'revoked'] as const)
      s.bus.on(`pass.${event}`, (e) =>
        this.io.to('devices').emit('pass', { event, id: e.pass.id, state: e.pass.state }),
      );
    // Sessions also end without an event (expiry, idle time): look again at every connection regularly.
    this.recheckTimer = this.clock.setInterval(() => this.recheck(), RECHECK_MS);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private connected(socket: Socket) {
    const state: ClientState = {
      socket,
      principal: socket.data.principal as Principal,
      site: false,
      assets: new Set(),
      pending: new Set(),
    };
    this.clients.set(socket.id, state);
    socket.join('devices');
    socket.on('disconnect', () => this.clients.delete(socket.id));
    socket.on('subscribe', (raw: unknown, ack?: (reply: unknown) => void) => {
      const parsed = SubscribeSchema.safeParse(raw);
      if (!parsed.success) {
        ack?.({ error: 'expected { site?: boolean, assets?: string[] }' });
        return;
      }
      const unknown = (parsed.data.assets ?? []).filter((a) => !this.s.site.assetById.has(a));
      if (parsed.data.site) state.site = true;
      for (const a of parsed.data.assets ?? []) if (this.s.site.assetById.has(a)) state.assets.add(a);
      ack?.({ values: this.snapshot(parsed.data), unknownAssets: unknown });
    });
    socket.on('unsubscribe', (raw: unknown) => {
      const parsed = SubscribeSchema.safeParse(raw);
      if (!parsed.success) return;
      if (parsed.data.site) state.site = false;
      for (const a of parsed.data.assets ?? []) state.assets.delete(a);
    });
  }

  private recheck() {
    for (const c of this.clients.values())
      if (!this.s.auth.stillValid(c.principal)) this.end(c, 'session expired', false);
  }

  private end(c: ClientState, reason: string, reconnect: boolean) {
    c.socket.emit('session-ended', { reason, reconnect });
    c.socket.disconnect(true);
  }

  /** Close the live connections a revoked session, token or user was using. */
  private revoked(e: EventMap['auth.revoked']) {
    for (const c of this.clients.values()) {
      const p = c.principal;
      const hit =
        (e.sessionId !== undefined && p.session?.idHash === e.sessionId) ||
        (e.tokenId !== undefined && p.token?.id === e.tokenId) ||
        (e.userId !== undefined && p.user.id === e.userId && p.session?.idHash !== e.exceptSessionId);
      if (hit) this.end(c, e.reason, e.reconnect === true);
    }
  }

  private snapshot(sub: LiveSubscription): LiveValue[] {
    const { site, latest } = this.s;
    if (sub.site) return [...latest.all()];
    const out: LiveValue[] = [];
    for (const a of sub.assets ?? [])
      for (const p of site.pointsByAsset.get(a) ?? []) out.push(latest.get(p.id)!);
    return out;
  }

  /**
   * Send each client what changed since its last batch. Clients on the whole site that are caught up all get
   * the same batch: it is encoded once and written to each of them (socket.io's broadcast to their ids), so
   * 200 dashboards cost one JSON encoding, not 200. A client whose socket has not drained is skipped and
   * keeps its pending points, so it loses intermediate values, never the latest.
   */
  /** A flush at the end of the current interval, or at once after a quiet one. */
  private schedule() {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.s.site.hub.liveIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.lastFlush = this.clock.now();
      this.tick();
      // a slow client skipped this flush: try it again at the next one
      for (const c of this.clients.values())
        if (c.pending.size) {
          this.schedule();
          break;
        }
    }, wait);
  }

  /** The points changed since the last flush, in order, and none marked changed any more. */
  private takeDirty(): string[] | undefined {
    const n = this.dirtyCount;
    this.dirtyCount = 0;
    const ids = this.clients.size ? new Array<string>(n) : undefined;
    const { points } = this.s.site;
    for (let i = 0; i < n; i++) {
      const index = this.dirtyOrder[i]!;
      this.dirtyFlag[index] = 0;
      if (ids) ids[i] = points[index]!.id;
    }
    return ids;
  }

  private tick() {
    const dirty = this.takeDirty();
    if (!dirty) return;
    const shared: string[] = [];
    for (const c of this.clients.values()) {
      if (dirty.length) {
        if (c.site) {
          if (c.pending.size) for (const id of dirty) c.pending.add(id);
        } else
          for (const id of dirty) {
            const assetId = this.s.site.pointById.get(id)?.assetId;
            if (assetId && c.assets.has(assetId)) c.pending.add(id);
          }
      }
      // socket.io keeps unsent packets in the engine's write buffer; a full one means a slow client.
      const slow = (c.socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length > 0;
      if (c.site && !c.pending.size && dirty.length) {
        if (slow) for (const id of dirty) c.pending.add(id);
        else shared.push(c.socket.id);
        continue;
      }
      if (!c.pending.size || slow) continue;
      const batch: LiveValue[] = [];
      for (const id of c.pending) batch.push(this.s.latest.get(id)!);
      c.pending.clear();
      c.socket.emit('values', batch);
    }
    if (shared.length) {
      const batch: LiveValue[] = [];
      for (const id of dirty) batch.push(this.s.latest.get(id)!);
      this.io.to(shared).emit('values', batch);
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.clock.clearInterval(this.recheckTimer);
    this.io.disconnectSockets(true);
    // Closing socket.io would close the HTTP server too; fastify owns that.
    this.io.engine.close();
    this.log.debug('live gateway closed');
  }
}
