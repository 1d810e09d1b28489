import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../core/config/load-config.js';
import type { SiteModel } from '../core/model/site-model.js';
import { parseSiteText } from '../hub/site-file.js';

// biome-ignore lint/suspicious/noExplicitAny: the site file's YAML, edited by path
type Yaml = Record<string, any>;

/**
 * The demo site (config/demo-site.yaml) with its data dir moved, and its `control:` section as written (for the
 * history, which acts it out). Keys of `control:` the schema does not know yet (a part of the control domain not
 * merged) are left out of the site model, never out of `control`.
 */
export function demoSite(
  dataDir: string,
  edit: (raw: Yaml) => void = () => {},
): { site: SiteModel; control: Record<string, unknown>; dropped: string[] } {
  const raw = parse(readFileSync('config/demo-site.yaml', 'utf8')) as Yaml;
  raw.hub.dataDir = dataDir;
  raw.hub.logLevel = 'silent';
  edit(raw);
  const control = structuredClone(raw.control ?? {}) as Record<string, unknown>;
  const dropped: string[] = [];
  for (;;) {
    try {
      return { site: parseSiteText(stringify(raw), 'demo-site.yaml'), control, dropped };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const unknown = err.errors
        .map((e) => /^control\.(\w+): unknown key/.exec(e)?.[1])
        .filter((k): k is string => !!k && k in (raw.control ?? {}));
      if (!unknown.length) throw err;
      for (const k of unknown) {
        delete raw.control[k];
        dropped.push(k);
      }
    }
  }
}
