import { type Actor, PERMISSIONS, type Permission } from '../../core/actor.js';
import { permissionsOf, type Role } from './roles.js';

/**
 * Who changes users, as the checks see them: an Actor for the audit log, and through the API the permissions
 * of the acting credential (a session's roles, or a token's scopes within them).
 */
export type UserManager = Actor & { permissions?: ReadonlySet<Permission> };

const EVERYTHING: ReadonlySet<Permission> = new Set(PERMISSIONS);
const NOTHING: ReadonlySet<Permission> = new Set();

/**
 * What a manager holds. The hub itself and the operator's CLI (a person at the hub's machine, who could edit
 * the database anyway) hold everything; anyone else what their credential carries, nothing if it says nothing.
 */
export function heldBy(by: UserManager): ReadonlySet<Permission> {
  if (by.via === 'system' || by.via === 'cli') return EVERYTHING;
  return by.permissions ?? NOTHING;
}

/**
 * The permissions of `roles` that `by` does not hold. Nobody grants what they do not hold, nor changes (or
 * resets the password of, or unlocks) a user who holds what they do not: a token scoped to users:manage
 * alone cannot make an admin or take one over.
 */
export function lacking(by: UserManager, roles: readonly Role[]): Permission[] {
  const held = heldBy(by);
  return [...permissionsOf(roles)].filter((p) => !held.has(p));
}
