import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteFile, parseSiteText } from '../../hub/site-file.js';
import { PointTransforms } from '../devices/transform.js';
import { ConfigError } from './load-config.js';

const corpusDir = join(import.meta.dirname, '../../test/config-corpus');
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.yaml'));

function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseSiteText(text, 'site.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected the file to be rejected');
}

describe('site file errors: every broken file in the corpus names each failing path', () => {
  it('has a corpus', () => expect(corpus.length).toBeGreaterThanOrEqual(12));

  for (const file of corpus) {
    it(file, () => {
      const text = readFileSync(join(corpusDir, file), 'utf8');
      const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]!);
      expect(expected.length, 'the file states what it expects').toBeGreaterThan(0);
      const errors = errorsOf(text);
      for (const line of expected) {
        expect(
          errors.some((e) => e.startsWith(line)),
          `expected "${line}" among:\n${errors.join('\n')}`,
        ).toBe(true);
      }
    });
  }
});

describe('site file loading', () => {
  it('loads the demo site', async () => {
    const site = await loadSiteFile(join(import.meta.dirname, '../../config/demo-site.yaml'), {});
    expect(site.assets.length).toBeGreaterThan(20);
    const kinds = new Set(site.assets.map((a) => a.kind));
    for (const kind of [
      'electricity-meter',
      'water-meter',
      'chiller',
      'ahu',
      'pump',
      'elevator',
      'gate',
      'env-sensor',
    ])
      expect(kinds).toContain(kind);
    expect(site.zones.filter((z) => z.kind === 'building')).toHaveLength(2);
    expect(site.pointById.get('b1-f1-env/temp_c')?.deviceId).toBe('env-b1-f1');
  });

  it('applies environment overrides and names the variable when one is wrong', () => {
    const text = readFileSync(join(import.meta.dirname, '../../config/demo-site.yaml'), 'utf8');
    const site = parseSiteText(text, 'demo.yaml', {
      HUB_HTTP_PORT: '9999',
      HUB_DATA_DIR: '/var/lib/hub',
      HUB_MQTT_PASSWORD: 's3cret',
    });
    expect(site.hub.http.port).toBe(9999);
    expect(site.hub.dataDir).toBe('/var/lib/hub');
    expect(site.mqtt.password).toBe('s3cret');
    expect(errorsOf(text, { HUB_HTTP_PORT: 'eighty' })).toEqual([
      'hub.http.port: expected an integer 0–65535, got "eighty" (from HUB_HTTP_PORT)',
    ]);
  });

  it('refuses a YAML alias bomb ("billion laughs") with a ConfigError', () => {
    // Found by fuzzing: the yaml package's ReferenceError from doc.toJS() escaped as a crash.
    const bomb = [
      'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(errorsOf(bomb)).toEqual(['YAML: Excessive alias count indicates a resource exhaustion attack']);
  });

  it('reports an alias to an anchor that is not (yet) defined as a ConfigError', () => {
    // Found by fuzzing: a mistyped alias threw the yaml package's ReferenceError instead.
    expect(errorsOf('site: { id: s, name: *nowhere }\nzones: [{ id: z, name: Z }]')).toEqual([
      'YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
    ]);
    expect(errorsOf('site: *a\nzones: &a [{ id: z, name: Z }]')).toEqual([
      'YAML: Unresolved alias (the anchor must be set before the alias): a',
    ]);
  });

  it('reports an unreadable file', async () => {
    await expect(loadSiteFile('/nonexistent/site.yaml')).rejects.toThrow(/cannot read the site file/);
  });

  it('composes scale, offset and unit conversion into one transform', () => {
    const site = parseSiteText(
      `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
assets:
  - id: m
    name: Meter
    kind: electricity-meter
    zone: z
    points:
      - { name: energy_kwh, unit: kWh, sourceUnit: Wh, scale: 10 }
      - { name: temp_c, unit: degC, sourceUnit: degF }
`,
      's.yaml',
    );
    const transforms = new PointTransforms(site);
    expect(transforms.forward(site.pointById.get('m/energy_kwh')!, 1234)).toBeCloseTo(12.34);
    expect(transforms.forward(site.pointById.get('m/temp_c')!, 212)).toBeCloseTo(100);
  });

  it('the hub exits with status 2 on an invalid file and starts nothing', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../hub/main.ts'), join(corpusDir, 'bad-port.yaml')],
      {
        encoding: 'utf8',
        env: { ...process.env, HUB_HTTP_PORT: '', HUB_LOG_LEVEL: 'info' },
        timeout: 20_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('hub.http.port: expected an integer 0–65535, got 70000');
    expect(result.stdout).not.toContain('hub started');
  });
});
