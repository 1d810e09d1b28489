import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../core/config/site-schema.js';
import { formatPath } from '../../core/config/zod-helpers.js';
import { parseSiteText } from '../../hub/site-file.js';
import type { MeterConfig } from './energy-schema.js';
import { type Meter, meterConfigs, resolveMeters } from './meters.js';

/**
 * A small site without an `energy:` section: two buildings, electricity meters counting in kWh, Wh and MWh,
 * water meters in L and m3, and a chiller with its own kWh counter (not a meter asset).
 */
const site = parseSiteText(
  `
site: { id: s1, name: Site one }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
  - { id: b2, name: Building 2, kind: building }
devices: [{ id: gw, protocol: mqtt }]
assets:
  - id: e-main
    name: Main incomer
    kind: electricity-meter
    zone: b1
    device: gw
    points:
      - { name: power_kw, unit: kW }
      - { name: energy_kwh, unit: kWh, kind: counter, rolloverAt: 1000000 }
  - id: e-f1
    name: Floor 1 board
    kind: electricity-meter
    zone: b1-f1
    device: gw
    points: [{ name: energy_wh, unit: Wh, kind: counter }]
  - id: e-hvac
    name: HVAC board
    kind: electricity-meter
    zone: b1
    device: gw
    points: [{ name: energy_mwh, unit: MWh, kind: counter }]
  - id: w-main
    name: Water main
    kind: water-meter
    zone: b2
    device: gw
    points: [{ name: volume_l, unit: L, kind: counter }]
  - id: w-garden
    name: Garden water
    kind: water-meter
    zone: b2
    device: gw
    points:
      - { name: flow_m3h, unit: m3/h }
      - { name: pump_kwh, unit: kWh, kind: counter }
      - { name: volume_m3, unit: m3, kind: counter }
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    device: gw
    points:
      - { name: supply_temp_c, unit: degC }
      - { name: energy_kwh, unit: kWh, kind: counter }
`,
  'meters-site.yaml',
);

/** The site's config with these meters in its energy section. */
const withMeters = (meters: MeterConfig[] | undefined): SiteConfig => ({
  ...site.config,
  energy: { ...site.config.energy, meters },
});

/** resolveMeters with the errors as validate-site prints them (`path: message`). */
function resolve(meters: MeterConfig[] | undefined): { meters: Meter[]; errors: string[] } {
  const errors: string[] = [];
  const resolved = resolveMeters(withMeters(meters), site, (path, message) =>
    errors.push(`${formatPath(path)}: ${message}`),
  );
  return { meters: resolved, errors };
}

/** Resolved without errors, by id. */
function valid(meters: MeterConfig[] | undefined): Map<string, Meter> {
  const r = resolve(meters);
  expect(r.errors).toEqual([]);
  return new Map(r.meters.map((m) => [m.id, m]));
}

const errorsOf = (meters: MeterConfig[]) => resolve(meters).errors;

const MAIN: MeterConfig = { id: 'main', point: 'e-main/energy_kwh' };
const WATER: MeterConfig = { id: 'w', point: 'w-main/volume_l' };

describe('meters: defaults (no energy.meters)', () => {
  it('every meter asset gives its first counter in a unit of its medium, each at the top of its own tree', () => {
    expect(site.config.energy.meters).toBeUndefined();
    expect(meterConfigs(site.config)).toEqual([
      { id: 'e-main', name: 'Main incomer', point: 'e-main/energy_kwh' }, // power_kw is no counter
      { id: 'e-f1', name: 'Floor 1 board', point: 'e-f1/energy_wh' },
      { id: 'e-hvac', name: 'HVAC board', point: 'e-hvac/energy_mwh' },
      { id: 'w-main', name: 'Water main', point: 'w-main/volume_l' },
      // pump_kwh is a counter, but not in a unit of water
      { id: 'w-garden', name: 'Garden water', point: 'w-garden/volume_m3' },
      // chiller-1 is no meter asset: its counter is no default meter
    ]);
    const m = valid(undefined);
    expect([...m.keys()]).toEqual(['e-main', 'e-f1', 'e-hvac', 'w-main', 'w-garden']);
    expect(m.get('e-main')).toEqual({
      id: 'e-main',
      name: 'Main incomer',
      medium: 'electricity',
      unit: 'kWh',
      zoneId: 'b1',
      children: [],
      pointId: 'e-main/energy_kwh',
      factor: 1,
      rolloverAt: 1_000_000,
      add: [],
      subtract: [],
      billing: true,
    });
    for (const meter of m.values()) expect(meter.parentId).toBeUndefined();
    // every electricity meter is a root, so every one is billed by default; water never is
    expect([...m.values()].map((x) => [x.id, x.billing])).toEqual([
      ['e-main', true],
      ['e-f1', true],
      ['e-hvac', true],
      ['w-main', false],
      ['w-garden', false],
    ]);
  });

  it('an explicit empty list means no meters', () => {
    expect(resolve([])).toEqual({ meters: [], errors: [] });
  });
});

describe('meters: medium, unit and factor from the asset', () => {
  it('electricity in Wh, kWh, MWh → kWh; water in L, m3 → m3', () => {
    const m = valid([
      { id: 'kwh', point: 'e-main/energy_kwh' },
      { id: 'wh', point: 'e-f1/energy_wh' },
      { id: 'mwh', point: 'e-hvac/energy_mwh' },
      { id: 'litres', point: 'w-main/volume_l' },
      { id: 'cubic', point: 'w-garden/volume_m3' },
    ]);
    const facts = (id: string) => {
      const x = m.get(id)!;
      return [x.medium, x.unit, x.factor, x.zoneId];
    };
    expect(facts('kwh')).toEqual(['electricity', 'kWh', 1, 'b1']);
    expect(facts('wh')).toEqual(['electricity', 'kWh', 0.001, 'b1-f1']);
    expect(facts('mwh')).toEqual(['electricity', 'kWh', 1000, 'b1']);
    expect(facts('litres')).toEqual(['water', 'm3', 0.001, 'b2']);
    expect(facts('cubic')).toEqual(['water', 'm3', 1, 'b2']);
    expect(m.get('wh')!.rolloverAt).toBeUndefined();
    expect(m.get('kwh')!.rolloverAt).toBe(1_000_000);
  });

  it('name and zone: the asset’s unless given; a counter on a non-meter asset with its medium given', () => {
    const m = valid([
      { id: 'a', name: 'Incomer A', point: 'e-main/energy_kwh', zone: 'b1-f1' },
      { id: 'chiller', point: 'chiller-1/energy_kwh', medium: 'electricity' },
      { id: 'gas', point: 'w-garden/volume_m3', medium: 'gas' }, // the medium given beats the asset kind
    ]);
    expect(m.get('a')).toMatchObject({ name: 'Incomer A', zoneId: 'b1-f1' });
    expect(m.get('chiller')).toMatchObject({
      name: 'Chiller 1',
      medium: 'electricity',
      unit: 'kWh',
      factor: 1,
      zoneId: 'b1',
    });
    expect(m.get('gas')).toMatchObject({ medium: 'gas', unit: 'm3', factor: 1, billing: false });
  });
});

describe('meters: the hierarchy with virtual meters', () => {
  // `plug` comes before the virtual meter it is built on: virtual meters resolve in dependency order.
  const CONFIG: MeterConfig[] = [
    { id: 'main', name: 'Main', point: 'e-main/energy_kwh' },
    { id: 'f1', point: 'e-f1/energy_wh', parent: 'main' },
    { id: 'hvac', point: 'e-hvac/energy_mwh', parent: 'main' },
    { id: 'chiller', point: 'chiller-1/energy_kwh', medium: 'electricity', parent: 'hvac' },
    { id: 'rest', name: 'Unmetered', add: ['main'], subtract: ['f1', 'hvac'], parent: 'main' },
    { id: 'plug', add: ['non-hvac'], subtract: ['f1'], parent: 'main' },
    { id: 'non-hvac', add: ['main'], subtract: ['hvac'] },
    { id: 'w', point: 'w-main/volume_l' },
    { id: 'garden', point: 'w-garden/volume_m3', parent: 'w' },
    { id: 'house', add: ['w'], subtract: ['garden'], parent: 'w', zone: 'b2' },
  ];

  it('physical and virtual meters, parents and children', () => {
    const m = valid(CONFIG);
    // physical meters first (in config order), then the virtual ones as they resolve
    expect([...m.keys()]).toEqual([
      'main',
      'f1',
      'hvac',
      'chiller',
      'w',
      'garden',
      'rest',
      'non-hvac',
      'plug',
      'house',
    ]);
    expect(m.get('main')!.children).toEqual(['f1', 'hvac', 'rest', 'plug']);
    expect(m.get('hvac')!.children).toEqual(['chiller']);
    expect(m.get('w')!.children).toEqual(['garden', 'house']);
    expect(m.get('chiller')!.parentId).toBe('hvac');
    expect(m.get('non-hvac')!.parentId).toBeUndefined();
    expect(m.get('rest')).toEqual({
      id: 'rest',
      name: 'Unmetered',
      medium: 'electricity',
      unit: 'kWh',
      zoneId: 'b1', // its first part's zone
      parentId: 'main',
      children: [],
      factor: 1,
      add: ['main'],
      subtract: ['f1', 'hvac'],
      billing: false,
    });
    expect(m.get('rest')!.pointId).toBeUndefined();
    // nested: plug = non-hvac − f1 = (main − hvac) − f1
    expect(m.get('plug')).toMatchObject({
      name: 'plug',
      medium: 'electricity',
      zoneId: 'b1',
      add: ['non-hvac'],
      subtract: ['f1'],
    });
    expect(m.get('house')).toMatchObject({ medium: 'water', unit: 'm3', zoneId: 'b2', parentId: 'w' });
  });

  it('billing: by default the physical electricity meters at the top; `billing:` overrides', () => {
    const m = valid(CONFIG);
    const billed = [...m.values()].filter((x) => x.billing).map((x) => x.id);
    // non-hvac is at the top but virtual; w is at the top but water
    expect(billed).toEqual(['main']);
    const o = valid([
      { ...MAIN, billing: false },
      { id: 'f1', point: 'e-f1/energy_wh', parent: 'main', billing: true },
      { id: 'rest', add: ['main'], subtract: ['f1'], billing: true },
    ]);
    expect([...o.values()].map((x) => [x.id, x.billing])).toEqual([
      ['main', false],
      ['f1', true],
      ['rest', true],
    ]);
  });
});

describe('meters: errors, each with its site-file path', () => {
  it('a point that does not exist', () => {
    expect(errorsOf([{ id: 'm', point: 'e-main/nope' }])).toEqual([
      'energy.meters[0].point: no point "e-main/nope" (expected asset-id/point-name)',
    ]);
    expect(errorsOf([MAIN, { id: 'm', point: 'energy_kwh' }])).toEqual([
      'energy.meters[1].point: no point "energy_kwh" (expected asset-id/point-name)',
    ]);
  });

  it('a point that is not a counter', () => {
    expect(errorsOf([{ id: 'm', point: 'e-main/power_kw' }])).toEqual([
      'energy.meters[0].point: e-main/power_kw is a measurement point; a meter reads a counter',
    ]);
  });

  it('a counter in a unit its medium does not count in', () => {
    expect(errorsOf([{ id: 'm', point: 'e-main/energy_kwh', medium: 'water' }])).toEqual([
      'energy.meters[0].point: e-main/energy_kwh is in "kWh"; a water meter counts in L, m3',
    ]);
    expect(errorsOf([{ id: 'm', point: 'w-garden/pump_kwh', medium: 'gas' }])).toEqual([
      'energy.meters[0].point: w-garden/pump_kwh is in "kWh"; a gas meter counts in L, m3',
    ]);
    // the water asset's kWh counter, without a medium: the asset says water
    expect(errorsOf([{ id: 'm', point: 'w-garden/pump_kwh' }])).toEqual([
      'energy.meters[0].point: w-garden/pump_kwh is in "kWh"; a water meter counts in L, m3',
    ]);
  });

  it('a counter on an asset that is no meter, without medium:', () => {
    expect(errorsOf([{ id: 'm', point: 'chiller-1/energy_kwh' }])).toEqual([
      'energy.meters[0].medium: cannot tell the medium: expected electricity, water or gas (medium:)',
    ]);
  });

  it('a meter that is neither physical nor virtual, or both', () => {
    expect(errorsOf([MAIN, { id: 'v', point: 'e-f1/energy_wh', add: ['main'] }])).toEqual([
      'energy.meters[1]: expected either point (a physical meter) or add/subtract (a virtual meter)',
    ]);
    expect(errorsOf([MAIN, { id: 'v', point: 'e-f1/energy_wh', subtract: [] }])).toEqual([
      'energy.meters[1]: expected either point (a physical meter) or add/subtract (a virtual meter)',
    ]);
    expect(errorsOf([{ id: 'v', name: 'Nothing' }])).toEqual([
      'energy.meters[0]: expected either point (a physical meter) or add/subtract (a virtual meter)',
    ]);
  });

  it('a virtual meter that adds nothing', () => {
    expect(errorsOf([MAIN, { id: 'v', add: [] }])).toContain(
      'energy.meters[1].add: expected at least one meter to add',
    );
    expect(errorsOf([MAIN, { id: 'v', subtract: ['main'] }])).toContain(
      'energy.meters[1].add: expected at least one meter to add',
    );
  });

  it('an unknown meter in add or subtract', () => {
    expect(errorsOf([MAIN, { id: 'v', add: ['main', 'nope'], subtract: ['gone'] }])).toEqual([
      'energy.meters[1].add[1]: no meter "nope"',
      'energy.meters[1].subtract[0]: no meter "gone"',
    ]);
  });

  it('a virtual meter of mixed media', () => {
    expect(errorsOf([MAIN, WATER, { id: 'v', add: ['main', 'w'] }])).toEqual([
      'energy.meters[2]: virtual meter "v" mixes electricity and water',
    ]);
    expect(errorsOf([MAIN, WATER, { id: 'v', add: ['main'], subtract: ['w'] }])).toEqual([
      'energy.meters[2]: virtual meter "v" mixes electricity and water',
    ]);
  });

  it('a virtual meter whose medium: differs from its parts', () => {
    expect(errorsOf([MAIN, { id: 'v', add: ['main'], medium: 'water' }])).toEqual([
      'energy.meters[1].medium: its parts are electricity meters',
    ]);
  });

  it('a virtual meter that refers to itself, directly or through another', () => {
    expect(errorsOf([MAIN, { id: 'v', add: ['main'], subtract: ['v'] }])).toEqual([
      'energy.meters[1]: virtual meter "v" refers to itself through v',
    ]);
    expect(errorsOf([MAIN, { id: 'a', add: ['main'], subtract: ['b'] }, { id: 'b', add: ['a'] }])).toEqual([
      'energy.meters[1]: virtual meter "a" refers to itself through a → b',
    ]);
  });

  it('a virtual meter with a part that cannot be built is not built: one error, at the cause', () => {
    expect(
      errorsOf([
        { id: 'v', add: ['nope'], medium: 'gas' },
        { id: 'w', add: ['v'] },
        { id: 'x', add: ['v'] },
      ]),
    ).toEqual(['energy.meters[0].add[0]: no meter "nope"']);
  });

  it('an unknown zone', () => {
    expect(
      errorsOf([
        { ...MAIN, zone: 'b9' },
        { id: 'v', add: ['main'], zone: 'b8' },
      ]),
    ).toEqual(['energy.meters[0].zone: no zone "b9"', 'energy.meters[1].zone: no zone "b8"']);
  });

  it('an unknown parent, a parent of another medium', () => {
    expect(errorsOf([{ ...MAIN, parent: 'site' }])).toEqual(['energy.meters[0].parent: no meter "site"']);
    expect(errorsOf([WATER, { ...MAIN, parent: 'w' }])).toEqual([
      'energy.meters[1].parent: "w" is a water meter; "main" is electricity',
    ]);
  });

  it('parents that form a loop', () => {
    const loop = resolve([
      { ...MAIN, parent: 'f1' },
      { id: 'f1', point: 'e-f1/energy_wh', parent: 'main' },
    ]);
    expect(loop.errors).toEqual(['energy.meters[0].parent: the parents of "main" form a loop']);
    // the loop is cut where it was found
    expect(loop.meters.find((x) => x.id === 'main')!.parentId).toBeUndefined();
    expect(loop.meters.find((x) => x.id === 'f1')!.parentId).toBe('main');
    expect(errorsOf([{ ...MAIN, parent: 'main' }])).toEqual([
      'energy.meters[0].parent: the parents of "main" form a loop',
    ]);
    expect(
      errorsOf([
        { ...MAIN, parent: 'c' },
        { id: 'b', point: 'e-f1/energy_wh', parent: 'main' },
        { id: 'c', point: 'e-hvac/energy_mwh', parent: 'b' },
      ]),
    ).toEqual(['energy.meters[0].parent: the parents of "main" form a loop']);
  });

  it('a duplicate id', () => {
    expect(errorsOf([MAIN, { id: 'main', point: 'e-f1/energy_wh' }])).toEqual([
      'energy.meters[1].id: duplicate meter id "main"',
    ]);
  });

  it('a thrower stops at the first error (how the app builds from a validated file)', () => {
    expect(() =>
      resolveMeters(withMeters([{ id: 'm', point: 'e-main/nope' }]), site, (path, message) => {
        throw new Error(`${formatPath(path)}: ${message}`);
      }),
    ).toThrow('energy.meters[0].point: no point "e-main/nope"');
  });
});

describe('a full energy section', () => {
  const FULL = `
site: { id: s1, name: Site one, timezone: Asia/Shanghai }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
devices: [{ id: gw, protocol: mqtt }]
schedules:
  - id: cn-2024
    weekly: { mon: ['00:00-24:00'], tue: ['00:00-24:00'], wed: ['00:00-24:00'], thu: ['00:00-24:00'], fri: ['00:00-24:00'] }
    holidays: ['2024-10-01', '2024-10-02', '2024-10-03']
    extraWorkdays: ['2024-10-12']
  - id: office
    weekly: { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'] }
assets:
  - { id: m-main, name: Main, kind: electricity-meter, zone: b1, device: gw, points: [{ name: power_kw, unit: kW }, { name: energy_kwh, unit: kWh, kind: counter }] }
  - { id: m-f1, name: Floor 1, kind: electricity-meter, zone: b1-f1, device: gw, points: [{ name: energy_wh, unit: Wh, kind: counter }] }
  - { id: w-main, name: Water, kind: water-meter, zone: b1, device: gw, points: [{ name: volume_l, unit: L, kind: counter }] }
  - { id: g-main, name: Gas, kind: gas-meter, zone: b1, device: gw, points: [{ name: volume_m3, unit: m3, kind: counter }] }
energy:
  calendar: cn-2024
  workingHours: office
  currency: CNY
  baselineWeeks: 6
  warmDays: 90
  meters:
    - { id: main, name: Main incomer, point: m-main/energy_kwh }
    - { id: f1, point: m-f1/energy_wh, parent: main }
    - { id: rest, name: Unmetered, add: [main], subtract: [f1], parent: main }
    - { id: water, point: w-main/volume_l }
    - { id: gas, point: g-main/volume_m3 }
  tariffs:
    electricity:
      prices: { sharp: 1.5, peak: 1.2, flat: 0.7, valley: 0.3 }
      holidayBand: valley
      demandChargePerKw: 38
      seasons:
        - name: summer
          months: [7, 8]
          periods:
            valley: ['00:00-08:00']
            flat: ['08:00-10:00', '12:00-14:00', '22:00-24:00']
            peak: ['10:00-11:00', '14:00-19:00', '21:00-22:00']
            sharp: ['11:00-12:00', '19:00-21:00']
        - name: rest
          months: [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]
          prices: { peak: 1.1 }
          periods: { valley: ['00:00-08:00'], flat: ['08:00-18:00', '22:00-24:00'], peak: ['18:00-22:00'] }
    water: { price: 4.1 }
    gas: { price: 3.2 }
  carbon: { electricity: 0.5703, water: 0.168, gas: 2.16 }
rules:
  - { id: waste, name: After-hours waste, target: { asset: m-main, point: energy_kwh }, condition: { type: after-hours, schedule: office, baselineKw: learned, tolerancePct: 25 } }
  - { id: budget, name: Daily budget, target: { asset: m-main, point: energy_kwh }, condition: { type: budget, period: day, limit: baseline, tolerancePct: 15 } }
`;

  it('loads clean, and resolves to the hierarchy it describes', () => {
    const full = parseSiteText(FULL, 'full-energy.yaml');
    const e = full.config.energy;
    expect(e).toMatchObject({ calendar: 'cn-2024', workingHours: 'office', baselineWeeks: 6, warmDays: 90 });
    expect(e.tariffs.electricity?.seasons.map((s) => s.name)).toEqual(['summer', 'rest']);
    expect(full.config.rules.map((r) => r.condition)).toMatchObject([
      { type: 'after-hours', baselineKw: 'learned', tolerancePct: 25 },
      { type: 'budget', limit: 'baseline', tolerancePct: 15 },
    ]);
    const errors: string[] = [];
    const m = resolveMeters(full.config, full, (path, message) =>
      errors.push(`${formatPath(path)}: ${message}`),
    );
    expect(errors).toEqual([]);
    expect(m.map((x) => [x.id, x.medium, x.parentId ?? null, x.billing])).toEqual([
      ['main', 'electricity', null, true],
      ['f1', 'electricity', 'main', false],
      ['water', 'water', null, false],
      ['gas', 'gas', null, false],
      ['rest', 'electricity', 'main', false],
    ]);
  });
});
