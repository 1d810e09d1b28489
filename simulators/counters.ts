import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EquipmentModel } from './equipment-models.js';
import type { ModbusSimulation } from './modbus-devices.js';

/**
 * The simulated meters' and equipment's counters (energy, volume, run hours, door cycles) as a file: the demo
 * writes the end of its generated history there, the simulators start from it and write it again when they stop,
 * so the counters carry on instead of starting again (which the energy ledger would read as a meter replaced).
 */
export interface CounterSnapshot {
  at: number;
  modbus: Record<string, Record<string, number>>;
  equipment: Record<string, Record<string, number>>;
}

export function snapshotCounters(
  modbus: ModbusSimulation,
  equipment: ReadonlyMap<string, EquipmentModel>,
  now = Date.now(),
): CounterSnapshot {
  const out: CounterSnapshot = { at: now, modbus: {}, equipment: {} };
  for (const [id, d] of modbus.devices) {
    if (!d.model) continue;
    d.values(now); // settle the counters up to now
    out.modbus[id] = d.model.counters();
  }
  for (const [id, m] of equipment) {
    const c = m.counters();
    if (Object.keys(c).length) out.equipment[id] = c;
  }
  return out;
}

export function restoreCounters(
  s: CounterSnapshot,
  modbus: ModbusSimulation,
  equipment: ReadonlyMap<string, EquipmentModel>,
): void {
  for (const [id, c] of Object.entries(s.modbus ?? {})) modbus.devices.get(id)?.model?.setCounters(c);
  for (const [id, c] of Object.entries(s.equipment ?? {})) equipment.get(id)?.setCounters(c);
}

export function readCounters(file: string): CounterSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CounterSnapshot;
  } catch {
    return undefined; // a broken file: the counters start from their defaults
  }
}

export function writeCounters(file: string, s: CounterSnapshot): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s));
  renameSync(`${file}.tmp`, file);
}
