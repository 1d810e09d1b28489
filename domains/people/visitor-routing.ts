import type { EventBus } from '../../core/bus.js';
import type { Logger } from '../../core/logger.js';
import type { PeopleNotifier } from '../../platform/people/people-types.js';
import type { PassView } from '../visitors/pass-types.js';
import { visitorRequestedText } from './visitor-text.js';

export interface VisitorRoutingOptions {
  bus: EventBus;
  people: PeopleNotifier;
  passes: { approvalLink(p: PassView): { url?: string } };
  timeZone: string;
  log: Logger;
}

/**
 * A visitor waiting for their host → the host, on the host's visitor channel, with the signed approve/decline
 * link (beside the site-wide `visitors.notify` actions, which keep working); not when the host registered them.
 */
export function wireVisitorRouting(o: VisitorRoutingOptions): () => void {
  return o.bus.on('pass.requested', ({ pass }) => {
    if (pass.createdBy === pass.host) return; // a host who registered their own visitor knows
    const link = o.passes.approvalLink(pass).url;
    const outcome = o.people.tell(pass.host, {
      kind: 'visitor',
      topic: 'visitor',
      event: 'requested',
      // the pass as the host sees it (the visitor's phone and id only masked)
      subject: { ...pass, ...(link ? { approvalUrl: link } : {}) },
      text: visitorRequestedText(pass, link, o.timeZone),
    });
    o.log.debug({ pass: pass.id, host: pass.host, outcome: outcome.status }, 'visitor message to the host');
  });
}
