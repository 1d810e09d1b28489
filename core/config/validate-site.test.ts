import { describe, expect, it } from 'vitest';
import { parseSiteText } from '../../hub/site-file.js';
import { ConfigError } from './load-config.js';

/** Points written alike are parsed once (validate-site.ts); each must still be its own, with its own errors. */
const head = `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
mqtt: { mode: embedded }
devices: [{ id: d, protocol: mqtt }, { id: m, protocol: modbus, host: 10.0.0.1, profile: sdm630 }]
`;

function errorsOf(text: string): string[] {
  try {
    parseSiteText(text, 'site.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

describe('points written alike', () => {
  it('are parsed to equal but separate objects, with defaults, per protocol', () => {
    const site = parseSiteText(
      `${head}assets:
  - { id: a, name: A, kind: generic, zone: z, device: d, points: [{ name: t_c, unit: degC }, { name: u_c, unit: degC }] }
  - { id: b, name: B, kind: generic, zone: z, device: d, points: [{ name: t_c, unit: degC }] }
  - { id: c, name: C, kind: electricity-meter, zone: z, device: m, points: [{ name: voltage_l1_v, unit: V }] }
  - { id: e, name: E, kind: electricity-meter, zone: z, device: m, points: [{ name: voltage_l1_v, unit: V }] }
`,
      'site.yaml',
    );
    const at = (id: string) => site.pointById.get(id)!.config;
    expect(at('a/t_c')).toEqual(at('b/t_c'));
    expect(at('a/t_c')).not.toBe(at('b/t_c'));
    expect(at('a/t_c')).toEqual({
      name: 't_c',
      unit: 'degC',
      kind: 'measurement',
      type: 'number',
      scale: 1,
      offset: 0,
      deadband: 0,
    });
    expect(at('c/voltage_l1_v')).toEqual(at('e/voltage_l1_v'));
    expect(at('c/voltage_l1_v')).not.toBe(at('e/voltage_l1_v'));
  });

  it('each report their own errors at their own paths', () => {
    const errors = errorsOf(`${head}assets:
  - { id: a, name: A, kind: generic, zone: z, device: d, points: [{ name: t_c, min: 5, max: 1 }, { name: u_c, deadband: x }] }
  - { id: b, name: B, kind: generic, zone: z, device: d, points: [{ name: t_c, min: 5, max: 1 }, { name: u_c, deadband: x }] }
  - { id: c, name: C, kind: generic, zone: z, device: m, points: [{ name: t_c, topic: x/y }] }
  - { id: e, name: E, kind: generic, zone: z, device: d, points: [{ name: t_c, topic: x/y }] }
`);
    expect(errors).toEqual([
      'assets[0].points[0].min: expected min ≤ max, got min 5 > max 1',
      'assets[0].points[1].deadband: expected a number ≥ 0, got "x"',
      'assets[1].points[0].min: expected min ≤ max, got min 5 > max 1',
      'assets[1].points[1].deadband: expected a number ≥ 0, got "x"',
      'assets[2].points[0].topic: unknown key',
    ]);
  });
});
