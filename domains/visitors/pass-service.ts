import { randomInt } from 'node:crypto';
import { personActor, SYSTEM } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import { DomainError, forbidden, invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { permissionsOf } from '../../platform/security/roles.js';
import type { UserStore } from '../../platform/security/user-store.js';
import { sealCode } from './code-seal.js';
import { parseQr, passQr } from './pass-qr.js';
import {
  checkPassAction,
  type PassAction,
  type PassActor,
  type PassPolicy,
  passActions,
} from './pass-state.js';
import type { PassQuery, PassStore, PassUpdate } from './pass-store.js';
import { type PassRow, type PassView, toPassView } from './pass-types.js';
import { keyedHash, maskId, maskPhone, normalise, signLink, verifyLink } from './privacy.js';
import { visitorCsv } from './visitor-export.js';
import type { VisitorsConfig } from './visitor-schema.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const CODE_TRIES = 10;
const EXPORT_MAX_ROWS = 100_000;

/** The hub acting on its own (a pass issued at registration by policy). */
export const HUB_ACTOR: PassActor = {
  username: 'system',
  permissions: new Set(['passes:manage']),
  via: 'system',
};

export interface Registration {
  name: string;
  phone: string;
  idNumber?: string;
  company?: string;
  /** The username of the person visited. */
  host: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
  /** Default visitors.pass.maxEntries; 0: any number within the window. */
  maxEntries?: number;
  /** Gate asset ids; default every visitor gate. */
  gates?: string[];
}

/** A pass with its code: returned once, to whoever caused the issue; only the code's hash is kept. */
export interface Issued {
  pass: PassView;
  code: string;
  qr: string;
}

/** A signed link that is not ours (invalid), was altered (forbidden), expired, or whose host can no longer act. */
function linkRefused(reason: 'malformed' | 'tampered' | 'expired' | 'host-disabled'): DomainError {
  switch (reason) {
    case 'malformed':
      return invalid('this is not an approval link');
    case 'tampered':
      return forbidden('this approval link is not valid (altered, or not from this hub)');
    case 'expired':
      return new DomainError(
        'expired',
        'this approval link has expired; approve or decline in the dashboard',
      );
    case 'host-disabled':
      return forbidden("the host's account is disabled");
  }
}

/**
 * Visitor passes: registration, the host's decision, revocation and cancellation, the code issued once, and
 * the retention purge. Writes the audit log for every person's step and announces `pass.requested`,
 * `pass.decided` and `pass.revoked`. The gate engine reads passes through passByCodeHash and activePasses and
 * counts entries through recordEntry. The only writer of `visitors` and `passes`.
 */
export class PassService {
  private readonly earlyMs: number;
  /** Kiosks and self-hosting (visitors.kiosks, visitors.pass.selfHostAllowed): pass-state.ts applies them. */
  private readonly policy: PassPolicy;

  constructor(
    readonly store: PassStore,
    private readonly deps: {
      config: VisitorsConfig;
      /** Gate asset ids a pass may name. */
      gates: ReadonlySet<string>;
      key: Buffer;
      users: UserStore;
      bus: EventBus;
      clock: Clock;
      audit: AuditLog;
      log: Logger;
      /**
       * A code was issued: the one moment it exists in clear (the notify actions that hand it to the visitor).
       * Called after the commit and before `pass.decided`; a throw is logged, the approval stands.
       */
      onIssued?: (issued: Issued) => void;
      /** Tests: draw codes from here (default crypto.randomInt, 8 digits). */
      drawCode?: () => string;
    },
  ) {
    this.earlyMs = deps.config.pass.earlyMinutes * MIN;
    this.policy = {
      kiosks: new Set(deps.config.kiosks),
      selfHostAllowed: deps.config.pass.selfHostAllowed,
    };
  }

  // ─── for the gate engine ──────────────────────────────────────────────────────────────────────────────

  /** The keyed hash of the code in what a gate read: a code (`12345678`) or its QR (`FH2:12345678.<tag>`). */
  codeHash(credential: string): string {
    return keyedHash(this.deps.key, 'code', parseQr(credential)?.code ?? credential.trim());
  }

  /** The pass holding this code hash, in any state (the engine says why it denies). */
  passByCodeHash(codeHash: string): PassRow | undefined {
    return this.store.byCodeHash(codeHash);
  }

  /** A passage through a gate: in counts an entry and marks the visitor inside; out marks them outside. */
  recordEntry(passId: number, direction: 'in' | 'out'): void {
    this.store.recordEntry(passId, direction);
  }

  /** Approved passes whose window is not over at `now` (the gates' allow-list). */
  activePasses(now: number): PassRow[] {
    return this.store.active(now);
  }

  /**
   * Erase the personal fields (name, masked and hashed phone and ID, company) of visitors past
   * visitors.retentionDays, unless a pass of theirs may still open a gate. Returns how many were erased.
   */
  purge(now: number): number {
    const n = this.store.purge(now);
    if (n > 0) {
      this.deps.audit.record(SYSTEM, { action: 'visitors.purged', detail: `${n} visitor record(s)` });
      this.deps.log.info({ visitors: n }, 'visitor records past retention erased');
    }
    return n;
  }

  // ─── registration and decisions ───────────────────────────────────────────────────────────────────────

  view(row: PassRow): PassView {
    return toPassView(row, this.earlyMs);
  }

  get(id: number): PassView | undefined {
    const row = this.store.get(id);
    return row && this.view(row);
  }

  mustGet(id: number): PassView {
    const p = this.get(id);
    if (!p) throw notFound('pass', id);
    return p;
  }

  /** The pass if this person may see it; not found alike for one that does not exist and one that is not theirs. */
  visible(id: number, who: PassActor): PassView {
    const p = this.get(id);
    if (!p || !this.visibleTo(p, who)) throw notFound('pass', id);
    return p;
  }

  /** Security sees every pass; anyone else the passes they host or registered. */
  visibleTo(p: PassView, who: PassActor): boolean {
    return who.permissions.has('passes:manage') || p.host === who.username || p.createdBy === who.username;
  }

  list(q: Omit<PassQuery, 'involving'>, who: PassActor): PassView[] {
    const involving = who.permissions.has('passes:manage') ? undefined : who.username;
    return this.store.list({ ...q, involving }).map((r) => this.view(r));
  }

  actionsFor(p: PassView, who: PassActor): PassAction[] {
    return passActions(p, who, this.deps.clock.now(), this.policy);
  }

  /** A visitor registers (a host's form, a kiosk): waits for the host, or is issued at once by policy. */
  register(who: PassActor, r: Registration): { pass: PassView; code?: string; qr?: string } {
    const { config, clock } = this.deps;
    const now = clock.now();
    const host = this.deps.users.findByName(r.host.trim());
    if (!host || host.disabled) throw invalid(`no active user "${r.host}" to be the host`);
    if (this.policy.kiosks.has(host.username))
      throw invalid(`"${host.username}" is a kiosk (visitors.kiosks) and cannot be a visitor's host`);
    if (r.validUntil <= r.validFrom) throw invalid('validUntil must be after validFrom');
    if (r.validUntil - r.validFrom > config.pass.maxDays * DAY)
      throw invalid(`the window is longer than ${config.pass.maxDays} day(s) (visitors.pass.maxDays)`);
    if (r.validUntil <= now) throw invalid('the window is already over');
    const unknown = (r.gates ?? []).filter((g) => !this.deps.gates.has(g));
    if (unknown.length)
      throw invalid(
        `no visitor gate ${unknown.map((g) => `"${g}"`).join(', ')}; gates: ${[...this.deps.gates].join(', ') || 'none'}`,
      );
    const phone = normalise(r.phone);
    if (!/^\+?\d{5,20}$/.test(phone)) throw invalid('phone: expected 5–20 digits, optionally with +');
    const idNumber = r.idNumber === undefined ? undefined : normalise(r.idNumber);
    if (idNumber !== undefined && !/^[0-9A-Z]{4,32}$/.test(idNumber))
      throw invalid('idNumber: expected 4–32 letters and digits');
    const { key } = this.deps;
    const auto = !config.requireHostApproval;
    const id = this.store.transaction(() => {
      const visitorId = this.store.insertVisitor({
        name: r.name.trim(),
        phone_masked: maskPhone(phone),
        phone_hash: keyedHash(key, 'phone', phone),
        id_masked: idNumber === undefined ? null : maskId(idNumber),
        id_hash: idNumber === undefined ? null : keyedHash(key, 'id', idNumber),
        company: r.company?.trim() || null,
        created_at: now,
        purge_after: now + config.retentionDays * DAY,
      });
      return this.store.insertPass({
        visitor_id: visitorId,
        host: host.username,
        purpose: r.purpose.trim(),
        state: 'requested',
        valid_from: r.validFrom,
        valid_until: r.validUntil,
        max_entries: r.maxEntries ?? config.pass.maxEntries,
        gates: r.gates ? JSON.stringify([...new Set(r.gates)]) : null,
        created_at: now,
        created_by: who.username,
      });
    });
    this.deps.audit.record(personActor(who), {
      action: 'pass.registered',
      target: String(id),
      detail: `host ${host.username}`,
    });
    this.deps.log.info({ pass: id, host: host.username, by: who.username }, 'visitor registered');
    if (auto) return this.act(id, 'approve', HUB_ACTOR, 'approval not required by policy') as Issued;
    const pass = this.mustGet(id);
    this.deps.bus.emit('pass.requested', { pass });
    return { pass };
  }

  approve(id: number, who: PassActor, comment?: string, detail?: string): Issued {
    return this.act(id, 'approve', who, comment, detail) as Issued;
  }

  decline(id: number, who: PassActor, comment?: string, detail?: string): PassView {
    return this.act(id, 'decline', who, comment, detail).pass;
  }

  revoke(id: number, who: PassActor, comment?: string): PassView {
    return this.act(id, 'revoke', who, comment).pass;
  }

  cancel(id: number, who: PassActor, comment?: string): PassView {
    return this.act(id, 'cancel', who, comment).pass;
  }

  // ─── the host's signed link ───────────────────────────────────────────────────────────────────────────

  /** A link token for the host to approve or decline without logging in, valid approvalLinkHours. */
  approvalLink(p: PassView): { token: string; url?: string; expiresAt: number } {
    const expiresAt = this.deps.clock.now() + this.deps.config.approvalLinkHours * HOUR;
    // only the id: the link acts as the pass's host, whoever that is; short enough for a path parameter
    const token = signLink(this.deps.key, { pass: p.id }, expiresAt);
    const base = this.deps.config.publicUrl?.replace(/\/+$/, '');
    return { token, url: base ? `${base}/api/v1/passes/link/${token}` : undefined, expiresAt };
  }

  /** The pass a link is for, and the host it acts as; refuses a link that is not good, or a missing pass. */
  openLink(token: string): { pass: PassView; host: PassActor; expiresAt: number } {
    const check = verifyLink(this.deps.key, token, this.deps.clock.now());
    if (!check.ok) throw linkRefused(check.reason);
    const id = check.payload.pass;
    if (typeof id !== 'number') throw linkRefused('malformed');
    const pass = this.mustGet(id);
    const user = this.deps.users.findByName(pass.host);
    if (!user || user.disabled) throw linkRefused('host-disabled');
    return {
      pass,
      host: { username: user.username, permissions: permissionsOf(user.roles), via: 'system' },
      expiresAt: check.expiresAt,
    };
  }

  /** The host's decision through the link: audited as the host, via the system, "signed link". */
  decideByLink(
    token: string,
    decision: 'approve' | 'decline',
    ip?: string,
  ): { pass: PassView; code?: string; qr?: string } {
    const { pass, host } = this.openLink(token);
    return this.act(pass.id, decision, { ...host, ip }, undefined, 'signed link');
  }

  // ─── export ───────────────────────────────────────────────────────────────────────────────────────────

  /** Visitor records whose window overlaps [from, to) (open bounds: all) as CSV, masked fields only; audited. */
  exportCsv(who: PassActor, from?: number, to?: number): string {
    if (from !== undefined && to !== undefined && to <= from) throw invalid('to must be after from');
    const rows = this.store
      .list({ from, to, limit: EXPORT_MAX_ROWS })
      .map((r) => this.view(r))
      .reverse();
    const bound = (ms: number | undefined) => (ms === undefined ? '…' : new Date(ms).toISOString());
    this.deps.audit.record(personActor(who), {
      action: 'visitors.exported',
      detail: `${rows.length} pass(es) overlapping ${bound(from)} – ${bound(to)}`,
    });
    return visitorCsv(rows);
  }

  // ─── the one place a pass changes state ───────────────────────────────────────────────────────────────

  private act(
    id: number,
    action: PassAction,
    who: PassActor,
    comment?: string,
    detail?: string,
  ): { pass: PassView; code?: string; qr?: string } {
    const before = this.mustGet(id);
    const now = this.deps.clock.now();
    const to = checkPassAction(before, action, who, now, this.policy);
    const note = comment?.trim() || null;
    let code: string | undefined;
    this.store.transaction(() => {
      const fields: PassUpdate = { state: to };
      if (action === 'approve' || action === 'decline')
        Object.assign(fields, { decided_at: now, decided_by: who.username, decision_comment: note });
      else Object.assign(fields, { revoked_at: now, revoked_by: who.username });
      this.store.update(id, fields);
      if (action === 'approve') code = this.issueCode(id);
    });
    const pass = this.mustGet(id);
    if (who.via !== 'system' || detail)
      this.deps.audit.record(personActor(who), {
        action: `pass.${PAST[action]}`,
        target: String(id),
        before: before.state,
        after: to,
        detail: [detail, note].filter(Boolean).join(': ') || undefined,
      });
    this.deps.log.info({ pass: id, action, by: who.username }, `pass ${PAST[action]}`);
    const issued = code === undefined ? undefined : { pass, code, qr: passQr(this.deps.key, id, code) };
    // before the event, so whoever keeps something of the code has it when listeners react
    if (issued)
      try {
        this.deps.onIssued?.(issued);
      } catch (err) {
        this.deps.log.error({ err, pass: id }, 'handling an issued pass code failed');
      }
    if (action === 'approve' || action === 'decline') this.deps.bus.emit('pass.decided', { pass });
    else this.deps.bus.emit('pass.revoked', { pass });
    return issued ?? { pass };
  }

  /** Draw a random 8-digit code until one is free (the unique code_hash says), store its hash. */
  private issueCode(id: number): string {
    for (let i = 0; i < CODE_TRIES; i++) {
      const code = this.deps.drawCode?.() ?? String(randomInt(0, 100_000_000)).padStart(8, '0');
      try {
        // the hash finds the pass at the gate; the sealed copy builds the gates' offline allow-lists
        this.store.update(id, {
          code_hash: keyedHash(this.deps.key, 'code', code),
          code_sealed: sealCode(this.deps.key, code),
        });
        return code;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
      }
    }
    throw new Error(`no free pass code after ${CODE_TRIES} draws`);
  }
}

const PAST: Record<PassAction, string> = {
  approve: 'approved',
  decline: 'declined',
  revoke: 'revoked',
  cancel: 'cancelled',
};
