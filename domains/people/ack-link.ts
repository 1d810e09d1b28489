import { createHmac } from 'node:crypto';
import { type LinkCheck, signLink, verifyLink } from '../visitors/privacy.js';

/**
 * The acknowledge link in an alert's message: the visitors' signed-link format (privacy.ts) under a key of its
 * own, derived from the hub's visitor key, so a pass link can never acknowledge an alert nor the reverse
 * (single purpose). It names the alert and the user (by id: the link acts as the person it was sent to) and
 * expires after people.ackLinkHours.
 */
export function ackLinkKey(visitorKey: Buffer): Buffer {
  return createHmac('sha256', visitorKey).update('oncall-ack-link').digest();
}

export function signAckLink(key: Buffer, alertId: number, userId: number, expiresAt: number): string {
  return signLink(key, { ack: alertId, u: userId }, expiresAt);
}

export type AckLinkCheck =
  | { ok: true; alertId: number; userId: number; expiresAt: number }
  | { ok: false; reason: Exclude<LinkCheck, { ok: true }>['reason'] };

export function verifyAckLink(key: Buffer, token: string, now: number): AckLinkCheck {
  const check = verifyLink(key, token, now);
  if (!check.ok) return check;
  const { ack, u } = check.payload;
  if (typeof ack !== 'number' || typeof u !== 'number') return { ok: false, reason: 'malformed' };
  return { ok: true, alertId: ack, userId: u, expiresAt: check.expiresAt };
}
