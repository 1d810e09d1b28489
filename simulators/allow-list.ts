import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CredentialType, DenyReason } from '../domains/visitors/gate-types.js';

/**
 * The gate's side of the offline allow-list the hub retains on `…/allowlist` (domains/visitors/allow-list.ts):
 *
 *   { version, gate, issuedAt, validUntil, entries: [{ h, from?, until, gates? }], sig }
 *
 * `h` = HMAC-SHA256(gate key, '<type>:<value>') in lowercase hex: type `qr` with the tag of a pass's QR
 * `FH2:<code>.<tag>` (the part after the dot), or `card` with a badge number; `sig` = HMAC-SHA256(gate key,
 * JSON of the list without `sig`). The gate key is provisioned into the controller once
 * (`GET /api/v1/gates/:id/allowlist-key`, hex); without it the list is of no use. A typed code, an `FH1:` QR
 * (the code alone) and an ID card have no entry: offline, the gate refuses them as `hub-unreachable`.
 */
export function allowListKey(gateKey: Buffer, type: 'qr' | 'card', value: string): string {
  return createHmac('sha256', gateKey).update(`${type}:${value}`, 'utf8').digest('hex');
}

const QR_PREFIX = 'FH2:';
const LEGACY_QR_PREFIX = 'FH1:';

/** One allowed credential: from and until when (ms UTC) and, when given, only at these gates. */
export interface AllowListEntry {
  from?: number;
  until: number;
  gates?: string[];
}

export interface AllowList {
  version: number;
  issuedAt: number;
  validUntil: number;
  /** By `h`. */
  entries: Map<string, AllowListEntry>;
  key: Buffer;
}

/** ms UTC from a number or an ISO date; NaN otherwise. */
function ms(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' ? Date.parse(v) : Number.NaN;
}

/**
 * Check and read a retained allow-list: it must be signed with this gate's key and name this gate. An empty
 * payload (the retained message cleared) is no list and no problem.
 */
export function parseAllowList(
  payload: Buffer,
  gateKey: Buffer | undefined,
  gateId: string,
): { list?: AllowList; problem?: string } {
  if (payload.length === 0) return {};
  if (!gateKey) return { problem: 'no gate key provisioned: the allow-list cannot be checked' };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    return { problem: 'allow-list is not JSON' };
  }
  const { sig, ...signed } = raw;
  const expected = createHmac('sha256', gateKey).update(JSON.stringify(signed)).digest();
  const given = typeof sig === 'string' && /^[0-9a-f]{64}$/i.test(sig) ? Buffer.from(sig, 'hex') : undefined;
  if (!given || !timingSafeEqual(given, expected)) return { problem: 'allow-list signature does not verify' };
  if (raw.gate !== undefined && raw.gate !== gateId)
    return { problem: `allow-list is for gate ${String(raw.gate)}` };
  if (!Array.isArray(raw.entries)) return { problem: 'allow-list has no entries array' };
  const entries = new Map<string, AllowListEntry>();
  for (const e of raw.entries as Record<string, unknown>[]) {
    if (typeof e?.h !== 'string') continue;
    const gates = Array.isArray(e.gates)
      ? e.gates.filter((g): g is string => typeof g === 'string')
      : undefined;
    entries.set(e.h.toLowerCase(), {
      from: e.from === undefined ? undefined : ms(e.from),
      until: ms(e.until),
      gates,
    });
  }
  return {
    list: {
      version: Number(raw.version) || 0,
      issuedAt: ms(raw.issuedAt),
      validUntil: ms(raw.validUntil),
      entries,
      key: gateKey,
    },
  };
}

/**
 * The credential as the list hashes it: a QR by its tag, a badge by its number. A typed code, an `FH1:` QR
 * and an ID card need the hub (their entry would give away the code: 10^8 codes are soon tried).
 */
function listed(credential: {
  type: CredentialType;
  value: string;
}): { type: 'qr' | 'card'; value: string } | 'hub-only' | undefined {
  const { type, value } = credential;
  if (type === 'card') return { type, value };
  if (type === 'code' || type === 'id') return 'hub-only';
  const prefix = value.slice(0, 4).toUpperCase();
  if (prefix === LEGACY_QR_PREFIX) return 'hub-only';
  const dot = value.indexOf('.');
  if (prefix === QR_PREFIX && dot > 0) return { type: 'qr', value: value.slice(dot + 1) };
  return undefined;
}

/**
 * The gate's own answer while the hub is unreachable. Leaving needs a listed credential but not a current
 * one (nobody is trapped by an entry that ran out while inside); entering needs the entry's window.
 */
export function decideFromAllowList(
  list: AllowList | undefined,
  credential: { type: CredentialType; value: string },
  gateId: string,
  direction: 'in' | 'out',
  now: number,
): { decision: 'open' | 'deny'; reason?: DenyReason } {
  const c = listed(credential);
  if (c === 'hub-only') return { decision: 'deny', reason: 'hub-unreachable' };
  // no list, or one past its validity: the gate knows nobody
  if (!list || !(now < list.validUntil)) return { decision: 'deny', reason: 'unknown' };
  const entry = c && list.entries.get(allowListKey(list.key, c.type, c.value));
  if (!entry) return { decision: 'deny', reason: 'unknown' };
  if (entry.gates && !entry.gates.includes(gateId)) return { decision: 'deny', reason: 'wrong-gate' };
  if (direction === 'in') {
    if (entry.from !== undefined && now < entry.from) return { decision: 'deny', reason: 'not-yet-valid' };
    if (!(now < entry.until)) return { decision: 'deny', reason: 'expired' };
  }
  return { decision: 'open' };
}
