import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/logger.js';

/**
 * hub.http.tls.redirectHttpPort: a plain-HTTP listener that answers every request with 308 to the same host
 * and path over https (308 keeps the method and body, unlike 301). Nothing else is served on it.
 */
export class HttpsRedirect {
  private server: Server | undefined;

  constructor(private readonly o: { host: string; port: number; log: Logger }) {}

  /** Listen; `httpsPort` is where the hub's HTTPS listener ended up. Returns the port it listens on. */
  async start(httpsPort: number): Promise<number> {
    const server = createServer((req, res) => redirect(req, res, httpsPort));
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.o.log.error({ err }, 'HTTP→HTTPS redirect listener failed'));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function redirect(req: IncomingMessage, res: ServerResponse, httpsPort: number): void {
  const host = hostOf(req.headers.host);
  if (!host) {
    res
      .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
      .end('HTTPS only: no valid Host header\n');
    return;
  }
  // origin-form (/path?q) as browsers send it; an absolute-form target keeps only its path and query
  const target = req.url?.startsWith('/') ? req.url : pathOf(req.url);
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  res.writeHead(308, { location: `https://${host}${port}${target}`, 'content-length': 0 }).end();
}

/** The host name (or [v6 address]) of a Host header, without its port; undefined unless it is only that. */
function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    const url = new URL(`http://${header}`);
    const plain = !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    return plain ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

function pathOf(target: string | undefined): string {
  try {
    const url = new URL(target ?? '/');
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}
