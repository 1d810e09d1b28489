import type { Db } from '../../platform/db/database.js';
import type { PassFacts } from './gate-decider.js';

type Row = Record<string, unknown>;

export interface BadgeRow {
  id: number;
  badge_hash: string;
  badge_masked: string;
  holder: string;
  zones: string;
  schedule: string | null;
  inside: number;
  disabled: number;
}

export interface DecisionRow {
  ts: number;
  gate_id: string;
  nonce: string;
  credential_type: string;
  /** Keyed hash of the credential's type and value: a retry must present the same one (null before 009). */
  credential_hash: string | null;
  decision: 'open' | 'deny';
  reason: string | null;
  pass_id: number | null;
  badge_id: number | null;
  direction: string | null;
  offline: number;
  latency_ms: number | null;
}

const PASS_COLUMNS = `p.id, p.state, p.valid_from, p.valid_until, p.max_entries, p.entries_used, p.gates, p.inside,
  v.name AS name`;

function toFacts(r: Row | undefined): PassFacts | undefined {
  if (!r) return undefined;
  return {
    id: r.id as number,
    state: r.state as string,
    validFrom: r.valid_from as number,
    validUntil: r.valid_until as number,
    maxEntries: r.max_entries as number,
    entriesUsed: r.entries_used as number,
    gates: r.gates ? (JSON.parse(r.gates as string) as string[]) : null,
    inside: r.inside === 1,
    name: r.name as string,
  };
}

/** What the gates read and write: pass and badge lookups, decisions, passages, door events, who is inside. */
export class GateStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      passByCode: db.prepare(
        `SELECT ${PASS_COLUMNS} FROM passes p JOIN visitors v ON v.id = p.visitor_id WHERE p.code_hash = ?`,
      ),
      // an ID card: the visitor's pass that is (or will soonest be) valid; an approved one first
      passByIdHash: db.prepare(
        `SELECT ${PASS_COLUMNS} FROM passes p JOIN visitors v ON v.id = p.visitor_id
         WHERE v.id_hash = ? AND p.valid_until > ?
         ORDER BY p.state = 'approved' DESC, p.valid_from LIMIT 1`,
      ),
      badge: db.prepare('SELECT * FROM staff_badges WHERE badge_hash = ?'),
      insertDecision: db.prepare(
        `INSERT OR IGNORE INTO gate_decisions (ts, gate_id, nonce, credential_type, credential_hash, decision,
           reason, pass_id, badge_id, direction, offline, latency_ms)
         VALUES (@ts, @gate_id, @nonce, @credential_type, @credential_hash, @decision, @reason, @pass_id,
           @badge_id, @direction, @offline, @latency_ms)`,
      ),
      decisionByNonce: db.prepare('SELECT * FROM gate_decisions WHERE gate_id = ? AND nonce = ?'),
      passage: db.prepare(
        `INSERT OR IGNORE INTO gate_passages (ts, gate_id, direction, pass_id, badge_id, offline, nonce)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      door: db.prepare('INSERT INTO gate_door_events (ts, gate_id, event, offline) VALUES (?, ?, ?, ?)'),
      passEntries: db.prepare('UPDATE passes SET entries_used = entries_used + 1 WHERE id = ?'),
      passInside: db.prepare('UPDATE passes SET inside = ? WHERE id = ?'),
      lastPassOf: db.prepare('SELECT MAX(ts) FROM gate_passages WHERE pass_id = ?').pluck(),
      lastBadgeOf: db.prepare('SELECT MAX(ts) FROM gate_passages WHERE badge_id = ?').pluck(),
      badgeInside: db.prepare('UPDATE staff_badges SET inside = ? WHERE id = ?'),
      sealed: db.prepare(
        `SELECT id, code_sealed, valid_from, valid_until, gates FROM passes
         WHERE state = 'approved' AND valid_until > ? AND code_sealed IS NOT NULL
           AND (max_entries = 0 OR entries_used < max_entries)`,
      ),
      visitorsInside: db.prepare(
        `SELECT p.id AS passId, v.name, v.company, p.host, p.valid_until AS validUntil FROM passes p
         JOIN visitors v ON v.id = p.visitor_id WHERE p.inside = 1 ORDER BY v.name`,
      ),
      staffInside: db.prepare(
        'SELECT id AS badgeId, holder, badge_masked AS badge FROM staff_badges WHERE inside = 1 ORDER BY holder',
      ),
      passagesBetween: db.prepare(
        'SELECT ts, gate_id, direction, pass_id, badge_id FROM gate_passages WHERE ts >= ? AND ts < ? ORDER BY ts',
      ),
      decisionsBetween: db.prepare(
        `SELECT decision, reason, COUNT(*) AS n FROM gate_decisions WHERE ts >= ? AND ts < ?
         GROUP BY decision, reason`,
      ),
      latency: db.prepare(
        'SELECT latency_ms FROM gate_decisions WHERE ts >= ? AND latency_ms IS NOT NULL ORDER BY latency_ms',
      ),
    };
  }

  passByCodeHash(hash: string): PassFacts | undefined {
    return toFacts(this.q.passByCode.get(hash) as Row | undefined);
  }

  passByIdHash(hash: string, now: number): PassFacts | undefined {
    return toFacts(this.q.passByIdHash.get(hash, now) as Row | undefined);
  }

  badge(hash: string): BadgeRow | undefined {
    return this.q.badge.get(hash) as BadgeRow | undefined;
  }

  /** False when the gate already asked with this nonce (a retry, or a replayed sync). */
  recordDecision(d: DecisionRow): boolean {
    return this.q.insertDecision.run(d).changes === 1;
  }

  /** Who an offline decision was about, once the hub recognised the credential. */
  patchDecision(gateId: string, nonce: string, passId?: number, badgeId?: number): void {
    this.db
      .prepare('UPDATE gate_decisions SET pass_id = ?, badge_id = ? WHERE gate_id = ? AND nonce = ?')
      .run(passId ?? null, badgeId ?? null, gateId, nonce);
  }

  /**
   * Clear the credential hashes of decisions before `before` (a retry comes within seconds; an ID card's hash
   * must not outlive the visitor's retention). With secure_delete, as the visitor purge: gone from the file.
   */
  forgetCredentials(before: number): number {
    const was = this.db.pragma('secure_delete', { simple: true }) as number;
    this.db.pragma('secure_delete = ON');
    try {
      return this.db
        .prepare(
          'UPDATE gate_decisions SET credential_hash = NULL WHERE ts < ? AND credential_hash IS NOT NULL',
        )
        .run(before).changes;
    } finally {
      this.db.pragma(`secure_delete = ${was}`);
    }
  }

  decisionByNonce(gateId: string, nonce: string): DecisionRow | undefined {
    return this.q.decisionByNonce.get(gateId, nonce) as DecisionRow | undefined;
  }

  /** Someone went through: the passage row, and who is inside now. False: a repeat of a known passage. */
  recordPassage(p: {
    ts: number;
    gateId: string;
    direction: 'in' | 'out';
    passId?: number;
    badgeId?: number;
    offline: boolean;
    nonce?: string;
  }): boolean {
    return this.db.transaction(() => {
      // a passage older than one already known (a gate's late or replayed message) counts, but who is
      // inside follows the latest
      const latestOfPass = p.passId === undefined ? null : (this.q.lastPassOf.get(p.passId) as number | null);
      const latestOfBadge =
        p.badgeId === undefined ? null : (this.q.lastBadgeOf.get(p.badgeId) as number | null);
      const inserted = this.q.passage.run(
        p.ts,
        p.gateId,
        p.direction,
        p.passId ?? null,
        p.badgeId ?? null,
        p.offline ? 1 : 0,
        p.nonce ?? null,
      ).changes;
      if (!inserted) return false; // this scan's passage is known already
      if (p.passId !== undefined) {
        if (p.direction === 'in') this.q.passEntries.run(p.passId);
        if (latestOfPass === null || p.ts >= latestOfPass)
          this.q.passInside.run(p.direction === 'in' ? 1 : 0, p.passId);
      }
      if (p.badgeId !== undefined && (latestOfBadge === null || p.ts >= latestOfBadge))
        this.q.badgeInside.run(p.direction === 'in' ? 1 : 0, p.badgeId);
      return true;
    })();
  }

  recordDoor(ts: number, gateId: string, event: string, offline: boolean): void {
    this.q.door.run(ts, gateId, event, offline ? 1 : 0);
  }

  /** The staff access list from the site file replaces the table's (badges are matched by their hash). */
  syncBadges(rows: Omit<BadgeRow, 'id' | 'inside' | 'disabled'>[], now: number): void {
    this.db.transaction(() => {
      const keep = new Set(rows.map((r) => r.badge_hash));
      for (const old of this.db.prepare('SELECT badge_hash FROM staff_badges').pluck().all() as string[])
        if (!keep.has(old)) this.db.prepare('DELETE FROM staff_badges WHERE badge_hash = ?').run(old);
      const upsert = this.db.prepare(
        `INSERT INTO staff_badges (badge_hash, badge_masked, holder, zones, schedule, created_at)
         VALUES (@badge_hash, @badge_masked, @holder, @zones, @schedule, @now)
         ON CONFLICT (badge_hash) DO UPDATE SET badge_masked = excluded.badge_masked, holder = excluded.holder,
           zones = excluded.zones, schedule = excluded.schedule, disabled = 0`,
      );
      for (const r of rows) upsert.run({ ...r, now });
    })();
  }

  sealedCodes(
    now: number,
  ): { id: number; code_sealed: string; valid_from: number; valid_until: number; gates: string | null }[] {
    return this.q.sealed.all(now) as never;
  }

  inside(): { visitors: Row[]; staff: Row[] } {
    return { visitors: this.q.visitorsInside.all() as Row[], staff: this.q.staffInside.all() as Row[] };
  }

  passages(
    from: number,
    to: number,
  ): { ts: number; gate_id: string; direction: string; pass_id: number | null; badge_id: number | null }[] {
    return this.q.passagesBetween.all(from, to) as never;
  }

  decisionCounts(from: number, to: number): { decision: string; reason: string | null; n: number }[] {
    return this.q.decisionsBetween.all(from, to) as never;
  }

  latencies(since: number): number[] {
    return (this.q.latency.all(since) as { latency_ms: number }[]).map((r) => r.latency_ms);
  }
}
