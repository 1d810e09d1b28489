import { invalid } from '../../core/errors.js';
import { permissionsOf } from '../../platform/security/roles.js';
import type { User, UserStore } from '../../platform/security/user-store.js';
import { openText, sealText } from './sealed-text.js';
import type { SelfServiceConfig } from './self-service-schema.js';

const TOKEN_PURPOSE = 'host-token';
const MAX_QUERY_CHARS = 40;
const HAN = /\p{Script=Han}/u;

/** One search result: what a visitor at the kiosk sees of a host, and nothing else. */
export interface HostMatch {
  name: string;
  /** Opaque and expiring (sealed, fresh IV each time): names the host to the registration, leaks nothing. */
  token: string;
}

/**
 * The hosts a visitor may find on the public page: a name search over display names only, with a minimum
 * length (fewer characters for Chinese names) and a cap on results, so the page is no staff directory. A
 * result carries a sealed token instead of the username; registration opens it.
 */
export class HostDirectory {
  constructor(
    private readonly deps: {
      users: UserStore;
      key: Buffer;
      config: SelfServiceConfig;
      /** Kiosk accounts (visitors.kiosks) are never hosts. */
      kiosks: ReadonlySet<string>;
      now: () => number;
    },
  ) {}

  /** The fewest characters a query needs: `cjk` when it holds a Han character, else `other`. */
  minChars(q: string): number {
    const m = this.deps.config.minQueryChars;
    return HAN.test(q) ? m.cjk : m.other;
  }

  search(query: string): HostMatch[] {
    const q = fold(query);
    const length = [...q].length;
    if (length > MAX_QUERY_CHARS) throw invalid(`q: at most ${MAX_QUERY_CHARS} characters`);
    const min = this.minChars(q);
    if (length < min) throw invalid(`q: type at least ${min} characters of the host's name`);
    const expiresAt = this.deps.now() + this.deps.config.hostTokenMinutes * 60_000;
    return this.hosts()
      .filter((u) => fold(u.displayName).includes(q))
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .slice(0, this.deps.config.maxResults)
      .map((u) => ({
        name: u.displayName,
        token: sealText(this.deps.key, TOKEN_PURPOSE, JSON.stringify({ u: u.username, exp: expiresAt })),
      }));
  }

  /** The username a token names, if the token is ours, not expired, and its user may still be found. */
  open(token: string): string | undefined {
    const text = openText(this.deps.key, TOKEN_PURPOSE, token);
    if (!text) return undefined;
    const { u, exp } = JSON.parse(text) as { u: string; exp: number };
    if (this.deps.now() >= exp) return undefined;
    return this.hosts().some((h) => h.username === u) ? u : undefined;
  }

  private hosts(): User[] {
    const { config, kiosks } = this.deps;
    const listed = config.hosts === 'registrants' ? undefined : new Set(config.hosts);
    return this.deps.users
      .list()
      .filter(
        (u) =>
          !u.disabled &&
          !kiosks.has(u.username) &&
          (listed ? listed.has(u.username) : permissionsOf(u.roles).has('passes:register')),
      );
  }
}

/** Compare names as people type them: width and case folded, spaces trimmed. */
function fold(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase();
}
