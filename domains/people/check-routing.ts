import type { SiteConfig } from '../../core/config/site-schema.js';

type Fail = (path: PropertyKey[], message: string) => void;

/** people.channels name channel actions (not commands); default channels are kinds the site carries. */
export function checkRouting(config: SiteConfig, fail: Fail): void {
  const p = config.people;
  const channels = new Map(config.actions.filter((a) => a.type !== 'command').map((a) => [a.id, a.type]));
  for (const [kind, id] of Object.entries(p.channels)) {
    if (id === undefined) continue;
    if (!channels.has(id)) fail(['people', 'channels', kind], `no notification action "${id}" (actions:)`);
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
