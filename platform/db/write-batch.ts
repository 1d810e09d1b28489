import type { Db } from './database.js';

/**
 * Group commit for small writes made many times a second (the audit log, the priority arrays' store): the writes
 * of the next 10 ms share one transaction, committed by a timer. A burst of 2,000 schedule-edge writes then
 * commits about a hundred transactions instead of 8,000 (each commit appends its pages to the WAL, the same
 * index pages again and again, and the WAL is checkpointed into the file every 1,000 pages).
 *
 * The hub's own connection sees the rows at once (a query reads its own transaction); another process (the admin
 * CLI) sees them at the commit, at most 10 ms later, and waits that long for the write lock (busy_timeout is 5 s).
 * A hub killed with SIGKILL or a power cut may lose those 10 ms of rows (synchronous = NORMAL already may lose
 * the last commits on a power cut). The commit also happens before the database is
 * closed (commit()) and when the process exits. Writes made inside somebody's transaction join that one, as
 * before; a transaction begun while the batch is open becomes a savepoint in it (better-sqlite3 nests them).
 * If the write lock cannot be had (another process holds it past busy_timeout), the write goes on its own.
 */
/** How long a batch stays open: the rows of the turns in these few ms share one commit. */
const COMMIT_AFTER_MS = 10;

export class WriteBatch {
  private open = false;
  private readonly onExit = () => this.commit();

  constructor(private readonly db: Db) {}

  /** Run fn (synchronous SQLite writes) in this turn's shared transaction. */
  run<T>(fn: () => T): T {
    if (this.open && !this.db.inTransaction) this.open = false; // rolled back by SQLite after an error
    if (!this.open && !this.db.inTransaction && this.db.open) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch {
        return fn(); // busy: this write makes its own transaction, as without the batch
      }
      this.open = true;
      process.once('exit', this.onExit);
      setTimeout(() => this.commit(), COMMIT_AFTER_MS);
    }
    return fn();
  }

  /** Commit the open batch now (before closing the database; the next turn would do it anyway). */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    process.off('exit', this.onExit);
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

const batches = new WeakMap<Db, WriteBatch>();

/** The one batch of this connection (the audit log and the control store share it). */
export function writeBatchOf(db: Db): WriteBatch {
  let b = batches.get(db);
  if (!b) {
    b = new WriteBatch(db);
    batches.set(db, b);
  }
  return b;
}
