import modbusSerial from 'modbus-serial';

/** modbus-serial's server callbacks; an error object with `modbusErrorCode` answers with that exception. */
type Cb<T> = (err: Error | null, value?: T) => void;
const exception = (code: number) => Object.assign(new Error(`exception ${code}`), { modbusErrorCode: code });

export interface RegisterServer {
  port: number;
  /** Per unit: holding and input registers, coils, discrete inputs (address → value). */
  units: Map<number, { hr: number[]; ir: number[]; co: boolean[]; di: boolean[] }>;
  /** Requests served (reads), per unit. */
  reads: Map<number, number>;
  /** Units that do not answer at all (the request times out). */
  silent: Set<number>;
  /** Registers (holding or input) that answer with this exception code. */
  exceptions: Map<number, number>;
  /** Writes are ignored (a device that does not take the value): read-back shows the old one. */
  ignoreWrites: boolean;
  /** Every write request served, in order (what the hub sent, taken or not). */
  writes: { unit: number; addr: number; value: number | boolean }[];
  close(): Promise<void>;
}

/** A Modbus TCP server (modbus-serial's, a real one on a socket) with a register image per unit and faults. */
export async function startRegisterServer(port: number, unitIds: number[]): Promise<RegisterServer> {
  const s: RegisterServer = {
    port,
    units: new Map(
      unitIds.map((u) => [
        u,
        {
          hr: Array(300).fill(0),
          ir: Array(300).fill(0),
          co: Array(64).fill(false),
          di: Array(64).fill(false),
        },
      ]),
    ),
    reads: new Map(),
    silent: new Set(),
    exceptions: new Map(),
    ignoreWrites: false,
    writes: [],
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const count = (unit: number) => s.reads.set(unit, (s.reads.get(unit) ?? 0) + 1);
  const registers = (kind: 'hr' | 'ir') => (addr: number, length: number, unit: number, cb: Cb<number[]>) => {
    if (s.silent.has(unit)) return; // never answers
    count(unit);
    for (let a = addr; a < addr + length; a++) {
      const code = s.exceptions.get(a);
      if (code) return cb(exception(code));
    }
    const image = s.units.get(unit)?.[kind];
    if (!image) return cb(exception(11));
    cb(null, image.slice(addr, addr + length));
  };
  const one = (kind: 'hr' | 'ir') => (addr: number, unit: number, cb: Cb<number>) =>
    registers(kind)(addr, 1, unit, (err, v) => cb(err, v?.[0]));
  const bit = (kind: 'co' | 'di') => (addr: number, unit: number, cb: Cb<boolean>) => {
    if (s.silent.has(unit)) return;
    count(unit);
    cb(null, s.units.get(unit)?.[kind][addr] ?? false);
  };
  const vector = {
    getMultipleHoldingRegisters: registers('hr'),
    getMultipleInputRegisters: registers('ir'),
    getHoldingRegister: one('hr'),
    getInputRegister: one('ir'),
    getCoil: bit('co'),
    getDiscreteInput: bit('di'),
    setRegister: (addr: number, value: number, unit: number, cb: Cb<void>) => {
      const code = s.exceptions.get(addr);
      if (code) return cb(exception(code));
      s.writes.push({ unit, addr, value });
      if (!s.ignoreWrites) s.units.get(unit)!.hr[addr] = value;
      cb(null);
    },
    setCoil: (addr: number, value: boolean, unit: number, cb: Cb<void>) => {
      s.writes.push({ unit, addr, value });
      if (!s.ignoreWrites) s.units.get(unit)!.co[addr] = value;
      cb(null);
    },
  };
  type Vector = ConstructorParameters<typeof modbusSerial.ServerTCP>[0];
  const server = new modbusSerial.ServerTCP(vector as unknown as Vector, {
    host: '127.0.0.1',
    port,
    unitID: 255,
  });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', reject);
  });
  return s;
}

export function float32Registers(v: number, order: 'ABCD' | 'CDAB' = 'ABCD'): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  const hi = b.readUInt16BE(0);
  const lo = b.readUInt16BE(2);
  return order === 'ABCD' ? [hi, lo] : [lo, hi];
}
