import type { Db } from '../../platform/db/database.js';

/** A scene that is on: who activated it, when, why, at which level. */
export interface ActiveScene {
  sceneId: string;
  level: number;
  activatedAt: number;
  activatedBy: string;
  reason?: string;
}

export interface StoredScene {
  id: string;
  body: unknown;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

interface ActiveRow {
  scene_id: string;
  level: number;
  activated_at: number;
  activated_by: string;
  reason: string | null;
}

interface SceneRow {
  id: string;
  body: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

/** Scenes in SQLite (migration 014): those made through the API, and which scenes are active. */
export class SceneStore {
  constructor(private readonly db: Db) {}

  active(): ActiveScene[] {
    return (
      this.db.prepare('SELECT * FROM control_scene_active ORDER BY activated_at').all() as ActiveRow[]
    ).map((r) => ({
      sceneId: r.scene_id,
      level: r.level,
      activatedAt: r.activated_at,
      activatedBy: r.activated_by,
      reason: r.reason ?? undefined,
    }));
  }

  setActive(a: ActiveScene): void {
    this.db
      .prepare(
        `INSERT INTO control_scene_active (scene_id, level, activated_at, activated_by, reason) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(scene_id) DO UPDATE SET level = excluded.level, activated_at = excluded.activated_at,
           activated_by = excluded.activated_by, reason = excluded.reason`,
      )
      .run(a.sceneId, a.level, a.activatedAt, a.activatedBy, a.reason ?? null);
  }

  clearActive(sceneId: string): void {
    this.db.prepare('DELETE FROM control_scene_active WHERE scene_id = ?').run(sceneId);
  }

  list(): StoredScene[] {
    return (this.db.prepare('SELECT * FROM control_scenes ORDER BY id').all() as SceneRow[]).map((r) => ({
      id: r.id,
      body: JSON.parse(r.body),
      createdAt: r.created_at,
      createdBy: r.created_by,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  put(id: string, body: unknown, by: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO control_scenes (id, body, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(id, JSON.stringify(body), now, by, now, by);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM control_scenes WHERE id = ?').run(id).changes > 0;
  }
}
