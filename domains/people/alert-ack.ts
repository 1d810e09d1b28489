import { DomainError, forbidden, invalid, notFound } from '../../core/errors.js';
import { permissionsOf } from '../../platform/security/roles.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertView } from '../alerts/alert-types.js';
import { signAckLink, verifyAckLink } from './ack-link.js';

const HOUR = 3_600_000;

export interface AckLinkOpened {
  alert: AlertView;
  /** The person the link was sent to, who acknowledges through it. */
  username: string;
  displayName: string;
  expiresAt: number;
  /** Whether it can still be acknowledged (unacked or returned-unacked). */
  canAck: boolean;
}

/**
 * Acknowledging from the message: the signed link (ack-link.ts) acts as the person it was sent to, who must
 * still be an active user allowed to acknowledge (alerts:ack). The alerts domain records the acknowledgement
 * and audits it as that person (via the system, "signed link"); its `alert.changed` stops the chain.
 */
export class AlertAck {
  constructor(
    private readonly deps: {
      key: Buffer;
      alerts: Pick<AlertService, 'get' | 'ack'>;
      users: UserStore;
      now: () => number;
      linkHours: number;
      /** The hub's address as people reach it (visitors.publicUrl): links are only made with one. */
      publicUrl?: string;
    },
  ) {}

  /** The link for a person; undefined without a public URL or for an unknown user. */
  link(alertId: number, username: string): { url: string; token: string; expiresAt: number } | undefined {
    const base = this.deps.publicUrl?.replace(/\/+$/, '');
    const user = this.deps.users.findByName(username);
    if (!base || !user) return undefined;
    const expiresAt = this.deps.now() + this.deps.linkHours * HOUR;
    const token = signAckLink(this.deps.key, alertId, user.id, expiresAt);
    return { url: `${base}/api/v1/oncall/ack/${token}`, token, expiresAt };
  }

  open(token: string): AckLinkOpened {
    const check = verifyAckLink(this.deps.key, token, this.deps.now());
    if (!check.ok) {
      if (check.reason === 'expired')
        throw new DomainError('expired', 'this acknowledge link has expired; acknowledge in the dashboard');
      if (check.reason === 'tampered')
        throw forbidden('this acknowledge link is not valid (altered, or not from this hub)');
      throw invalid('this is not an acknowledge link');
    }
    const user = this.deps.users.get(check.userId);
    if (!user || user.disabled) throw forbidden('the account this link was sent to is disabled or gone');
    if (!permissionsOf(user.roles).has('alerts:ack'))
      throw forbidden(`${user.username} may not acknowledge alerts (alerts:ack)`);
    const alert = this.deps.alerts.get(check.alertId);
    if (!alert) throw notFound('alert', check.alertId);
    const { transitions: _, ...view } = alert;
    return {
      alert: view,
      username: user.username,
      displayName: user.displayName,
      expiresAt: check.expiresAt,
      canAck: view.state === 'unacked' || view.state === 'rtn-unacked',
    };
  }

  /** Acknowledge as the link's person; 409 (from the alerts domain) when it is no longer waiting. */
  ack(token: string, ip?: string): AckLinkOpened {
    const opened = this.open(token);
    const user = this.deps.users.findByName(opened.username)!;
    const alert = this.deps.alerts.ack(
      opened.alert.id,
      { username: user.username, permissions: permissionsOf(user.roles), via: 'system', ip },
      'signed link in the on-call message',
    );
    return { ...opened, alert, canAck: false };
  }
}
