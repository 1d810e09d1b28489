import { createHmac } from 'node:crypto';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';
import type { BusinessCalendar } from '../../core/time/business-time.js';
import { subKey } from './code-seal.js';
import { type BadgeFacts, decide, type PassFacts, type Verdict } from './gate-decider.js';
import { EntryHolds, holderOf } from './gate-reservations.js';
import type { Gate } from './gate-service.js';
import type { GateStore } from './gate-store.js';
import type { CredentialType } from './gate-types.js';
import { parseQr, qrTagMatches } from './pass-qr.js';
import { keyedHash } from './privacy.js';
import type { VisitorsConfig } from './visitor-schema.js';

/** Beyond the door-open time, how long an open decision holds its entry for the passage report to arrive. */
export const HOLD_MARGIN_MS = 5_000;

type Credential = { type: CredentialType; value: string };

/**
 * What the hub knows about a credential at a gate now: the pass or badge it names (a QR only with its pass's
 * tag), the entries held by open decisions whose passage is not reported yet (gate-reservations.ts), and the
 * decider's answer. Also the keyed hash each decision keeps of its credential, to tell a retry from a replay.
 */
export class GateVerdicts {
  /** Entries held by open decisions until their passage or the door time. */
  readonly holds: EntryHolds;
  /** A badge's zones (its JSON list) → them and their sub-zones. */
  private readonly badgeZones = new Map<string, ReadonlySet<string>>();
  private readonly credentialKey: Buffer;

  constructor(
    private readonly store: GateStore,
    private readonly deps: {
      site: SiteModel;
      config: VisitorsConfig;
      key: Buffer;
      calendars: ReadonlyMap<string, BusinessCalendar>;
    },
  ) {
    this.holds = new EntryHolds(deps.config.doorOpenSeconds * 1_000 + HOLD_MARGIN_MS);
    this.credentialKey = subKey(deps.key, 'gate-credential');
  }

  verdict(gate: Gate, scan: { credential: Credential; direction: 'in' | 'out' }, now: number): Verdict {
    const { key, config } = this.deps;
    const { type, value } = scan.credential;
    const found: { pass?: PassFacts; badge?: BadgeFacts } = {};
    if (type === 'card') found.badge = this.badgeFacts(keyedHash(key, 'badge', value), now);
    if (type === 'id') found.pass = this.store.passByIdHash(keyedHash(key, 'id', value), now);
    if (type === 'code') found.pass = this.store.passByCodeHash(keyedHash(key, 'code', value));
    if (type === 'qr') found.pass = this.passOfQr(value);
    if (found.pass) found.pass = this.withHolds(found.pass, now);
    return decide({ type, gateId: gate.id, gateZone: gate.zone, direction: scan.direction, now }, found, {
      antiPassback: config.antiPassback,
      earlyMs: config.pass.earlyMinutes * 60_000,
    });
  }

  /** Hold the entry an open decision gives, until its passage (release) or the door time. */
  hold(verdict: Verdict, gateId: string, nonce: string, direction: 'in' | 'out', now: number): void {
    const holder = holderOf(verdict.passId, verdict.badgeId);
    if (verdict.decision === 'open' && direction === 'in' && holder)
      this.holds.hold(holder, gateId, nonce, now);
  }

  /** A passage ends the hold of its scan (or, naming no scan, its holder's oldest at that gate). */
  passed(gateId: string, nonce: string | undefined, passId?: number, badgeId?: number): void {
    const holder = holderOf(passId, badgeId);
    if (nonce) this.holds.release(gateId, nonce);
    else if (holder) this.holds.releaseOldest(holder, gateId);
  }

  /** HMAC of the credential's type and exact value, kept with each decision. */
  credentialHash(c: Credential): string {
    return createHmac('sha256', this.credentialKey).update(`${c.type}\0${c.value}`).digest('hex');
  }

  /** A QR's pass: `FH2:` only with its pass's tag (a code in a made-up QR is no QR); `FH1:` is the code. */
  private passOfQr(value: string): PassFacts | undefined {
    const qr = parseQr(value);
    if (!qr?.code) return undefined;
    const pass = this.store.passByCodeHash(keyedHash(this.deps.key, 'code', qr.code));
    if (!pass || qr.tag === undefined) return pass;
    return qrTagMatches(this.deps.key, pass.id, qr.code, qr.tag) ? pass : undefined;
  }

  /**
   * An entry held by an open decision whose passage is not reported yet counts as used, and its visitor as
   * inside: another gate refuses the same pass in, and lets them out (nobody is trapped by a late report).
   */
  private withHolds(pass: PassFacts, now: number): PassFacts {
    const held = this.holds.held(holderOf(pass.id)!, now);
    return held ? { ...pass, entriesUsed: pass.entriesUsed + held, inside: true } : pass;
  }

  private badgeFacts(hash: string, now: number): BadgeFacts | undefined {
    const b = this.store.badge(hash);
    if (!b) return undefined;
    // a handful of distinct lists: each expanded to its sub-zones once, not at every scan
    let zones = this.badgeZones.get(b.zones);
    if (!zones) {
      const expanded = new Set<string>();
      for (const z of JSON.parse(b.zones) as string[])
        for (const s of zoneSubtree(this.deps.site.zones, z)) expanded.add(s);
      this.badgeZones.set(b.zones, expanded);
      zones = expanded;
    }
    return {
      id: b.id,
      holder: b.holder,
      zones,
      schedule: b.schedule ? this.deps.calendars.get(b.schedule) : undefined,
      // a badge let in whose passage is not reported yet is inside for anti-passback
      inside: b.inside === 1 || this.holds.held(holderOf(undefined, b.id)!, now) > 0,
      disabled: b.disabled === 1,
    };
  }
}
