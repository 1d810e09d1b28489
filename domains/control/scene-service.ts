import { type ActingPerson, type AuditTrail, type Permission, personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { CommandRequester } from '../../core/devices/command-service.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import {
  type LevelCommand,
  levelName,
  levelOf,
  type PointControl,
  type PointControlState,
} from './control-types.js';
import { checkSceneBody, type SceneConfig, SceneSchema } from './scene-schema.js';
import type { SceneStore } from './scene-store.js';
import { resolveTargets } from './targets.js';

/** A person as a scene sees them: their permissions (per point) and their roles (the scene's own list). */
export interface ScenePerson extends ActingPerson {
  roles: readonly string[];
}

export interface SceneView {
  id: string;
  name: string;
  description?: string;
  level: number;
  levelName: string;
  roles: string[];
  source: 'site-file' | 'api';
  commands: {
    targets: SceneConfig['commands'][number]['targets'];
    value: SceneConfig['commands'][number]['value'];
    points: string[];
  }[];
  /** The caller may activate and release it: they hold one of its roles. */
  mayActivate: boolean;
  /** Why not, when not. */
  refusal?: string;
  active: { since: number; by: string; reason?: string; holding: number; points: number } | null;
}

/** What a scene needs of who runs it, per point: gates gate:command, the rest setpoint:write. */
export type PermissionFor = (pointId: string) => Permission;

/**
 * Scenes: named sets of commands at one level (after-hours, holiday, evacuation). Activating commands every
 * point at the scene's level with source `scene:<id>` as the person, with the scene's authority (only the roles
 * the scene lists may run it; whoever saved it held every point's permission; a confirmation is required); releasing relinquishes that level
 * where the scene still holds it. Both audited with the reason; which scenes are active survives a restart.
 * Scenes come from the site file (read only) and the API (control:manage; stored and checked like the file's).
 */
export class SceneService {
  private readonly log: Logger;

  constructor(
    private readonly d: {
      site: SiteModel;
      control: PointControl;
      store: SceneStore;
      audit: AuditTrail;
      clock: Clock;
      log: Logger;
      permissionFor: PermissionFor;
    },
  ) {
    this.log = d.log;
  }

  /** Every scene: the site file's, then the API's that still fit the site. */
  scenes(): { scene: SceneConfig; source: 'site-file' | 'api' }[] {
    const file = this.d.site.config.control.scenes.map((scene) => ({ scene, source: 'site-file' as const }));
    const ids = new Set(file.map((f) => f.scene.id));
    const api: { scene: SceneConfig; source: 'api' }[] = [];
    for (const stored of this.d.store.list()) {
      const r = this.check(stored.body);
      if (!r.ok || ids.has(stored.id)) {
        this.log.error(
          { scene: stored.id, errors: r.ok ? ['the site file has a scene with this id'] : r.errors },
          'a scene made through the API no longer fits the site',
        );
        continue;
      }
      api.push({ scene: r.scene, source: 'api' });
    }
    return [...file, ...api];
  }

  private find(id: string): { scene: SceneConfig; source: 'site-file' | 'api' } {
    const found = this.scenes().find((s) => s.scene.id === id);
    if (!found) throw notFound('scene', id);
    return found;
  }

  /** A scene's body checked exactly like the site file's. */
  check(body: unknown): { ok: true; scene: SceneConfig } | { ok: false; errors: string[] } {
    const parsed = SceneSchema.safeParse(body);
    if (!parsed.success)
      return {
        ok: false,
        errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(scene)'}: ${i.message}`),
      };
    const errors: string[] = [];
    checkSceneBody(parsed.data, this.d.site, [], (path, message) =>
      errors.push(`${path.map(String).join('.') || '(scene)'}: ${message}`),
    );
    return errors.length ? { ok: false, errors } : { ok: true, scene: parsed.data };
  }

  points(scene: SceneConfig): string[] {
    const out = new Set<string>();
    for (const c of scene.commands) for (const id of resolveTargets(c.targets, this.d.site)) out.add(id);
    return [...out];
  }

  /**
   * Why this person may not run the scene, or undefined: a scene is role-gated. Its commands carry the scene's
   * own authority (the site file's, or that of the person who saved it, who had to hold every point's
   * permission), so a security officer listed on the evacuation scene may hold the AHUs in smoke mode without
   * setpoint:write of their own.
   */
  private refusal(
    scene: SceneConfig,
    person: { permissions: ReadonlySet<Permission>; roles: readonly string[] },
  ): string | undefined {
    if (!scene.roles.some((r) => person.roles.includes(r)))
      return `scene ${scene.id} is run by ${scene.roles.join(', ')}`;
    return undefined;
  }

  /** The point permissions a person lacks to define this scene, or undefined. */
  private missingPermissions(scene: SceneConfig, permissions: ReadonlySet<Permission>): string | undefined {
    const missing = new Map<Permission, string[]>();
    for (const id of this.points(scene)) {
      const p = this.d.permissionFor(id);
      if (!permissions.has(p)) missing.set(p, [...(missing.get(p) ?? []), id]);
    }
    if (!missing.size) return undefined;
    return [...missing]
      .map(([p, ids]) => `${ids.join(', ')} need${ids.length === 1 ? 's' : ''} ${p}`)
      .join('; ');
  }

  /** The points where the scene holds its level now. */
  private held(scene: SceneConfig): string[] {
    const level = levelOf(scene.level);
    const source = `scene:${scene.id}`;
    return this.points(scene).filter((id) =>
      this.d.control.state(id)?.slots.some((s) => s.level === level && s.source === source),
    );
  }

  list(person: { permissions: ReadonlySet<Permission>; roles: readonly string[] }): SceneView[] {
    const active = new Map(this.d.store.active().map((a) => [a.sceneId, a]));
    return this.scenes().map(({ scene, source }) => this.view(scene, source, person, active.get(scene.id)));
  }

  private view(
    scene: SceneConfig,
    source: 'site-file' | 'api',
    person: { permissions: ReadonlySet<Permission>; roles: readonly string[] },
    active: ReturnType<SceneStore['active']>[number] | undefined,
  ): SceneView {
    const level = levelOf(scene.level);
    const refusal = this.refusal(scene, person);
    const points = this.points(scene);
    return {
      id: scene.id,
      name: scene.name,
      description: scene.description,
      level,
      levelName: levelName(level),
      roles: scene.roles,
      source,
      commands: scene.commands.map((c) => ({ ...c, points: resolveTargets(c.targets, this.d.site) })),
      mayActivate: !refusal,
      ...(refusal ? { refusal } : {}),
      active: active
        ? {
            since: active.activatedAt,
            by: active.activatedBy,
            reason: active.reason,
            holding: this.held(scene).length,
            points: points.length,
          }
        : null,
    };
  }

  /** The person, for the audit log, with the scene's authority: the permissions its points need. */
  private requester(person: ScenePerson, scene: SceneConfig): CommandRequester {
    return {
      ...personActor(person),
      permissions: new Set(this.points(scene).map((id) => this.d.permissionFor(id))),
    };
  }

  private deny(person: ScenePerson, action: string, id: string, why: string): never {
    this.d.audit.record(personActor(person), {
      action,
      target: `scene:${id}`,
      outcome: 'denied',
      detail: why,
    });
    throw forbidden(why);
  }

  /** Command every point of the scene at its level, as the person. Requires confirm: true. */
  async activate(
    id: string,
    person: ScenePerson,
    body: { confirm?: unknown; reason?: string },
  ): Promise<{ scene: SceneView; points: PointControlState[] }> {
    const { scene, source } = this.find(id);
    if (body.confirm !== true)
      throw invalid(
        `activating scene ${id} needs confirm: true (it commands ${this.points(scene).length} points)`,
      );
    const reason = body.reason?.trim();
    if (!reason) throw invalid('reason: required');
    const refusal = this.refusal(scene, person);
    if (refusal) this.deny(person, 'scene.activated', id, refusal);
    const level = levelOf(scene.level);
    const by = this.requester(person, scene);
    const cmds: LevelCommand[] = [];
    for (const c of scene.commands)
      for (const pointId of resolveTargets(c.targets, this.d.site))
        cmds.push({
          pointId,
          level,
          value: c.value,
          by,
          source: `scene:${id}`,
          reason: `scene ${id}: ${reason}`,
        });
    const now = this.d.clock.now();
    // recorded before the writes: a scene half written (a device offline: pending) is still on, and releasable
    this.d.store.setActive({ sceneId: id, level, activatedAt: now, activatedBy: person.username, reason });
    let states: PointControlState[];
    try {
      states = await this.d.control.commandMany(cmds);
    } catch (err) {
      this.d.audit.record(personActor(person), {
        action: 'scene.activated',
        target: `scene:${id}`,
        outcome: 'failed',
        detail: `reason: ${reason}; ${(err as Error).message}`,
      });
      throw err;
    }
    this.d.audit.record(personActor(person), {
      action: 'scene.activated',
      target: `scene:${id}`,
      after: { level, points: cmds.map((c) => ({ point: c.pointId, value: c.value })) },
      detail: `reason: ${reason}`,
    });
    this.log.info({ scene: id, level, points: cmds.length, by: person.username }, 'scene activated');
    const active = this.d.store.active().find((a) => a.sceneId === id);
    return { scene: this.view(scene, source, person, active), points: states };
  }

  /** Relinquish the scene's level on the points where it still holds it. */
  async release(
    id: string,
    person: ScenePerson,
    body: { reason?: string } = {},
  ): Promise<{ scene: SceneView; released: string[]; points: PointControlState[] }> {
    const { scene, source } = this.find(id);
    const reason = body.reason?.trim() || undefined;
    const refusal = this.refusal(scene, person);
    if (refusal) this.deny(person, 'scene.released', id, refusal);
    const active = this.d.store.active().find((a) => a.sceneId === id);
    const held = this.held(scene);
    if (!active && !held.length) throw conflict(`scene ${id} is not active`);
    const level = levelOf(scene.level);
    const by = this.requester(person, scene);
    const states = await this.d.control.commandMany(
      held.map((pointId) => ({
        pointId,
        level,
        value: null,
        by,
        source: `scene:${id}`,
        reason: `scene ${id} released${reason ? `: ${reason}` : ''}`,
      })),
    );
    this.d.store.clearActive(id);
    this.d.audit.record(personActor(person), {
      action: 'scene.released',
      target: `scene:${id}`,
      after: { level, points: held },
      detail: reason ? `reason: ${reason}` : undefined,
    });
    this.log.info({ scene: id, points: held.length, by: person.username }, 'scene released');
    return { scene: this.view(scene, source, person, undefined), released: held, points: states };
  }

  /** Create or replace an API scene (control:manage): checked like the site file's, audited. */
  put(id: string, body: unknown, person: ScenePerson, opts: { create?: boolean } = {}): SceneView {
    if (this.d.site.config.control.scenes.some((s) => s.id === id))
      throw conflict(`scene ${id} is defined in the site file; change it there`);
    if (opts.create && this.d.store.list().some((s) => s.id === id)) throw conflict(`scene ${id} exists`);
    const withId = { ...(body as object), id };
    const r = this.check(withId);
    if (!r.ok) throw invalid(`scene ${id}: ${r.errors.join('; ')}`, { errors: r.errors });
    // whoever saves a scene vouches for its commands: they must hold every point's permission themselves
    const missing = this.missingPermissions(r.scene, person.permissions);
    if (missing)
      this.deny(
        person,
        this.d.store.list().some((s) => s.id === id) ? 'scene.updated' : 'scene.created',
        id,
        missing,
      );
    const before = this.d.store.list().find((s) => s.id === id)?.body;
    this.d.store.put(id, withId, person.username, this.d.clock.now());
    this.d.audit.record(personActor(person), {
      action: before ? 'scene.updated' : 'scene.created',
      target: `scene:${id}`,
      before,
      after: withId,
    });
    const active = this.d.store.active().find((a) => a.sceneId === id);
    return this.view(r.scene, 'api', person, active);
  }

  /** Remove an API scene (an active one must be released first). */
  remove(id: string, person: ActingPerson): void {
    if (this.d.site.config.control.scenes.some((s) => s.id === id))
      throw conflict(`scene ${id} is defined in the site file; remove it there`);
    const before = this.d.store.list().find((s) => s.id === id);
    if (!before) throw notFound('scene', id);
    if (this.d.store.active().some((a) => a.sceneId === id))
      throw conflict(`scene ${id} is active; release it first`);
    this.d.store.delete(id);
    this.d.audit.record(personActor(person), {
      action: 'scene.deleted',
      target: `scene:${id}`,
      before: before.body,
    });
  }
}
