import type { Db } from '../db/database.js';
import type { ChannelKind, Contacts, Language, MessageKind, QuietHours } from './people-types.js';

/** What a user set for themselves (or an admin for them); what they left unset falls back to the site's defaults. */
export interface StoredProfile {
  /** Unset: the site's `people.defaultLanguage`. */
  language?: Language;
  contacts: Contacts;
  /** Unset kinds: the site's `people.defaultChannels`. */
  channels: Partial<Record<MessageKind, ChannelKind[]>>;
  quietHours?: QuietHours;
  updatedAt?: number;
  updatedBy?: string;
}

interface Row {
  user_id: number;
  language: Language | null;
  contacts: string;
  channels: string;
  quiet_start: string | null;
  quiet_end: string | null;
  updated_at: number;
  updated_by: string;
}

/** The `user_profiles` table: one row per user who saved a profile (deleted with the user). */
export class ProfileStore {
  private readonly byUser;
  private readonly upsert;

  constructor(db: Db) {
    this.byUser = db.prepare<[number], Row>('SELECT * FROM user_profiles WHERE user_id = ?');
    this.upsert = db.prepare(
      `INSERT INTO user_profiles (user_id, language, contacts, channels, quiet_start, quiet_end, updated_at, updated_by)
       VALUES (@userId, @language, @contacts, @channels, @quietStart, @quietEnd, @now, @by)
       ON CONFLICT (user_id) DO UPDATE SET language = @language, contacts = @contacts, channels = @channels,
         quiet_start = @quietStart, quiet_end = @quietEnd, updated_at = @now, updated_by = @by`,
    );
  }

  get(userId: number): StoredProfile | undefined {
    const row = this.byUser.get(userId);
    if (!row) return undefined;
    return {
      language: row.language ?? undefined,
      contacts: JSON.parse(row.contacts) as Contacts,
      channels: JSON.parse(row.channels) as StoredProfile['channels'],
      quietHours:
        row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : undefined,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  put(userId: number, p: StoredProfile, by: string, now: number): void {
    this.upsert.run({
      userId,
      language: p.language ?? null,
      contacts: JSON.stringify(dropEmpty(p.contacts)),
      channels: JSON.stringify(p.channels),
      quietStart: p.quietHours?.start ?? null,
      quietEnd: p.quietHours?.end ?? null,
      now,
      by,
    });
  }
}

/** Contacts without empty strings: a cleared field is absent, not "". */
function dropEmpty(c: Contacts): Contacts {
  return Object.fromEntries(
    Object.entries(c).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  ) as Contacts;
}
