import type {
  ChannelKind,
  Contacts,
  Language,
  MessageKind,
  QuietHours,
} from '../../../platform/people/people-types.js';

/** The People view's API answers (hub/api/profile-routes.ts, notification-routes.ts), type-only. */

export type { ChannelKind, Contacts, Language, MessageKind, QuietHours };
export const MESSAGE_KINDS: MessageKind[] = ['ticket', 'visitor', 'alert', 'digest'];
export const CONTACT_FIELDS: (keyof Contacts)[] = ['email', 'mobile', 'wecomId', 'dingtalkId', 'feishuId'];

/** GET /api/v1/me/profile (platform/people/profile-service.ts ProfileView). */
export interface Profile {
  userId: number;
  username: string;
  displayName: string;
  language: Language | null;
  contacts: Contacts;
  channels: Partial<Record<MessageKind, ChannelKind[]>>;
  quietHours: QuietHours | null;
  effective: { language: Language; channels: Record<MessageKind, ChannelKind[]> };
  site: {
    channelKinds: ChannelKind[];
    defaultChannels: Partial<Record<MessageKind, ChannelKind[]>>;
    defaultLanguage: Language;
  };
  updatedAt: number | null;
  updatedBy: string | null;
}

export const DELIVERY_STATES = ['held', 'queued', 'sent', 'failed', 'dropped', 'unreachable'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One row of GET /api/v1/notifications/deliveries (platform/notify/delivery-log.ts DeliveryRecord). */
export interface DeliveryRow {
  id: string;
  createdAt: number;
  updatedAt: number;
  state: DeliveryState;
  actionId: string | null;
  channel: string | null;
  channelKind: string | null;
  recipient: string | null;
  topic: 'alert' | 'ticket' | 'visitor';
  event: string;
  subjectId: string | null;
  summary: string | null;
  attempts: number;
  error: string | null;
  releaseAt: number | null;
  sentAt: number | null;
}

/** GET /api/v1/notifications/channels. */
export interface ChannelHealth {
  channels: {
    id: string;
    type: string;
    kinds: string[];
    sent: number;
    failed: number;
    retried: number;
    dropped: number;
    queued: number;
    lastError?: string;
    lastSuccessAt?: number;
  }[];
  unreachable: Record<string, number>;
}
