import { type ActingPerson, personActor } from '../../core/actor.js';
import { invalid, notFound } from '../../core/errors.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { TeamConfig } from '../tickets/maintenance-schema.js';
import type { RotaConfig } from './oncall-schema.js';
import type { OncallStore } from './oncall-store.js';
import { type OnCall, type Override, onCallAt, weeksBetween } from './rota.js';

const DAY_MS = 86_400_000;
/** A 400 naming the field, in the shape of the API's validation errors. */
const bad = (path: string, message: string) =>
  invalid(`${path}: ${message}`, { errors: [{ path, message }] });
/** An override is a cover, not a new rota: at most this long. */
export const OVERRIDE_MAX_DAYS = 62;

export interface RotaView {
  team: string;
  teamName: string;
  members: string[];
  supervisor: string;
  handover: RotaConfig['handover'];
  /** Who is on call at the time asked. */
  now: OnCall;
  /** This week and the next few: who and when (the dashboard's week view). */
  weeks: { username: string; from: number; to: number }[];
}

export interface OverrideInput {
  team: string;
  username: string;
  from: number;
  to: number;
  note?: string;
}

/**
 * The site's rotas and the overrides people set through the API (stored, audited): who is on call for a team
 * at a time, and the board the dashboard shows.
 */
export class RotaService {
  private readonly rotas: Map<string, RotaConfig>;
  private readonly teamNames: Map<string, string>;

  constructor(
    private readonly deps: {
      rotas: readonly RotaConfig[];
      teams: readonly TeamConfig[];
      timeZone: string;
      store: OncallStore;
      users: UserStore;
      audit: AuditLog;
      now: () => number;
    },
  ) {
    this.rotas = new Map(deps.rotas.map((r) => [r.team, r]));
    this.teamNames = new Map(deps.teams.map((t) => [t.id, t.name]));
  }

  /** Teams with a rota. */
  teams(): string[] {
    return [...this.rotas.keys()];
  }

  teamName(team: string): string {
    return this.teamNames.get(team) ?? team;
  }

  rota(team: string): RotaConfig | undefined {
    return this.rotas.get(team);
  }

  /** Who is on call for a team at t; undefined for a team without a rota. */
  onCall(team: string, t: number): OnCall | undefined {
    const rota = this.rotas.get(team);
    return rota && onCallAt(rota, this.deps.store.overrides(t), this.deps.timeZone, t);
  }

  /** Every rota with who is on at t, and its weeks from the current one for `weeks` weeks. */
  board(t: number, weeks = 4): RotaView[] {
    const overrides = this.deps.store.overrides(t);
    return [...this.rotas.values()].map((rota) => {
      const now = onCallAt(rota, overrides, this.deps.timeZone, t);
      return {
        team: rota.team,
        teamName: this.teamName(rota.team),
        members: rota.members,
        supervisor: rota.supervisor,
        handover: rota.handover,
        now,
        weeks: weeksBetween(rota, this.deps.timeZone, t, now.since + weeks * 7 * DAY_MS),
      };
    });
  }

  /** Overrides that have not ended by `since` (default now). */
  overrides(since = this.deps.now()): Override[] {
    return this.deps.store.overrides(since);
  }

  addOverride(person: ActingPerson, input: OverrideInput): Override {
    this.checkOverride(input);
    const o = this.deps.store.addOverride({
      ...input,
      note: input.note ?? null,
      createdBy: person.username,
      createdAt: this.deps.now(),
    });
    this.deps.audit.record(personActor(person), {
      action: 'oncall.override-added',
      target: `${o.team}#${o.id}`,
      after: { username: o.username, from: o.from, to: o.to, note: o.note },
    });
    return o;
  }

  /** Change an override (who, when, the note); the same checks as a new one. */
  updateOverride(person: ActingPerson, id: number, input: OverrideInput): Override {
    const before = this.deps.store.override(id);
    if (!before) throw notFound('override', id);
    this.checkOverride(input);
    this.deps.store.updateOverride({ ...before, ...input, note: input.note ?? null });
    const after = this.deps.store.override(id)!;
    this.deps.audit.record(personActor(person), {
      action: 'oncall.override-changed',
      target: `${after.team}#${id}`,
      before: {
        team: before.team,
        username: before.username,
        from: before.from,
        to: before.to,
        note: before.note,
      },
      after: { team: after.team, username: after.username, from: after.from, to: after.to, note: after.note },
    });
    return after;
  }

  private checkOverride(input: OverrideInput): void {
    if (!this.rotas.has(input.team)) throw bad('team', `no on-call rota for "${input.team}"`);
    const user = this.deps.users.findByName(input.username);
    if (!user || user.disabled) throw bad('username', `no active user "${input.username}"`);
    if (input.to <= input.from) throw bad('to', 'expected a time after from');
    if (input.to - input.from > OVERRIDE_MAX_DAYS * DAY_MS)
      throw bad('to', `an override covers at most ${OVERRIDE_MAX_DAYS} days`);
    if (input.to <= this.deps.now()) throw bad('to', 'the override would already be over');
  }

  removeOverride(person: ActingPerson, id: number): Override {
    const o = this.deps.store.override(id);
    if (!o) throw notFound('override', id);
    this.deps.store.deleteOverride(id);
    this.deps.audit.record(personActor(person), {
      action: 'oncall.override-removed',
      target: `${o.team}#${o.id}`,
      before: { username: o.username, from: o.from, to: o.to, note: o.note },
    });
    return o;
  }
}
