import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../../core/logger.js';
import { type Migration, migrations } from './migrations/index.js';

export type Db = Database.Database;

/** The hub's state database: `<dataDir>/hub.db`, WAL, foreign keys on, migrated to the latest version. */
export function openDatabase(dataDir: string, log: Logger): Db {
  const file = dataDir === ':memory:' ? ':memory:' : join(dataDir, 'hub.db');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // It holds password hashes and the audit log: the hub's user only.
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations, log);
  return db;
}

/** Apply every migration newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, list: readonly Migration[], log: Logger): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = list.at(-1)?.version ?? 0;
  if (current > latest)
    throw new Error(
      `the database is at version ${current}, newer than this hub knows (${latest}); use a newer hub or restore a backup`,
    );
  for (const m of list) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    log.info({ version: m.version, name: m.name }, 'database migrated');
  }
}
