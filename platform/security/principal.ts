import type { Actor, Permission } from '../../core/actor.js';
import type { UserManager } from './privileges.js';
import type { Session } from './session-store.js';
import type { ApiToken } from './token-store.js';
import type { User } from './user-store.js';

/** Who is asking: a user through a dashboard session, or an integration through an API token. */
export interface Principal {
  via: 'session' | 'token';
  user: User;
  /** What this request may do: the user's roles' permissions, narrowed to the token's scopes. */
  permissions: ReadonlySet<Permission>;
  session?: Session;
  token?: ApiToken;
}

export function actorOf(p: Principal | undefined, ip?: string): Actor {
  if (!p) return { actor: 'anonymous', via: 'anonymous', ip };
  return { actor: p.user.username, via: p.via, tokenId: p.token?.id, ip };
}

/** A principal managing users: its actor, and what its credential (session or token) holds. */
export function managerOf(p: Principal, ip?: string): UserManager {
  return { ...actorOf(p, ip), permissions: p.permissions };
}

/** A user as the API and the audit log show it: never the password hash. */
export function publicUser(u: User) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    disabled: u.disabled,
    lastLoginAt: u.lastLoginAt,
    createdAt: u.createdAt,
  };
}

export function publicToken(t: ApiToken, owner?: string) {
  return {
    id: t.id,
    name: t.name,
    owner,
    scopes: t.scopes,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}
