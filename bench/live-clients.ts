/**
 * The live bench's dashboard clients, in a process of their own: N socket.io clients with an API token,
 * each subscribed to the whole site. For every value received: receipt time − the reading's timestamp
 * (the device stamps it when it publishes), in 1 ms buckets. Reports over IPC when asked.
 */
import { io, type Socket } from 'socket.io-client';

interface Config {
  url: string;
  token: string;
  clients: number;
}

const cfg = JSON.parse(process.argv[2]!) as Config;
const hist = new Uint32Array(10_000);
let values = 0;
let batches = 0;
let maxLatency = 0;
let errors = 0;
let counting = false;

const sockets: Socket[] = [];
await Promise.all(
  Array.from(
    { length: cfg.clients },
    () =>
      new Promise<void>((resolve, reject) => {
        const s = io(cfg.url, { auth: { token: cfg.token }, transports: ['websocket'], reconnection: false });
        sockets.push(s);
        s.on('connect_error', (err) => reject(err));
        s.on('connect', () => {
          s.emit('subscribe', { site: true }, () => resolve());
        });
        s.on('values', (batch: { ts: number }[]) => {
          if (!counting) return;
          const now = Date.now();
          batches++;
          for (const v of batch) {
            const lat = now - v.ts;
            values++;
            if (lat > maxLatency) maxLatency = lat;
            hist[Math.min(hist.length - 1, Math.max(0, lat))]!++;
          }
        });
        s.on('disconnect', () => errors++);
      }),
  ),
);
process.send?.({ cmd: 'connected', clients: sockets.length });

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'start') {
    hist.fill(0);
    values = batches = maxLatency = errors = 0;
    counting = true;
  } else if (m.cmd === 'stop') {
    counting = false;
    process.send?.({ cmd: 'result', hist: Array.from(hist), values, batches, maxLatency, errors });
    for (const s of sockets) s.close();
    setTimeout(() => process.exit(0), 200);
  }
});
