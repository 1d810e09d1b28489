import { personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { conflict } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { UserStore } from '../../platform/security/user-store.js';
import { openCode } from './code-seal.js';
import { passQr } from './pass-qr.js';
import type { PassService } from './pass-service.js';
import type { PassActor } from './pass-state.js';
import { maskName } from './privacy.js';
import type { Slip } from './slip-types.js';

export type { Slip };

/**
 * The pass slip (出入凭证): what reception prints for an approved visitor, on paper (slip-pdf.ts) or from the
 * dashboard's print view. The name is masked (a slip is left on desks); the QR is rebuilt from the sealed code,
 * as the gates' allow-lists are, so nothing new is stored. Only a pass that can still open a gate has one.
 */
export class PassSlips {
  constructor(
    private readonly d: {
      passes: PassService;
      key: Buffer;
      site: SiteModel;
      users: UserStore;
      clock: Clock;
      audit: AuditLog;
    },
  ) {}

  /**
   * The slip of a pass the caller may see (404 otherwise, as for the pass itself); 409 when the pass cannot
   * open a gate (not approved, over, used up) or its code cannot be rebuilt. Audited: a slip carries the code.
   */
  slip(id: number, who: PassActor, medium: 'pdf' | 'print'): Slip {
    const pass = this.d.passes.visible(id, who);
    const now = this.d.clock.now();
    if (pass.state !== 'approved')
      throw conflict(`pass ${id} is ${pass.state}: only an approved pass has a slip`, { state: pass.state });
    if (pass.validUntil <= now) throw conflict(`pass ${id} is over: its window ended`, { state: 'over' });
    if (pass.maxEntries > 0 && pass.entriesUsed >= pass.maxEntries)
      throw conflict(`pass ${id} has used all its ${pass.maxEntries} entries`, { state: 'used-up' });
    const sealed = this.d.passes.store.get(id)?.code_sealed;
    const code = sealed ? openCode(this.d.key, sealed) : undefined;
    if (!code)
      throw conflict(
        `pass ${id}'s code cannot be rebuilt (issued before sealed codes, or under another visitors key): issue a new pass`,
      );
    this.d.audit.record(personActor(who), { action: 'pass.slip', target: String(id), detail: medium });
    const { site } = this.d;
    return {
      passId: id,
      siteName: site.site.name,
      timeZone: site.site.timezone,
      visitorName: maskName(pass.visitorName),
      company: pass.company,
      host: pass.host,
      hostName: this.d.users.findByName(pass.host)?.displayName || pass.host,
      validFrom: pass.validFrom,
      validUntil: pass.validUntil,
      opensAt: pass.opensAt,
      maxEntries: pass.maxEntries,
      entriesUsed: pass.entriesUsed,
      gates: pass.gates?.map((g) => ({ id: g, name: site.assetById.get(g)?.name ?? g })) ?? null,
      qr: passQr(this.d.key, id, code),
      issuedAt: now,
    };
  }
}
