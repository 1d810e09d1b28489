import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The names a browser on this machine uses for it; a DNS-rebinding page cannot take any of them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface Refusal {
  status: 403 | 421;
  error: string;
}

/**
 * The control API has no login (it is for demos and tests, bound to 127.0.0.1), so a web page must not reach it
 * through the operator's browser: refuse a Host other than a loopback name, the address the request came in
 * on or the configured host (a DNS-rebinding page sends its own name, 421), and a request that the browser
 * marks cross-site (Sec-Fetch-Site) or whose Origin is another host (a cross-site form POST or fetch, 403).
 * Tools (curl, tests, fetch in Node) send neither header and pass.
 */
export function installSameSiteGuard(app: FastifyInstance, configuredHost?: string): void {
  app.addHook('onRequest', async (req, reply) => {
    const refusal = refusalOf(req.headers, req.socket.localAddress, configuredHost);
    if (refusal) return reply.code(refusal.status).send({ error: refusal.error });
  });
}

export function refusalOf(
  headers: IncomingHttpHeaders,
  localAddress: string | undefined,
  configuredHost?: string,
): Refusal | undefined {
  const allowed = new Set(LOOPBACK_NAMES);
  for (const h of [localAddress?.replace(/^::ffff:/, ''), configuredHost]) {
    if (!h || h === '0.0.0.0' || h === '::') continue;
    allowed.add(h.includes(':') && !h.startsWith('[') ? `[${h.toLowerCase()}]` : h.toLowerCase());
  }
  const names = [...allowed].join(', ');
  const host = hostnameOf(headers.host);
  if (!host || !allowed.has(host))
    return {
      status: 421,
      error: `this control API answers only to ${names}; Host "${headers.host ?? ''}" refused (a page using a name of its own reaches it only by DNS rebinding)`,
    };
  if (headers['sec-fetch-site'] === 'cross-site')
    return { status: 403, error: 'cross-site request refused: call the control API from this machine' };
  const origin = headers.origin;
  if (origin !== undefined) {
    const from = origin === 'null' ? undefined : hostnameOf(originHost(origin));
    if (!from || !allowed.has(from))
      return { status: 403, error: `cross-site request refused: Origin "${origin}" is not ${names}` };
  }
  return undefined;
}

/** The lower-case host name (or [v6 address]) of a Host value, without its port; undefined unless only that. */
function hostnameOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(`http://${value}`);
    const plain = !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    return plain ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
