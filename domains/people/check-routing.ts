import type { SiteConfig } from '../../core/config/site-schema.js';
import { ACTION_TYPES_OF } from '../../platform/people/contact-address.js';
import type { ChannelKind } from '../../platform/people/people-types.js';

type Fail = (path: PropertyKey[], message: string) => void;

/** people.channels name channel actions (not commands); default channels are kinds the site carries. */
export function checkRouting(config: SiteConfig, fail: Fail): void {
  const p = config.people;
  const channels = new Map(config.actions.filter((a) => a.type !== 'command').map((a) => [a.id, a.type]));
  for (const [kind, id] of Object.entries(p.channels)) {
    if (id === undefined) continue;
    const type = channels.get(id);
    const fits = ACTION_TYPES_OF[kind as ChannelKind];
    if (!type) fail(['people', 'channels', kind], `no notification action "${id}" (actions:)`);
    // a webhook may carry any kind: the site's own bridge gets the recipient and the text as JSON
    else if (type !== 'webhook' && !fits.includes(type))
      fail(
        ['people', 'channels', kind],
        `action "${id}" is a ${type}; ${kind} takes ${fits.join(' or ')} (or a webhook)`,
      );
  }
  for (const [messageKind, kinds] of Object.entries(p.defaultChannels)) {
    kinds?.forEach((kind, i) => {
      if (p.channels[kind] === undefined)
        fail(
          ['people', 'defaultChannels', messageKind, i],
          `channel "${kind}" has no action in people.channels`,
        );
    });
  }
}
