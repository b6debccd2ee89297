// One access check per use case: a service method starts with requireAccess(); scope is
// applied in SQL through facilityScope(), never by filtering rows in memory.
import { forbidden, notFound } from '../http/errors.ts';
import type { Actor } from './actor.ts';
import type { Permission } from './permissions.ts';

export function requireAccess(actor: Actor, permission: Permission): void {
  if (!actor.permissions.has(permission)) throw forbidden();
}

/** The facility codes to put in a WHERE clause, or null for national scope. */
export function facilityScope(actor: Actor): string[] | null {
  return actor.facilities;
}

export function inScope(actor: Actor, facilityCode: string): boolean {
  return actor.facilities === null || actor.facilities.includes(facilityCode);
}

/** Records outside the caller's scope answer 404, exactly like records that do not exist. */
export function requireInScope(actor: Actor, facilityCode: string): void {
  if (!inScope(actor, facilityCode)) throw notFound();
}
