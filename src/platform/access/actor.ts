// Who is acting: the signed-in user or the token's user, with roles, permissions and scope.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Language } from '../i18n/i18n.ts';
import { permissionsOf, type Role, isRole } from './roles.ts';
import type { Permission } from './permissions.ts';

export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
  permissions: Set<Permission>;
  /** null = national scope; otherwise the facility codes the user reaches. */
  facilities: string[] | null;
  language: Language;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  via: 'session' | 'token';
}

/**
 * The user's columns with their roles and centres as arrays: one query builds an actor
 * (this runs on every request, so it must stay a single indexed lookup).
 */
export function actorColumns() {
  return [
    'u.id',
    'u.username',
    'u.display_name',
    'u.language',
    'u.national_scope',
    'u.must_change_password',
    'u.totp_enabled_at',
    sql<string[]>`array(SELECT r.role FROM user_roles r WHERE r.user_id = u.id ORDER BY r.role)`.as('roles'),
    sql<string[]>`array(SELECT f.facility_code FROM user_facilities f WHERE f.user_id = u.id ORDER BY f.facility_code)`.as('facility_codes'),
  ] as const;
}

export interface ActorRow {
  id: string;
  username: string;
  display_name: string;
  language: string;
  national_scope: boolean;
  must_change_password: boolean;
  totp_enabled_at: Date | null;
  roles: string[];
  facility_codes: string[];
}

export function actorFromRow(row: ActorRow, via: Actor['via']): Actor {
  const roles = row.roles.filter(isRole);
  return {
    userId: row.id,
    username: row.username,
    displayName: row.display_name,
    roles,
    permissions: permissionsOf(roles),
    facilities: row.national_scope ? null : row.facility_codes,
    language: row.language === 'en' ? 'en' : 'es',
    mustChangePassword: row.must_change_password,
    totpEnabled: row.totp_enabled_at !== null,
    via,
  };
}

export async function loadActor(db: Kysely<Database>, userId: string, via: Actor['via']): Promise<Actor | null> {
  const row = await db.selectFrom('users as u').select(actorColumns()).where('u.id', '=', userId).where('u.disabled_at', 'is', null).executeTakeFirst();
  return row ? actorFromRow(row, via) : null;
}
