import type { Actor, AuditTrail } from '../../core/actor.js';
import { notFound } from '../../core/errors.js';
import type { User } from '../security/user-store.js';
import {
  CHANNEL_KINDS,
  type ChannelKind,
  type Contacts,
  type Language,
  MESSAGE_KINDS,
  type MessageKind,
  type QuietHours,
} from './people-types.js';
import type { PeopleRouting } from './person-notifier.js';
import type { ProfileInput } from './profile-schema.js';
import type { ProfileStore, StoredProfile } from './profile-store.js';

/** A profile as the API shows it: what the person chose, and what applies after the site's defaults. */
export interface ProfileView {
  userId: number;
  username: string;
  displayName: string;
  /** Their own choice; null: the site's default. */
  language: Language | null;
  contacts: Contacts;
  channels: Partial<Record<MessageKind, ChannelKind[]>>;
  quietHours: QuietHours | null;
  /** What personal routing uses now. */
  effective: { language: Language; channels: Record<MessageKind, ChannelKind[]> };
  /** The channel kinds this site carries (people.channels) and its defaults, for the form. */
  site: {
    channelKinds: ChannelKind[];
    defaultChannels: Partial<Record<MessageKind, ChannelKind[]>>;
    defaultLanguage: Language;
  };
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface ProfileServiceOptions {
  users: { get(id: number): User | undefined };
  profiles: ProfileStore;
  routing: PeopleRouting;
  audit: AuditTrail;
  now: () => number;
}

/** Reading and saving profiles (the person's own, or by a users:manage admin); each change is audited. */
export class ProfileService {
  constructor(private readonly o: ProfileServiceOptions) {}

  view(userId: number): ProfileView {
    const user = this.o.users.get(userId);
    if (!user) throw notFound('user', userId);
    const stored = this.o.profiles.get(userId);
    const { routing } = this.o;
    const channels = stored?.channels ?? {};
    return {
      userId,
      username: user.username,
      displayName: user.displayName,
      language: stored?.language ?? null,
      contacts: stored?.contacts ?? {},
      channels,
      quietHours: stored?.quietHours ?? null,
      effective: {
        language: stored?.language ?? routing.defaultLanguage,
        channels: Object.fromEntries(
          MESSAGE_KINDS.map((k) => [k, channels[k] ?? routing.defaultChannels[k] ?? []]),
        ) as Record<MessageKind, ChannelKind[]>,
      },
      site: {
        channelKinds: CHANNEL_KINDS.filter((k) => routing.channels[k] !== undefined),
        defaultChannels: routing.defaultChannels,
        defaultLanguage: routing.defaultLanguage,
      },
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
    };
  }

  /**
   * Save `input` (already validated) as the whole profile. The audit entry names the fields that changed, not
   * their values: contacts are personal data and the audit log is never pruned.
   */
  save(who: Actor, userId: number, input: ProfileInput): ProfileView {
    const user = this.o.users.get(userId);
    if (!user) throw notFound('user', userId);
    const before = this.o.profiles.get(userId);
    const next: StoredProfile = {
      language: input.language ?? undefined,
      contacts: Object.fromEntries(
        Object.entries(input.contacts).filter(([, v]) => typeof v === 'string' && v !== ''),
      ) as Contacts,
      channels: input.channels,
      quietHours: input.quietHours ?? undefined,
    };
    this.o.profiles.put(userId, next, who.actor, this.o.now());
    const changed = changedFields(before, this.o.profiles.get(userId)!);
    this.o.audit.record(who, {
      action: 'profile.update',
      target: `user:${user.username}`,
      detail: changed.length ? `changed: ${changed.join(', ')}` : 'no change',
    });
    return this.view(userId);
  }
}

function changedFields(a: StoredProfile | undefined, b: StoredProfile): string[] {
  const out: string[] = [];
  if ((a?.language ?? null) !== (b.language ?? null)) out.push('language');
  const contactKeys = new Set([...Object.keys(a?.contacts ?? {}), ...Object.keys(b.contacts)]);
  for (const k of [...contactKeys].sort()) {
    if (a?.contacts[k as keyof Contacts] !== b.contacts[k as keyof Contacts]) out.push(`contacts.${k}`);
  }
  for (const k of MESSAGE_KINDS) {
    if (JSON.stringify(a?.channels[k] ?? null) !== JSON.stringify(b.channels[k] ?? null))
      out.push(`channels.${k}`);
  }
  if (JSON.stringify(a?.quietHours ?? null) !== JSON.stringify(b.quietHours ?? null)) out.push('quietHours');
  return out;
}
