import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { NotifyMessage } from '../notify/delivery.js';
import type { DeliveryLog } from '../notify/delivery-log.js';
import type { Notifier } from '../notify/notifier.js';
import type { User } from '../security/user-store.js';
import { addressFor } from './contact-address.js';
import type {
  ChannelKind,
  Language,
  MessageKind,
  OutsidePerson,
  PeopleNotifier,
  PersonMessage,
  PersonProfile,
  TellOutcome,
} from './people-types.js';
import type { ProfileStore } from './profile-store.js';
import { quietUntil } from './quiet-hours.js';

/** The site file's `people:` routing keys as platform/people needs them. */
export interface PeopleRouting {
  /** The action carrying each channel kind's personal messages. */
  channels: Partial<Record<ChannelKind, string>>;
  defaultChannels: Partial<Record<MessageKind, ChannelKind[]>>;
  defaultLanguage: Language;
}

export interface PersonNotifierOptions {
  routing: PeopleRouting;
  users: { findByName(username: string): User | undefined };
  profiles: ProfileStore;
  notifier: Pick<Notifier, 'send' | 'channelType'>;
  deliveries: DeliveryLog;
  /** The site's time zone: quiet hours are wall-clock times there. */
  timeZone: string;
  clock: Clock;
  log: Logger;
}

/** Outside people (visitors) have only e-mail and a mobile: SMS first, as a visitor at the gate reads it. */
const OUTSIDE_CHANNELS: readonly ChannelKind[] = ['sms', 'email'];
/** Re-check held deliveries at least this often (a wall clock that jumped, a timer that overflowed). */
const MAX_RELEASE_WAIT_MS = 3_600_000;

/**
 * Tells one person: picks the channel (theirs for the kind of message, else the site's defaults; the first with
 * a contact and a configured action that does not refuse), their language, and holds non-urgent messages in their quiet hours
 * (logged as `held`, released by a timer and at start). Who no channel reaches is logged as `unreachable` in the
 * delivery log each time, counted, and warned about once per person and kind.
 */
export class PersonNotifier implements PeopleNotifier {
  private timer: unknown;
  private readonly warned = new Set<string>();
  private readonly unreachableCounts = new Map<string, number>();
  private started = false;

  constructor(private readonly o: PersonNotifierOptions) {}

  profile(username: string): PersonProfile | undefined {
    const user = this.o.users.findByName(username);
    if (!user || user.disabled) return undefined;
    const stored = this.o.profiles.get(user.id);
    return {
      username: user.username,
      displayName: user.displayName,
      language: stored?.language ?? this.o.routing.defaultLanguage,
      contacts: stored?.contacts ?? {},
      channels: stored?.channels ?? {},
      quietHours: stored?.quietHours,
    };
  }

  tell(to: string | OutsidePerson, message: PersonMessage): TellOutcome {
    try {
      return this.tellOrThrow(to, message);
    } catch (err) {
      this.o.log.error({ err, topic: message.topic, event: message.event }, 'telling a person failed');
      return { status: 'unreachable', reason: `internal error: ${String(err)}` };
    }
  }

  /** Unreachable tells per `person:kind` since start. */
  unreachable(): Record<string, number> {
    return Object.fromEntries(this.unreachableCounts);
  }

  /** Release what fell due while stopped, then keep a timer for the next release. */
  start(): void {
    this.started = true;
    this.release();
  }

  stop(): void {
    this.started = false;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tellOrThrow(to: string | OutsidePerson, message: PersonMessage): TellOutcome {
    const outside = typeof to !== 'string';
    const person = outside ? to : this.profile(to);
    const label = outside ? 'outside person' : to;
    if (!person) return this.unreachableOutcome(label, message, 'no such user, or disabled');
    const wanted = outside
      ? (this.o.routing.defaultChannels[message.kind]?.filter((k) => OUTSIDE_CHANNELS.includes(k)) ??
        OUTSIDE_CHANNELS)
      : ((person as PersonProfile).channels[message.kind] ??
        this.o.routing.defaultChannels[message.kind] ??
        []);
    if (wanted.length === 0)
      return this.unreachableOutcome(label, message, `no channels for ${message.kind} messages`);
    const why: string[] = [];
    for (const kind of wanted) {
      const address = addressFor(kind, person.contacts);
      const actionId = this.o.routing.channels[kind];
      const channelType = actionId && this.o.notifier.channelType(actionId);
      if (!address) why.push(`${kind}: no contact`);
      else if (!actionId) why.push(`${kind}: no action in people.channels`);
      else if (!channelType) why.push(`${kind}: action ${actionId} is not a configured channel`);
      else {
        const outcome = this.deliver(
          person,
          outside ? undefined : label,
          message,
          kind,
          address,
          actionId,
          channelType,
        );
        // a channel that refused (its credential is not set): logged failed by the notifier; try the next
        if ('refused' in outcome) why.push(`${kind}: ${outcome.refused}`);
        else return outcome;
      }
    }
    return this.unreachableOutcome(label, message, why.join('; '));
  }

  private deliver(
    person: PersonProfile | OutsidePerson,
    username: string | undefined,
    message: PersonMessage,
    kind: ChannelKind,
    address: string,
    actionId: string,
    channelType: string,
  ): TellOutcome | { refused: string } {
    const text = message.text[person.language] ?? message.text[this.o.routing.defaultLanguage];
    const notifyMessage: NotifyMessage = {
      topic: message.topic,
      event: message.event,
      subject: message.subject,
      summary: text.title,
      recipient: { username, name: person.displayName, address },
      text,
    };
    const quiet = 'quietHours' in person ? person.quietHours : undefined;
    const until =
      quiet && !message.urgent ? quietUntil(quiet, this.o.clock.now(), this.o.timeZone) : undefined;
    if (until !== undefined) {
      const id = randomUUID();
      // the subject as it is now (held as JSON until the release)
      this.o.deliveries.held({
        id,
        actionId,
        releaseAt: until,
        message: JSON.parse(JSON.stringify(notifyMessage)) as NotifyMessage,
        channel: channelType,
        channelKind: kind,
      });
      this.schedule();
      return { status: 'held', until, channel: kind, actionId, deliveryId: id };
    }
    const sent = this.o.notifier.send(notifyMessage, actionId, { channelKind: kind });
    if (!sent.ok) return { refused: sent.error };
    return { status: 'queued', channel: kind, actionId, deliveryId: sent.id };
  }

  private unreachableOutcome(person: string, message: PersonMessage, reason: string): TellOutcome {
    const key = `${person}:${message.kind}`;
    this.unreachableCounts.set(key, (this.unreachableCounts.get(key) ?? 0) + 1);
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.o.log.warn({ person, kind: message.kind, reason }, 'no channel reaches this person; not told');
    }
    const text = message.text[this.o.routing.defaultLanguage];
    this.o.deliveries.unreachable(
      randomUUID(),
      { topic: message.topic, event: message.event, subject: message.subject, summary: text.title },
      person,
      reason,
    );
    return { status: 'unreachable', reason };
  }

  /** Hand every due held delivery to the notifier under its own id, then wait for the next. */
  private release(): void {
    if (!this.started) return;
    const now = this.o.clock.now();
    for (const held of this.o.deliveries.dueHeld(now)) {
      const kind = this.o.deliveries.get(held.id)?.channelKind ?? undefined;
      const sent = this.o.notifier.send(held.message, held.actionId, { id: held.id, channelKind: kind });
      // a channel gone from the site file since: failed with why (the notifier logged refusals itself)
      if (!sent.ok && !this.o.deliveries.get(held.id)?.state.match(/failed|dropped/))
        this.o.deliveries.settled(held.id, 'failed', 0, sent.error);
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.started) return;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.o.deliveries.nextRelease();
    if (next === undefined) return;
    const wait = Math.min(MAX_RELEASE_WAIT_MS, Math.max(0, next - this.o.clock.now()));
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, wait);
  }
}
