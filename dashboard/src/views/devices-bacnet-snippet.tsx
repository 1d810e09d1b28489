import { useRef, useState } from 'preact/hooks';
import type { BacnetDiscoveredDevice, BacnetValue } from '../hub-types.js';
import { isBinary, isCommandable, isPointObject } from './devices-bacnet-model.js';
import { bt } from './devices-bacnet-text.js';

/**
 * A discovered device as a site file's lines (README, "BACnet devices"): the `devices:` entry (instance,
 * address) and an asset with a point per object that has a present value (name, unit, object; `type:
 * boolean` for binary objects). Whether a point is a command is the user's to decide: objects that take
 * commands say so in a comment. Ids and names are made valid for the site file and unique.
 */

const RESERVED = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);

/** A YAML scalar: plain when it is safe in a flow mapping, else double-quoted (JSON's quoting is YAML's). */
export function yamlScalar(s: string): string {
  return /^[A-Za-z_][\w.:/-]*$/.test(s) && !/:$/.test(s) && !RESERVED.has(s.toLowerCase())
    ? s
    : JSON.stringify(s);
}

/** An id of the site file (lower-case letters, digits, - and _; at most 64, here leaving room for `-ctl`). */
function slugId(text: string | undefined, fallback: string): string {
  const s = (text ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 56);
  return s || fallback;
}

/** A point name (`^[a-z][a-z0-9_]{0,63}$`), unique among `taken`. */
function pointName(name: string, object: string, taken: Set<string>): string {
  let base = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!base) base = object.replace(/[^a-z0-9]+/g, '_');
  if (!/^[a-z]/.test(base)) base = `p_${base}`;
  base = base.slice(0, 60);
  let name1 = base;
  for (let i = 2; taken.has(name1); i++) name1 = `${base}_${i}`;
  taken.add(name1);
  return name1;
}

/** A comment's text on one line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

function valueNote(v: BacnetValue | undefined, binary: boolean): string {
  if (v === undefined || v === null) return '';
  if (binary && (typeof v === 'boolean' || typeof v === 'number'))
    return ` = ${bt(v ? 'active' : 'inactive')}`;
  if (typeof v === 'number') return ` = ${Number.isInteger(v) ? v : Number(v.toFixed(3))}`;
  if (typeof v === 'boolean' || typeof v === 'string') return ` = ${oneLine(String(v)).slice(0, 40)}`;
  return '';
}

/** The device's address as the site file writes it (plain, as in the README): BACnet's own port left out. */
function siteAddress(address: string): string {
  const a = address.replace(/:47808$/, '');
  return /^[\w.-]+(:\d{1,5})?$/.test(a) && !/^[\d_]*\.?[\d_]*$/.test(a) ? a : JSON.stringify(a);
}

export function siteSnippet(d: BacnetDiscoveredDevice): string {
  const assetId = slugId(d.name, `bacnet-${d.deviceId}`);
  const deviceId = `${assetId}-ctl`;
  const lines = [
    'devices:',
    `  - { id: ${deviceId}, protocol: bacnet, instance: ${d.deviceId}, address: ${siteAddress(d.address)} }`,
    'assets:',
    `  - id: ${assetId}`,
    `    name: ${yamlScalar(d.name ?? `BACnet device ${d.deviceId}`)}`,
    `    kind: generic # ${bt('yamlKind')}`,
    `    zone: your-zone # ${bt('yamlZone')}`,
    `    device: ${deviceId}`,
    '    points:',
  ];
  const taken = new Set<string>();
  const points = d.objects.filter((o) => isPointObject(o.object));
  for (const o of points) {
    const fields = [
      `name: ${pointName(o.name, o.object, taken)}`,
      ...(o.unit && !isBinary(o.object) ? [`unit: ${yamlScalar(o.unit)}`] : []),
      ...(isBinary(o.object) ? ['type: boolean'] : []),
      `object: ${o.object}`,
    ];
    const note = [
      `${oneLine(o.objectName ?? '')}${valueNote(o.presentValue, isBinary(o.object))}`.trim(),
      isCommandable(o.object) ? bt('yamlCommand') : '',
    ].filter(Boolean);
    lines.push(`      - { ${fields.join(', ')} }${note.length ? ` # ${note.join(' · ')}` : ''}`);
  }
  // an asset needs a point: a device with none keeps a line to fill in
  if (!points.length) lines.push('      [] # no objects with a present value');
  const others = d.objects.filter((o) => !isPointObject(o.object)).map((o) => o.object);
  if (others.length) lines.push(`      # ${bt('yamlLeftOut')}: ${others.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The snippet with a copy button (the clipboard where the page may use it, else the text selected). */
export function SnippetBox({ text, name }: { text: string; name: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<'copied' | 'select'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
      return;
    } catch {
      // http on a LAN address is no secure context: no clipboard API
    }
    const range = document.createRange();
    if (pre.current) range.selectNodeContents(pre.current);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    setCopied('select');
  };
  return (
    <div class="dv-snippet">
      <div class="dv-snippet-head">
        <h3 class="dv-snippet-title">{bt('snippet')}</h3>
        {copied && (
          <small class="muted" data-copied={copied}>
            {bt(copied === 'copied' ? 'copied' : 'copySelect')}
          </small>
        )}
        <button type="button" class="btn btn-small" data-action="copy" onClick={copy}>
          {bt('copy')}
        </button>
      </div>
      <pre class="mono" data-snippet={name} ref={pre}>
        {text}
      </pre>
      <p class="muted dv-hint">{bt('snippetHint')}</p>
    </div>
  );
}
