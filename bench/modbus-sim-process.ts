/**
 * The Modbus simulators of a site in a process of their own (for `npm run bench modbus`): every meter's
 * TCP server. IPC: `ready` once listening; `{ cmd: 'kill', ids }` powers devices off (they stop answering).
 */
import { readFileSync } from 'node:fs';
import { parseSiteText } from '../hub/site-file.js';
import { ModbusSimulation } from '../simulators/modbus-devices.js';
import { processCpuSeconds } from './proc.js';

const arg = process.argv[2]!;
const site = parseSiteText(
  arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg,
  'bench-modbus.yaml',
);
const sim = new ModbusSimulation(site);
await sim.start();
let cpu0 = processCpuSeconds();
process.on('message', async (msg: { cmd: string; ids?: string[] }) => {
  if (msg.cmd === 'kill') {
    for (const id of msg.ids ?? []) await sim.setOnline(id, false);
    process.send?.({ cmd: 'killed' });
  } else if (msg.cmd === 'cpu') {
    const now = processCpuSeconds();
    process.send?.({ cmd: 'cpu', seconds: now - cpu0 });
    cpu0 = now;
  } else if (msg.cmd === 'stop') {
    await sim.stop();
    process.exit(0);
  }
});
process.send?.({ cmd: 'ready' });
