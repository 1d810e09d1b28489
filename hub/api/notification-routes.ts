import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DELIVERY_STATES, type DeliveryLog, MAX_PAGE } from '../../platform/notify/delivery-log.js';
import type { Notifier } from '../../platform/notify/notifier.js';
import type { PeopleRouting, PersonNotifier } from '../../platform/people/person-notifier.js';

export interface NotificationRouteServices {
  deliveries: DeliveryLog;
  notifier: Notifier;
  people: PersonNotifier;
  routing: PeopleRouting;
}

const access = 'notify:read' as const;

/** The delivery log and each channel's health (notify:read). */
export async function notificationRoutes(app: FastifyInstance, s: NotificationRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];

  api.get(
    '/api/v1/notifications/deliveries',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'The delivery log, newest first: each delivery to a channel, held, queued, sent, failed (why), dropped or unreachable',
        querystring: z.strictObject({
          state: z.enum(DELIVERY_STATES).optional(),
          channel: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('an action id, a channel type or a channel kind'),
          recipient: z.string().min(1).max(128).optional().describe('a username (or a masked address)'),
          topic: z.enum(['alert', 'ticket', 'visitor']).optional(),
          before: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('the id of the last row of the previous page'),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
        }),
      },
    },
    async (req) => {
      const items = s.deliveries.list(req.query);
      const next = items.length === req.query.limit ? items.at(-1)?.id : undefined;
      return { items, next };
    },
  );

  api.get(
    '/api/v1/notifications/channels',
    {
      config: { access },
      schema: {
        tags,
        summary:
          "Each channel action's delivery counts and last error (since start), the channel kinds it carries, and unreachable people",
      },
    },
    async () => {
      const stats = s.notifier.stats();
      const channels = Object.entries(stats).map(([id, st]) => ({
        id,
        type: s.notifier.channelType(id),
        kinds: Object.entries(s.routing.channels)
          .filter(([, action]) => action === id)
          .map(([kind]) => kind),
        ...st,
      }));
      return { channels, unreachable: s.people.unreachable() };
    },
  );
}
