import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHub, type Hub } from '../hub/app.js';
import { ROLES, type Role } from '../platform/security/roles.js';
import { sessionAs, testHubOptions } from './hub-harness.js';
import { testSite } from './site-fixtures.js';

const EVERYONE: Role[] = [...ROLES];
/** Everyone who may report a fault: all but the read-only viewer. */
const SUBMIT: Role[] = ROLES.filter((r) => r !== 'viewer');
const DESK: Role[] = ['dispatcher', 'supervisor', 'admin'];
const TECH: Role[] = ['technician', 'admin'];
/** Security (passes:manage): every pass, exports of visitor records. */
const SECURITY: Role[] = ['security', 'admin'];
/** Automation: schedules, calendars, scenes, plans (control:manage). */
const CONTROL_MANAGE: Role[] = ['engineer', 'admin'];
/** Those who work alerts (alerts:ack): the alert log's export. */
const ALERT_WORK: Role[] = ['engineer', 'technician', 'dispatcher', 'supervisor', 'security', 'admin'];

/**
 * Who may call what, written out by hand: it is the specification the route declarations must match.
 * A route missing here fails the test, so a new route cannot ship without its row.
 */
const EXPECTED: Record<string, 'public' | 'authenticated' | Role[]> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': EVERYONE,
  'GET /api/v1/health': EVERYONE,
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'authenticated',
  'GET /api/v1/auth/session': 'authenticated',
  'POST /api/v1/auth/password': 'authenticated',
  'GET /api/v1/auth/roles': 'authenticated',
  'GET /api/v1/users': ['admin'],
  'POST /api/v1/users': ['admin'],
  'GET /api/v1/users/:id': ['admin'],
  'PATCH /api/v1/users/:id': ['admin'],
  'POST /api/v1/users/:id/password': ['admin'],
  'POST /api/v1/users/:id/unlock': ['admin'],
  'DELETE /api/v1/users/:id': ['admin'],
  'GET /api/v1/users/:id/tokens': ['admin'],
  'GET /api/v1/me/profile': 'authenticated',
  'PUT /api/v1/me/profile': 'authenticated',
  'GET /api/v1/users/:id/profile': ['admin'],
  'PUT /api/v1/users/:id/profile': ['admin'],
  'GET /api/v1/notifications/deliveries': ['engineer', 'dispatcher', 'supervisor', 'security', 'admin'],
  'GET /api/v1/notifications/channels': ['engineer', 'dispatcher', 'supervisor', 'security', 'admin'],
  'GET /api/v1/tokens': 'authenticated',
  'POST /api/v1/tokens': 'authenticated',
  'DELETE /api/v1/tokens/:id': 'authenticated',
  'GET /api/v1/audit': ['admin'],
  'GET /api/v1/audit/verify': ['admin'],
  'POST /api/v1/audit/verify': ['admin'],
  'GET /api/v1/audit/checkpoint': ['admin'],
  'GET /api/v1/site': EVERYONE,
  'GET /api/v1/assets': EVERYONE,
  'GET /api/v1/assets/:id': EVERYONE,
  'GET /api/v1/points/:id/latest': EVERYONE,
  'GET /api/v1/points/:asset/:point/latest': EVERYONE,
  'GET /api/v1/devices': EVERYONE,
  'GET /api/v1/points/:id/history': EVERYONE,
  'GET /api/v1/points/:asset/:point/history': EVERYONE,
  'GET /api/v1/history': EVERYONE,
  'GET /api/v1/points/:id/energy': EVERYONE,
  'GET /api/v1/energy/meters': EVERYONE,
  'GET /api/v1/energy/meters/:id/intervals': EVERYONE,
  'GET /api/v1/energy/meters/:id/baseline': EVERYONE,
  'GET /api/v1/energy/meters/:id/savings': EVERYONE,
  'GET /api/v1/energy/savings': EVERYONE,
  'GET /api/v1/energy/reports/daily': EVERYONE,
  'GET /api/v1/energy/reports/monthly': EVERYONE,
  'GET /api/v1/energy/ledger': EVERYONE,
  'GET /api/v1/energy/now': EVERYONE,
  'POST /api/v1/energy/ledger/unsettle': ['engineer', 'admin'],
  'GET /api/v1/points/:asset/:point/energy': EVERYONE,
  'GET /api/v1/storage': EVERYONE,
  'GET /api/v1/points/:id/counter-events': EVERYONE,
  'GET /api/v1/devices/credentials': ['admin'],
  'GET /api/v1/devices/:id/modbus/preview': ['engineer', 'admin'],
  'GET /api/v1/devices/:id/opcua/browse': ['engineer', 'admin'],
  'GET /api/v1/devices/:id/sparkplug/browse': ['engineer', 'admin'],
  'GET /api/v1/devices/bacnet/discover': ['engineer', 'admin'],
  'GET /api/v1/devices/:id/bacnet/object': ['engineer', 'admin'],
  'GET /api/v1/opcua/certificates': ['admin'],
  'GET /api/v1/rules': EVERYONE,
  'GET /api/v1/rules/templates': EVERYONE,
  'POST /api/v1/rules/dry-run': EVERYONE,
  'POST /api/v1/rules/backtest': EVERYONE,
  'PUT /api/v1/rules/:id': ['engineer', 'admin'],
  'DELETE /api/v1/rules/:id': ['engineer', 'admin'],
  'GET /api/v1/control/schedules': EVERYONE,
  'POST /api/v1/control/schedules': ['engineer', 'admin'],
  'GET /api/v1/control/schedules/:id': EVERYONE,
  'PUT /api/v1/control/schedules/:id': ['engineer', 'admin'],
  'DELETE /api/v1/control/schedules/:id': ['engineer', 'admin'],
  'GET /api/v1/control/schedules/:id/preview': EVERYONE,
  'POST /api/v1/control/schedules/preview': EVERYONE,
  'GET /api/v1/control/calendars': EVERYONE,
  'GET /api/v1/control/calendars/:id': EVERYONE,
  'PUT /api/v1/control/calendars/:id': ['engineer', 'admin'],
  'DELETE /api/v1/control/calendars/:id': ['engineer', 'admin'],
  'GET /api/v1/control/optimum-start': EVERYONE,
  'POST /api/v1/opcua/certificates/:thumbprint/trust': ['admin'],
  'POST /api/v1/opcua/certificates/:thumbprint/reject': ['admin'],
  'POST /api/v1/devices/:id/credentials': ['admin'],
  'DELETE /api/v1/devices/:id/credentials': ['admin'],
  'POST /api/v1/points/:id/command': ['engineer', 'security', 'admin'],
  'POST /api/v1/points/:asset/:point/command': ['engineer', 'security', 'admin'],
  'GET /api/v1/control/points': EVERYONE,
  'GET /api/v1/control/points/:asset/:point': EVERYONE,
  'POST /api/v1/control/points/:asset/:point/override': ['engineer', 'security', 'admin'],
  'DELETE /api/v1/control/points/:asset/:point/override': ['engineer', 'security', 'admin'],
  'POST /api/v1/control/points/:asset/:point/relinquish': ['engineer', 'security', 'admin'],
  'GET /api/v1/alerts': EVERYONE,
  'GET /api/v1/alerts/:id': EVERYONE,
  'POST /api/v1/alerts/:id/ack': ['engineer', 'technician', 'dispatcher', 'supervisor', 'security', 'admin'],
  // engineers (alerts:manage) and security (alerts:security, a gate's alerts): the domain says which per alert
  'POST /api/v1/alerts/:id/shelve': ['engineer', 'security', 'admin'],
  'POST /api/v1/alerts/:id/unshelve': ['engineer', 'security', 'admin'],
  'PUT /api/v1/assets/:id/maintenance': ['engineer', 'security', 'admin'],
  'GET /api/v1/maintenance': EVERYONE,
  'GET /api/v1/tickets': EVERYONE,
  'POST /api/v1/tickets': SUBMIT,
  'GET /api/v1/tickets/kpis': DESK,
  'GET /api/v1/tickets/export.csv': DESK,
  'GET /api/v1/alerts/export.csv': ALERT_WORK,
  'GET /api/v1/asset-labels': EVERYONE,
  'GET /api/v1/tickets/:id': EVERYONE,
  'POST /api/v1/tickets/:id/approve': ['approver', 'supervisor', 'admin'],
  'POST /api/v1/tickets/:id/reject': ['approver', 'supervisor', 'admin'],
  'POST /api/v1/tickets/:id/dispatch': DESK,
  'POST /api/v1/tickets/:id/accept': TECH,
  'POST /api/v1/tickets/:id/decline': TECH,
  'POST /api/v1/tickets/:id/start': TECH,
  'POST /api/v1/tickets/:id/resolve': TECH,
  'POST /api/v1/tickets/:id/rate': SUBMIT,
  'POST /api/v1/tickets/:id/close': DESK,
  'POST /api/v1/tickets/:id/reopen': SUBMIT,
  'POST /api/v1/tickets/:id/cancel': SUBMIT,
  'POST /api/v1/tickets/:id/notes': SUBMIT,
  'PUT /api/v1/tickets/:id/priority': ['supervisor', 'admin'],
  'GET /api/v1/tickets/:id/suggestions': DESK,
  'POST /api/v1/tickets/:id/photos': SUBMIT,
  'GET /api/v1/tickets/:id/photos/:file': EVERYONE,
  'GET /api/v1/assets/:id/file': EVERYONE,
  'GET /api/v1/gates': EVERYONE,
  'GET /api/v1/gates/occupancy': EVERYONE,
  'GET /api/v1/gates/on-site': SECURITY,
  'GET /api/v1/gates/traffic': EVERYONE,
  'GET /api/v1/gates/:id/allowlist-key': ['admin'],
  'POST /api/v1/visitors': SUBMIT,
  'GET /api/v1/passes': SUBMIT,
  'GET /api/v1/passes/:id': SUBMIT,
  'POST /api/v1/passes/:id/approve': SUBMIT,
  'POST /api/v1/passes/:id/decline': SUBMIT,
  'POST /api/v1/passes/:id/revoke': SUBMIT,
  'POST /api/v1/passes/:id/cancel': SUBMIT,
  'GET /api/v1/passes/link/:token': 'public',
  'POST /api/v1/passes/link/:token': 'public',
  'GET /api/v1/visitors/export.csv': SECURITY,
  'GET /api/v1/passes/:id/slip.pdf': SUBMIT,
  'GET /api/v1/passes/:id/slip': SUBMIT,
  'GET /api/v1/visitors/stats': SECURITY,
  'GET /api/v1/visitors/stats.csv': SECURITY,
  'GET /api/v1/visitors/today': SECURITY,
  // visitor self-service (off in this site: 404), the visitor's QR page
  'GET /visit': 'public',
  'GET /visit/kiosk.js': 'public',
  'GET /visit/poster': 'public',
  'GET /api/v1/public/hosts': 'public',
  'POST /api/v1/public/visits': 'public',
  'GET /v/:token': 'public',
  'GET /api/v1/control/scenes': EVERYONE,
  // anyone may ask: the scene's own roles and each point's permission decide (403 from the scene service)
  'POST /api/v1/control/scenes/:id/activate': EVERYONE,
  'POST /api/v1/control/scenes/:id/release': EVERYONE,
  'POST /api/v1/control/scenes': CONTROL_MANAGE,
  'PUT /api/v1/control/scenes/:id': CONTROL_MANAGE,
  'DELETE /api/v1/control/scenes/:id': CONTROL_MANAGE,
  'GET /api/v1/control/occupancy': EVERYONE,
  'GET /api/v1/control/demand': EVERYONE,
  'GET /api/v1/oncall': EVERYONE,
  'GET /api/v1/oncall/at': EVERYONE,
  'GET /api/v1/oncall/overrides': EVERYONE,
  'POST /api/v1/oncall/overrides': ['supervisor', 'admin'],
  'PUT /api/v1/oncall/overrides/:id': ['supervisor', 'admin'],
  'DELETE /api/v1/oncall/overrides/:id': ['supervisor', 'admin'],
  'GET /api/v1/oncall/escalations': ['supervisor', 'admin'],
  'GET /api/v1/oncall/escalations/:id': ['supervisor', 'admin'],
  'GET /api/v1/oncall/ack/:token': 'public',
  'POST /api/v1/oncall/ack/:token': 'public',
};

/** The dashboard's files and the OpenAPI viewer are documents anyone may read. */
const isDocument = (url: string) => url === '/' || url === '/*' || url.startsWith('/api/docs');

describe('route × role matrix', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await buildHub(testHubOptions(testSite(), { live: false }));
    await hub.start();
  });
  afterAll(() => hub?.stop());

  it('every route has a row, and every row a route', () => {
    const keys = hub.routes.filter((r) => !isDocument(r.url)).map((r) => `${r.method} ${r.url}`);
    expect(keys.filter((k) => !(k in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((k) => !keys.includes(k))).toEqual([]);
    expect(hub.routes.filter((r) => isDocument(r.url)).every((r) => r.access === 'public')).toBe(true);
  });

  it('each role gets exactly the answers its row says, and anonymous callers get 401', async () => {
    const outcomes: string[] = [];
    const mismatches: string[] = [];
    for (const route of hub.routes) {
      const key = `${route.method} ${route.url}`;
      const rule = isDocument(route.url) ? 'public' : EXPECTED[key]!;
      // Unknown ids everywhere: an allowed call is answered 4xx by the route itself, and changes nothing.
      const url = route.url.replace(/:[a-z]+/g, '999999').replace('/*', '/index.html');
      const call = async (headers: Record<string, string>) =>
        (
          await hub.http.inject({
            method: route.method as 'GET',
            url,
            headers,
            payload: route.method === 'GET' ? undefined : {},
          })
        ).statusCode;

      const anon = await call({});
      const anonOk = rule === 'public' ? ![401, 403].includes(anon) : anon === 401;
      if (!anonOk) mismatches.push(`${key} anonymous → ${anon}`);
      outcomes.push(`${key} anonymous ${anon}`);
      if (rule === 'public') continue;
      for (const role of ROLES) {
        // a fresh session per call: logout and password changes end sessions
        const session = await sessionAs(hub, [role]);
        const status = await call(session.headers);
        const allowed = rule === 'authenticated' || rule.includes(role);
        if (allowed ? [401, 403].includes(status) : status !== 403)
          mismatches.push(`${key} ${role} → ${status}`);
        outcomes.push(`${key} ${role} ${status}`);
      }
    }
    expect(mismatches).toEqual([]);
    // the walk covered every route for every role
    expect(outcomes.length).toBeGreaterThan(Object.keys(EXPECTED).length * ROLES.length * 0.9);
  }, 60_000); // about 600 requests, each through the real access hook and route

  it('a route registered without an access rule is refused at start', async () => {
    const fresh = await buildHub(testHubOptions(testSite(), { live: false }));
    expect(() => fresh.http.get('/api/v1/forgotten', async () => 'open to all?')).toThrow(
      'route GET /api/v1/forgotten declares no access rule (config.access)',
    );
    await fresh.stop();
  });
});
