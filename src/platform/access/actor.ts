// Who is acting: the signed-in user or the token's user, with roles, permissions and scope.
import type { Kysely } from 'kysely';
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

export async function loadActor(db: Kysely<Database>, userId: string, via: Actor['via']): Promise<Actor | null> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'language', 'national_scope', 'must_change_password', 'totp_enabled_at', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.disabled_at) return null;
  const [roleRows, facilityRows] = await Promise.all([
    db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute(),
    user.national_scope ? Promise.resolve([]) : db.selectFrom('user_facilities').select('facility_code').where('user_id', '=', userId).orderBy('facility_code').execute(),
  ]);
  const roles = roleRows.map((r) => r.role).filter(isRole);
  return {
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    roles,
    permissions: permissionsOf(roles),
    facilities: user.national_scope ? null : facilityRows.map((f) => f.facility_code),
    language: user.language === 'en' ? 'en' : 'es',
    mustChangePassword: user.must_change_password,
    totpEnabled: user.totp_enabled_at !== null,
    via,
  };
}
