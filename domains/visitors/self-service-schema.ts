import { z } from 'zod';
import { intIn } from '../../core/config/zod-helpers.js';

/** A rate limit for one public route, per client address. */
const rate = (max: number, perSeconds: number) =>
  z
    .strictObject({ max: intIn(1, 10_000).default(max), perSeconds: intIn(1, 86_400).default(perSeconds) })
    .prefault({});

/**
 * `visitors.selfService`: the public registration page (`/visit`, for a kiosk or a QR poster at reception).
 * A visitor finds their host by name (display names only, never usernames or contacts), registers, and,
 * once the host approves, receives the code and a link to the QR by SMS or e-mail.
 */
export const SelfServiceSchema = z
  .strictObject({
    /** Off by default: the page and its API answer 404 until a site turns it on. */
    enabled: z.boolean().default(false),
    /**
     * Who a visitor may find as host: `registrants` (every active user with passes:register, kiosks
     * excepted) or a list of usernames.
     */
    hosts: z
      .union([
        z.literal('registrants'),
        z
          .array(z.string().min(1, { error: 'expected a username' }).max(64))
          .min(1, { error: 'expected at least one username, or registrants' }),
      ])
      .default('registrants'),
    /** A search needs at least this many characters: fewer for Chinese (a surname and a given name is 2). */
    minQueryChars: z
      .strictObject({ cjk: intIn(1, 10).default(2), other: intIn(1, 20).default(3) })
      .prefault({}),
    /** At most this many names per search: enough to pick from, too few to list the staff. */
    maxResults: intIn(1, 10).default(5),
    /** How long a host token from a search stays good (the visitor fills in the form meanwhile). */
    hostTokenMinutes: intIn(1, 240).default(30),
    /** A visit may start at most this many days ahead. */
    daysAhead: intIn(0, 90).default(7),
    /** Host searches per address. */
    searchRate: rate(30, 60),
    /** Registrations per address (a kiosk serves many visitors: keep room for a queue). */
    registerRate: rate(10, 600),
  })
  .prefault({});

export type SelfServiceConfig = z.infer<typeof SelfServiceSchema>;
