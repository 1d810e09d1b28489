import type { NotifySubject, NotifyTopic } from '../notify/delivery.js';

/**
 * The vocabulary of personal notifications (issue 22): who a person is to the notifier (contacts, the channel
 * they want per kind of message, quiet hours, language) and what a domain hands over to tell them. The domains
 * (tickets, visitors, alerts via domains/people) decide *who*; platform/people decides *how*: which channel,
 * whether now or after quiet hours, in which language, and logs each delivery.
 */

/** The channels a person can be reached on; each maps to one configured action (`people.channels`). */
export const CHANNEL_KINDS = ['email', 'sms', 'wecom', 'dingtalk', 'feishu'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Kinds of message a person picks channels for. */
export const MESSAGE_KINDS = ['ticket', 'visitor', 'alert', 'digest'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** How to reach a person; each field optional. */
export interface Contacts {
  email?: string;
  /** Mobile for SMS and the robots' @mentions (digits, optional leading +). */
  mobile?: string;
  /** WeCom (企业微信) userid, for application messages. */
  wecomId?: string;
  /** DingTalk userId, for the robot's @mention. */
  dingtalkId?: string;
  /** Feishu/Lark user id (open_id `ou_…` or user_id), for the bot's @mention. */
  feishuId?: string;
}

/** `HH:MM`–`HH:MM` in the site's time zone; may wrap midnight (22:00–07:00). Critical alerts pass through. */
export interface QuietHours {
  start: string;
  end: string;
}

/** A hub user as personal routing sees them. */
export interface PersonProfile {
  username: string;
  displayName: string;
  language: Language;
  contacts: Contacts;
  /** Channels in order of preference per kind of message; the first one reachable (contact set, channel configured) is used. */
  channels: Partial<Record<MessageKind, ChannelKind[]>>;
  quietHours?: QuietHours;
}

/** Someone who is not a user: a visitor told their pass code. */
export interface OutsidePerson {
  displayName: string;
  language: Language;
  contacts: Pick<Contacts, 'email' | 'mobile'>;
}

export interface MessageText {
  title: string;
  body: string;
  /** A link to act on (approve, acknowledge, open). */
  link?: string;
}

/** What a domain hands over to tell one person. */
export interface PersonMessage {
  kind: MessageKind;
  topic: NotifyTopic;
  /** The event (assigned, requested, raised, escalated, ...): the delivery log's and receivers' event. */
  event: string;
  subject: NotifySubject;
  /** Passes quiet hours (a critical alert, an escalation). */
  urgent?: boolean;
  /** The text in both languages; the person's language picks one. */
  text: Record<Language, MessageText>;
}

export type TellOutcome =
  /** Handed to the notifier on this channel's action. */
  | { status: 'queued'; channel: ChannelKind; actionId: string; deliveryId: string }
  /** In the person's quiet hours: logged as held, sent when they end. */
  | { status: 'held'; until: number; channel: ChannelKind; actionId: string; deliveryId: string }
  /** No channel of theirs is both reachable and configured (logged, counted, visible in the delivery log). */
  | { status: 'unreachable'; reason: string };

/** platform/people's door: tell one person. Never throws. */
export interface PeopleNotifier {
  /** `to`: a username, or an outside person (a visitor). */
  tell(to: string | OutsidePerson, message: PersonMessage): TellOutcome;
  /** The person's profile (contacts, channels, language), or undefined for an unknown or disabled user. */
  profile(username: string): PersonProfile | undefined;
}
