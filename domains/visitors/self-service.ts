import type { ActingPerson } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { fromWallTime, wallTime } from '../../core/time/zoned-time.js';
import type { Db } from '../../platform/db/database.js';
import type { Language, PeopleNotifier, PersonMessage } from '../../platform/people/people-types.js';
import type { UserStore } from '../../platform/security/user-store.js';
import { openCode, subKey } from './code-seal.js';
import { HostDirectory } from './host-directory.js';
import { visitorCodeText, visitorDeclinedText } from './kiosk-text.js';
import { passQr } from './pass-qr.js';
import type { Issued, PassService } from './pass-service.js';
import type { PassView } from './pass-types.js';
import { signLink, verifyLink } from './privacy.js';
import { type VisitorContact, VisitorContacts } from './visitor-contacts.js';
import type { VisitorsConfig } from './visitor-schema.js';

const DAY = 86_400_000;

/** What the public page sends. Times are the site's wall-clock time (`2026-03-01T09:00`), as a kiosk shows it. */
export interface PublicRegistration {
  name: string;
  phone: string;
  email?: string;
  company?: string;
  purpose: string;
  /** A token from the host search. */
  host: string;
  from: string;
  until: string;
  language: Language;
}

/**
 * Visitor self-service (visitors.selfService): the public page registers a visitor as the kiosk (audited as
 * `kiosk`, from the visitor's address), keeps their contact sealed until the host decides, then tells them
 * the code with a link to their QR page (`/v/<token>`, signed, expiring with the pass) and erases the contact.
 */
export class SelfService {
  readonly directory: HostDirectory;
  readonly contacts: VisitorContacts;
  private readonly qrKey: Buffer;

  constructor(
    private readonly deps: {
      passes: PassService;
      config: VisitorsConfig;
      users: UserStore;
      key: Buffer;
      db: Db;
      clock: Clock;
      timeZone: string;
      log: Logger;
      /** How the visitor is told (platform/people); absent: the code is not sent (logged). */
      people: () => PeopleNotifier | undefined;
    },
  ) {
    const { config, key } = deps;
    this.directory = new HostDirectory({
      users: deps.users,
      key,
      config: config.selfService,
      kiosks: new Set(config.kiosks),
      now: () => deps.clock.now(),
    });
    this.contacts = new VisitorContacts(deps.db, key);
    this.qrKey = subKey(key, 'visitor-qr-page');
  }

  get enabled(): boolean {
    return this.deps.config.selfService.enabled;
  }

  /** Register from the public page. The pass waits for its host (or is issued at once by policy). */
  register(r: PublicRegistration, ip?: string): { pass: PassView; host: string } {
    const host = this.directory.open(r.host);
    if (!host) throw invalid('host: search again and pick your host (the choice has expired)');
    const now = this.deps.clock.now();
    const validFrom = this.wall(r.from, 'from');
    const validUntil = this.wall(r.until, 'until');
    const ahead = this.deps.config.selfService.daysAhead;
    if (validFrom > now + ahead * DAY + DAY)
      throw invalid(`from: at most ${ahead} day(s) ahead (visitors.selfService.daysAhead)`);
    const email = r.email?.trim() || undefined;
    if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      throw invalid('email: expected an address like name@example.com');
    const kiosk: ActingPerson = {
      username: 'kiosk',
      permissions: new Set(['passes:register']),
      via: 'anonymous',
      ip,
    };
    const result = this.deps.passes.register(kiosk, {
      name: r.name,
      phone: r.phone,
      company: r.company,
      host,
      purpose: r.purpose,
      validFrom,
      validUntil,
    });
    const contact: VisitorContact = {
      name: r.name.trim(),
      mobile: r.phone.replace(/[\s-]/g, ''),
      ...(email ? { email } : {}),
      language: r.language,
    };
    // issued at registration (visitors.requireHostApproval false): tell now, keep nothing
    if (result.code) this.tellCode({ pass: result.pass, code: result.code, qr: result.qr! }, contact);
    else this.contacts.keep(result.pass.id, contact, validUntil);
    const display = this.deps.users.findByName(host)?.displayName ?? host;
    return { pass: result.pass, host: display };
  }

  /** A code was issued: hand it to the self-registered visitor, then forget their contact. */
  issued(issued: Issued): void {
    const contact = this.contacts.get(issued.pass.id);
    if (!contact) return;
    try {
      this.tellCode(issued, contact);
    } finally {
      this.contacts.erase(issued.pass.id);
    }
  }

  /**
   * The pass was decided, cancelled or revoked: the contact goes (approvals were told in `issued`); a declined
   * visitor is told so first, so they do not wait at the gate.
   */
  settled(pass: PassView): void {
    const contact = pass.state === 'declined' ? this.contacts.get(pass.id) : undefined;
    try {
      if (contact) this.tell(pass, contact, 'declined', visitorDeclinedText(this.words(pass, contact)));
    } finally {
      if (this.contacts.erase(pass.id))
        this.deps.log.info({ pass: pass.id, state: pass.state }, 'visitor contact erased');
    }
  }

  /** Visits never decided within their window: erase their contacts. */
  sweep(now: number): number {
    return this.contacts.eraseExpired(now);
  }

  /** A QR page token for this pass, valid until the pass's window ends. */
  qrToken(p: PassView): string {
    return signLink(this.qrKey, { v: p.id }, p.validUntil);
  }

  /** The pass, its code and QR for a QR page token; refuses a bad token, and a pass that cannot open a gate. */
  openQr(token: string): { pass: PassView; code: string; qr: string } {
    const check = verifyLink(this.qrKey, token, this.deps.clock.now());
    if (!check.ok || typeof check.payload.v !== 'number') throw notFound('pass', 'link');
    const { passes, key } = this.deps;
    const row = passes.store.get(check.payload.v);
    const code = row?.state === 'approved' && row.code_sealed ? openCode(key, row.code_sealed) : undefined;
    if (!row || !code) throw notFound('pass', 'link');
    return { pass: passes.view(row), code, qr: passQr(key, row.id, code) };
  }

  /** The prefilled window on the page: from the next quarter hour, two hours, as wall-clock strings. */
  defaultWindow(): { from: string; until: string; min: string } {
    const now = this.deps.clock.now();
    const start = Math.ceil(now / 900_000) * 900_000;
    return {
      from: this.local(start),
      until: this.local(start + 2 * 3_600_000),
      min: `${this.local(now).slice(0, 10)}T00:00`,
    };
  }

  /** `2026-03-01 09:00` in the site's time zone. */
  local(ms: number): string {
    const w = wallTime(ms, this.deps.timeZone);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${w.year}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}`;
  }

  private wall(value: string, field: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
    if (!m) throw invalid(`${field}: expected a date and time like 2026-03-01T09:00`);
    const [year, month, day, hour, minute] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59)
      throw invalid(`${field}: not a date and time`);
    return fromWallTime({ year, month, day, hour, minute }, this.deps.timeZone);
  }

  private tellCode(issued: Issued, contact: VisitorContact): void {
    const { pass, code } = issued;
    const base = this.deps.config.publicUrl?.replace(/\/+$/, '');
    const link = base ? `${base}/v/${this.qrToken(pass)}` : undefined;
    this.tell(pass, contact, 'code', visitorCodeText({ ...this.words(pass, contact), code, link }));
  }

  private words(pass: PassView, contact: VisitorContact) {
    const show = (ms: number) => this.local(ms).replace('T', ' ');
    const host = this.deps.users.findByName(pass.host)?.displayName ?? pass.host;
    return { name: contact.name, host, from: show(pass.validFrom), until: show(pass.validUntil) };
  }

  private tell(
    pass: PassView,
    contact: VisitorContact,
    event: 'code' | 'declined',
    text: PersonMessage['text'],
  ): void {
    const people = this.deps.people();
    if (!people) {
      this.deps.log.warn({ pass: pass.id, event }, 'no personal notifier: the visitor was not told');
      return;
    }
    const outcome = people.tell(
      {
        displayName: contact.name,
        language: contact.language,
        contacts: { mobile: contact.mobile, ...(contact.email ? { email: contact.email } : {}) },
      },
      // the delivery log keeps the subject: the pass id only, never the code; urgent: the visitor is on their way
      { kind: 'visitor', topic: 'visitor', event, subject: { id: pass.id }, urgent: true, text },
    );
    this.deps.log.info({ pass: pass.id, event, outcome: outcome.status }, 'self-registered visitor told');
  }
}
