import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/model/reading.js';
import { parseSiteText } from '../../hub/site-file.js';
import { LineEncoder, lineTs } from './line-protocol.js';

const site = parseSiteText(
  `
site: { id: hq, name: HQ }
hub: { dataDir: /tmp/unused }
zones: [{ id: b 1, name: B1 }]
assets:
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    points:
      - { name: supply_temp_c, min: 0, max: 30 }
      - { name: running, type: boolean, kind: state }
      - { name: mode, type: string, kind: state }
  - { id: meter-1, name: M, kind: electricity-meter, zone: b1, points: [{ name: energy_kwh, kind: counter }] }
`.replace('b 1', 'b1'),
  's.yaml',
);
const r = (
  pointId: string,
  value: Reading['value'],
  ts: number,
  quality: Reading['quality'] = 'good',
): Reading => ({
  pointId,
  value,
  ts,
  quality,
});

describe('line protocol', () => {
  const enc = new LineEncoder(site);

  it('one line per asset and timestamp with all its fields; measurement = asset kind; tags asset, site, zone', () => {
    const out: string[] = [];
    const n = enc.encode(
      [
        r('chiller-1/supply_temp_c', 7.25, 1000),
        r('meter-1/energy_kwh', 1234, 1000),
        r('chiller-1/running', true, 1000),
        r('chiller-1/mode', 'auto "eco"\\x', 1000),
        r('chiller-1/supply_temp_c', 7.5, 2000),
      ],
      out,
    );
    expect(n).toBe(3);
    expect(out).toEqual([
      'chiller,asset=chiller-1,site=hq,zone=b1 supply_temp_c=7.25,running=true,mode="auto \\"eco\\"\\\\x" 1000',
      'electricity-meter,asset=meter-1,site=hq,zone=b1 energy_kwh=1234 1000',
      'chiller,asset=chiller-1,site=hq,zone=b1 supply_temp_c=7.5 2000',
    ]);
    expect(lineTs(out[2]!)).toBe(2000);
  });

  it('a bad (out of range) reading goes to <point>__bad; the later of two readings at one time wins', () => {
    const out: string[] = [];
    enc.encode(
      [
        r('chiller-1/supply_temp_c', 99, 5, 'bad'),
        r('chiller-1/running', false, 5),
        r('chiller-1/running', true, 5),
      ],
      out,
    );
    expect(out).toEqual(['chiller,asset=chiller-1,site=hq,zone=b1 supply_temp_c__bad=99,running=true 5']);
  });

  it('numbers are floats whatever their value, never the integer type', () => {
    const out: string[] = [];
    enc.encode(
      [r('meter-1/energy_kwh', 3, 1), r('meter-1/energy_kwh', 1e21, 2), r('meter-1/energy_kwh', -0.5, 3)],
      out,
    );
    expect(out.map((l) => l.split(' ')[1])).toEqual(['energy_kwh=3', 'energy_kwh=1e+21', 'energy_kwh=-0.5']);
  });

  it('unknown points are skipped', () => {
    const out: string[] = [];
    expect(enc.encode([r('nope/x', 1, 1)], out)).toBe(0);
    expect(out).toEqual([]);
  });
});
