import type { Db } from '../../platform/db/database.js';
import { ControlItemStore, type StoredItem } from './schedule-store.js';

/** A scene that is on: who activated it, when, why, at which level. */
export interface ActiveScene {
  sceneId: string;
  level: number;
  activatedAt: number;
  activatedBy: string;
  reason?: string;
}

export type StoredScene = StoredItem;

interface ActiveRow {
  scene_id: string;
  level: number;
  activated_at: number;
  activated_by: string;
  reason: string | null;
}

/** Scenes in SQLite (migration 014): those made through the API, and which scenes are active. */
export class SceneStore {
  /** The scenes made through the API. */
  private readonly items: ControlItemStore;

  constructor(private readonly db: Db) {
    this.items = new ControlItemStore(db, 'control_scenes');
  }

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
    return this.items.list();
  }

  put(id: string, body: unknown, by: string, now: number): void {
    this.items.put(id, body, by, now);
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }
}
