// Roles as bundles of permissions. The README's role × permission table is generated from
// this file (test/readme-roles.test.ts keeps them equal).
import type { Permission } from './permissions.ts';

export const roles = [
  'admin',
  'records_officer',
  'duty_officer',
  'director',
  'legal',
  'technical_board',
  'health',
  'programmes',
  'academy',
  'statistician',
  'inspector',
  'partner',
] as const;

export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

// Every staff role reads facilities and aggregate statistics within its scope.
const staffBase: Permission[] = ['facility.read', 'statistics.read'];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: [...staffBase, 'facility.manage', 'offence.manage', 'user.read', 'user.manage', 'token.manage', 'role.manage', 'audit.read'],
  records_officer: [
    ...staffBase,
    'person.read',
    'person.write',
    'person.children.read',
    'admission.create',
    'order.register',
    'custody.move',
    'custody.release',
    'custody.release.confirm',
    'custody.death',
    'housing.assign',
    'alert.acknowledge',
    'legal.read',
    'case.write',
    'hearing.write',
  ],
  duty_officer: [...staffBase, 'person.read', 'custody.move', 'roll.record', 'alert.acknowledge'],
  director: [
    ...staffBase,
    'person.read',
    'person.children.read',
    'person.merge',
    'order.verify',
    'housing.assign',
    'housing.override',
    'transfer.authorize',
    'custody.release.confirm',
    'custody.death',
    'alert.acknowledge',
    'legal.read',
    'release.explain',
    'regime.read',
  ],
  legal: [
    ...staffBase,
    'person.read',
    'order.register',
    'order.verify',
    'legal.read',
    'legal.write',
    'sentence.verify',
    'case.write',
    'hearing.write',
    'redemption.write',
    'redemption.decide',
    'release.explain',
    'alert.acknowledge',
  ],
  technical_board: [...staffBase, 'person.read', 'person.children.read', 'legal.read', 'regime.read', 'regime.write', 'redemption.evaluate'],
  health: [...staffBase, 'person.read', 'health.read', 'health.write', 'alert.acknowledge'],
  programmes: [...staffBase, 'person.read', 'programme.write', 'redemption.write'],
  academy: [...staffBase, 'academy.read', 'academy.write'],
  statistician: [...staffBase],
  // Reads everything (audit included) except clinical health contents; changes nothing.
  inspector: [...staffBase, 'person.read', 'person.children.read', 'legal.read', 'regime.read', 'academy.read', 'audit.read', 'user.read'],
  // Partner systems (courts, prosecutors) through the API only.
  partner: ['person.read', 'legal.read', 'facility.read'],
};

/** Roles that may never sign in to pages (API tokens only). */
export const apiOnlyRoles: readonly Role[] = ['partner'];

/** Default second-factor policy; administrators change it per role (role_policies). */
export const defaultMfaRequired: Readonly<Partial<Record<Role, boolean>>> = { admin: true };

export function permissionsOf(userRoles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of userRoles) if (isRole(r)) for (const p of rolePermissions[r]) out.add(p);
  return out;
}
