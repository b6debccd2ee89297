// Whether a user's roles require a second factor: the role_policies table, editable by
// administrators, falling back to the defaults in roles.ts.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { defaultMfaRequired, type Role } from '../access/roles.ts';

export async function mfaRequiredFor(db: Kysely<Database>, userRoles: readonly Role[]): Promise<boolean> {
  if (userRoles.length === 0) return false;
  const rows = await db.selectFrom('role_policies').select(['role', 'mfa_required']).where('role', 'in', [...userRoles]).execute();
  const policy = new Map(rows.map((r) => [r.role, r.mfa_required]));
  return userRoles.some((r) => policy.get(r) ?? defaultMfaRequired[r] ?? false);
}
