import { z } from 'zod';
import { envNameSchema, idSchema, intIn } from '../../core/config/zod-helpers.js';
import { SelfServiceSchema } from './self-service-schema.js';

/**
 * The site file's `visitors:` section: passes, privacy, gate behaviour and the staff access list.
 * References (gates, zones, schedules, actions) are checked by check-visitors.ts once the site is known.
 */
export const StaffBadgeSchema = z.strictObject({
  /** The card number as the reader sends it. Stored hashed; shown masked. */
  badge: z.string().min(4).max(64),
  holder: z.string().min(1).max(100),
  /** Zones whose gates it opens (sub-zones included). */
  zones: z.array(idSchema).min(1, { error: 'expected at least one zone' }),
  /** A schedule id: the badge opens only while it is on. */
  schedule: idSchema.optional(),
});

export const VisitorsSchema = z.strictObject({
  /** Gate assets the hub decides for; default every asset of kind gate fed by an MQTT device. */
  gates: z.array(idSchema).optional(),
  /** Visitor records (name, masked phone and ID, passes) are erased after this many days. */
  retentionDays: intIn(1, 3_650).default(180),
  /**
   * The key for hashing ID numbers, phones, pass codes and badges and for signing approval links and
   * allow-lists, from this environment variable; default a key generated once in the data dir.
   */
  secretEnv: envNameSchema.optional(),
  /** A registered visitor waits for the host's approval; false: passes are issued at registration. */
  requireHostApproval: z.boolean().default(true),
  pass: z
    .strictObject({
      /** Entries a pass allows unless the registration says otherwise (0: any within its window). */
      maxEntries: intIn(0, 1_000).default(1),
      /** The longest window a pass may have. */
      maxDays: intIn(1, 366).default(7),
      /** A pass opens this long before its window starts (visitors arrive early). */
      earlyMinutes: intIn(0, 1_440).default(30),
      /**
       * A person may approve a visitor they registered themselves as the host. Default false: someone
       * else decides on such a pass (security, passes:manage), so nobody issues themselves a pass alone.
       */
      selfHostAllowed: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * The accounts of registration kiosks (usernames): their sessions and API tokens register visitors and
   * cancel what they registered, and never approve, decline or revoke a pass, whatever their roles; nor can
   * a kiosk be a visitor's host.
   */
  kiosks: z
    .array(
      z
        .string({ error: 'expected a username' })
        .min(1, { error: 'expected a username' })
        .max(64, { error: 'expected a username of at most 64 characters' }),
    )
    .default([]),
  /** A visitor who went in must come out before entering again (and the reverse). */
  antiPassback: z.boolean().default(true),
  /** Actions (webhook or e-mail) that tell a host about a new visitor, with a signed approve/decline link. */
  notify: z.array(idSchema).default([]),
  /** Where hosts open the signed links (the hub's address as people reach it). */
  publicUrl: z
    .string()
    .url({ error: 'expected the hub URL people use, e.g. https://hub.example.com' })
    .optional(),
  approvalLinkHours: intIn(1, 168).default(24),
  /** The signed allow-list pushed to each gate for when the hub is unreachable. */
  allowList: z
    .strictObject({
      refreshMinutes: intIn(1, 1_440).default(5),
      validHours: intIn(1, 168).default(24),
    })
    .prefault({}),
  /**
   * How long a gate's door stays open for one decision (the controllers' setting; the longest if they differ).
   * An open decision holds its entry this long plus 5 s, until the passage is reported.
   */
  doorOpenSeconds: intIn(1, 600).default(10),
  /** Door held open longer than this raises an alert. */
  doorHeldOpenSeconds: intIn(5, 3_600).default(30),
  /** This many denials at one gate within the window raise an alert. */
  denialBurst: z
    .strictObject({ count: intIn(2, 1_000).default(5), withinSeconds: intIn(5, 3_600).default(60) })
    .prefault({}),
  staff: z.array(StaffBadgeSchema).default([]),
  /** The public registration page for visitors (self-service-schema.ts). */
  selfService: SelfServiceSchema,
});

export type VisitorsConfig = z.infer<typeof VisitorsSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** Visitor passes, gates and staff badges. */
    visitors: VisitorsConfig;
  }
}
