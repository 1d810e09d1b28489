import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP relay on loopback that can be cut: a site hub's upstream link to the broker. `cut()` resets every
 * connection through it and refuses new ones (nothing listens) until `restore()` listens again on the same port.
 */
export interface CuttableLink {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Connections accepted so far (each reconnect of the edge node is one). */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCuttableLink(target: { host: string; port: number }): Promise<CuttableLink> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        connections++;
        const upstream = tcpConnect(target.port, target.host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => undefined);
        }
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const a = s.address();
        port = typeof a === 'object' && a ? a.port : port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return connections;
    },
    async cut() {
      const s = server;
      server = undefined;
      const closed = s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve();
      for (const sock of sockets) sock.resetAndDestroy();
      await closed;
    },
    restore: listen,
    async close() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
