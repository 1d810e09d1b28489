/**
 * A Modbus TCP server in a process of its own (for tests that kill and restart it):
 * `node --import tsx test/peers/register-server.ts PORT '{"1": {"hr": [..]}}'`. Prints "ready".
 */
import { startRegisterServer } from '../modbus-fixtures.js';

const port = Number(process.argv[2]);
const units = JSON.parse(process.argv[3] ?? '{}') as Record<string, { hr?: number[]; ir?: number[] }>;
const server = await startRegisterServer(port, Object.keys(units).map(Number));
for (const [unit, tables] of Object.entries(units)) {
  const image = server.units.get(Number(unit))!;
  image.hr.splice(0, tables.hr?.length ?? 0, ...(tables.hr ?? []));
  image.ir.splice(0, tables.ir?.length ?? 0, ...(tables.ir ?? []));
}
process.stdout.write('ready\n');
