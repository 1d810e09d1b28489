import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CREDENTIAL_TYPES } from '../domains/visitors/gate-types.js';
import type { GateSimulation, SimulatedGateController } from './gate-controllers.js';

type BadQuery = (issues: z.core.$ZodIssue[]) => { error: string };

const direction = z.enum(['in', 'out']).default('in');
const ScanQuery = z.object({
  type: z.enum(CREDENTIAL_TYPES).default('code'),
  value: z.string().min(1).max(256),
  direction,
});
const DoorQuery = z.object({ event: z.enum(['opened', 'closed', 'forced', 'held-open']) });
const TailgateQuery = z.object({ direction });
const KeyInput = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/i, { error: 'expected the gate key as 64 hex digits' }),
});
const TrafficQuery = z.object({
  on: z.enum(['true', 'false']).default('true'),
  perHour: z.coerce.number().min(1).max(36_000).default(120),
});
/** Codes as a JSON body `{ codes: [...], replace? }`, or `?codes=a,b,c` for curl. */
const VisitorCodes = z.object({
  codes: z.union([
    z.array(z.string().min(1).max(256)).max(10_000),
    z.string().transform((s) => s.split(',')),
  ]),
  replace: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(true),
});

/**
 * The gate controllers' routes on the control API:
 *   GET  /gates                          each gate's status (link, door, allow-list, queued events) and traffic
 *   POST /gates/:id/scan?type=code&value=12345678&direction=in   present a credential; answers the decision
 *                                        (source hub) or the gate's own from its allow-list (source allow-list)
 *   POST /gates/:id/door?event=forced|held-open|opened|closed    a door event
 *   POST /gates/:id/tailgate?direction=in                        a passage with no scan
 *   POST /gates/:id/offline | /online    drop / restore the controller's MQTT connection
 *   POST /gates/:id/key                  `{ "key": "<hex>" }` (or ?key=): provision the allow-list key, as
 *                                        `GET /api/v1/gates/:id/allowlist-key` on the hub gives it
 *   POST /gates/visitors                 `{ "codes": ["FH2:12345678.<tag>", "12345678", …], "replace": true }`:
 *                                        what the traffic presents (QR payloads as qr, anything else typed)
 *   POST /gates/traffic?on=true&perHour=120   visitor traffic by the working day's curve (on=false stops)
 */
export function gateRoutes(app: FastifyInstance, gates: GateSimulation, badQuery: BadQuery): void {
  const gate = (id: string): SimulatedGateController => {
    const g = gates.controllers.get(id);
    if (!g) throw Object.assign(new Error(`no simulated gate "${id}"`), { statusCode: 404 });
    return g;
  };
  type Req = { Params: { id: string }; Querystring: unknown };

  app.get('/gates', async () => ({
    gates: [...gates.controllers.values()].map((g) => g.status),
    traffic: gates.traffic.status,
  }));
  app.post<Req>('/gates/:id/scan', async (req, reply) => {
    const g = gate(req.params.id);
    const q = ScanQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    return g.scan({ type: q.data.type, value: q.data.value }, q.data.direction);
  });
  app.post<Req>('/gates/:id/door', async (req, reply) => {
    const g = gate(req.params.id);
    const q = DoorQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    g.door(q.data.event);
    return g.status;
  });
  app.post<Req>('/gates/:id/tailgate', async (req, reply) => {
    const g = gate(req.params.id);
    const q = TailgateQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    g.tailgate(q.data.direction);
    return g.status;
  });
  app.post<Req>('/gates/:id/offline', async (req) => {
    const g = gate(req.params.id);
    await g.offline();
    return g.status;
  });
  app.post<Req>('/gates/:id/online', async (req) => {
    const g = gate(req.params.id);
    g.online();
    // answer once connected (or after 5 s, with connected: false), so a script can scan right after
    for (let i = 0; i < 250 && !g.status.connected; i++) await new Promise((r) => setTimeout(r, 20));
    return g.status;
  });
  app.post<Req & { Body: unknown }>('/gates/:id/key', async (req, reply) => {
    const g = gate(req.params.id);
    const k = KeyInput.safeParse(req.body && typeof req.body === 'object' ? req.body : req.query);
    if (!k.success) return reply.code(400).send(badQuery(k.error.issues));
    g.provision(k.data.key);
    return g.status;
  });
  app.post<{ Querystring: unknown; Body: unknown }>('/gates/visitors', async (req, reply) => {
    const input = req.body && typeof req.body === 'object' ? req.body : req.query;
    const v = VisitorCodes.safeParse(input);
    if (!v.success) return reply.code(400).send(badQuery(v.error.issues));
    gates.traffic.setCodes(v.data.codes, v.data.replace);
    return gates.traffic.status;
  });
  app.post<{ Querystring: unknown }>('/gates/traffic', async (req, reply) => {
    const q = TrafficQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badQuery(q.error.issues));
    if (q.data.on === 'true') gates.traffic.start(q.data.perHour);
    else gates.traffic.stop();
    return gates.traffic.status;
  });
}
