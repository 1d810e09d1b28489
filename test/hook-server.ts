import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery the receiver got: `event` is the `x-hub-event` header (`alert.raised`, `ticket.created`, …). */
export interface Hook<B = Record<string, unknown>> {
  event: string;
  headers: IncomingHttpHeaders;
  signature: string | undefined;
  body: B;
  raw: string;
}

/** A webhook receiver on 127.0.0.1 that answers 204 and keeps every delivery in order. */
export async function hookServer<B = Record<string, unknown>>(): Promise<{
  server: Server;
  url: string;
  hooks: Hook<B>[];
}> {
  const hooks: Hook<B>[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      hooks.push({
        event: String(req.headers['x-hub-event']),
        headers: req.headers,
        signature: req.headers['x-hub-signature-256'] as string | undefined,
        body: JSON.parse(raw) as B,
        raw,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hooks };
}
