import type { Db } from '../../platform/db/database.js';
import type { Language } from '../../platform/people/people-types.js';
import { openText, sealText } from './sealed-text.js';

const PURPOSE = 'visitor-contact';

/** What a self-registered visitor left to be told their code: their name as typed, phone, e-mail, language. */
export interface VisitorContact {
  name: string;
  mobile: string;
  email?: string;
  language: Language;
}

/**
 * The `visitor_contacts` table (migration 018): one sealed contact per self-registered pass, kept only until
 * the decision. Sealed under its own sub-key of the visitors key; the row is deleted, not blanked.
 */
export class VisitorContacts {
  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {}

  keep(passId: number, contact: VisitorContact, expiresAt: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO visitor_contacts (pass_id, sealed, expires_at) VALUES (?, ?, ?)')
      .run(passId, sealText(this.key, PURPOSE, JSON.stringify(contact)), expiresAt);
  }

  /** The contact of a pass, or undefined (none kept, already erased, or sealed under another key). */
  get(passId: number): VisitorContact | undefined {
    const row = this.db.prepare('SELECT sealed FROM visitor_contacts WHERE pass_id = ?').get(passId) as
      | { sealed: string }
      | undefined;
    const text = row && openText(this.key, PURPOSE, row.sealed);
    return text ? (JSON.parse(text) as VisitorContact) : undefined;
  }

  /** Erase one pass's contact; true when there was one. */
  erase(passId: number): boolean {
    return this.db.prepare('DELETE FROM visitor_contacts WHERE pass_id = ?').run(passId).changes > 0;
  }

  /** Erase the contacts of visits whose window is over (never decided): how many. */
  eraseExpired(now: number): number {
    return this.db.prepare('DELETE FROM visitor_contacts WHERE expires_at <= ?').run(now).changes;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM visitor_contacts').get() as { n: number }).n;
  }
}
