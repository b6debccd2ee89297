// Named permissions. A role is a bundle of these (roles.ts); a route or service names the one
// it needs. Self-service actions (own password, language, second factor, sessions) need none
// beyond being signed in.
export const permissions = [
  // people and custody (the prisoner file)
  'person.read',
  'person.write',
  'person.children.read',
  'person.merge',
  'admission.create',
  'order.register',
  'order.verify',
  'custody.move',
  'custody.release',
  'custody.release.confirm',
  'custody.death',
  'housing.assign',
  'housing.override',
  'transfer.authorize',
  'roll.record',
  'alert.acknowledge',
  // legal time
  'legal.read',
  'legal.write',
  'sentence.verify',
  'case.write',
  'hearing.write',
  'offence.manage',
  'redemption.write',
  'redemption.evaluate',
  'redemption.decide',
  'release.explain',
  // regime and health
  'regime.read',
  'regime.write',
  'health.read',
  'health.write',
  'programme.write',
  'academy.read',
  'academy.write',
  // facilities, statistics, audit, administration
  'facility.read',
  'facility.manage',
  'statistics.read',
  'audit.read',
  'user.read',
  'user.manage',
  'token.manage',
  'role.manage',
] as const;

export type Permission = (typeof permissions)[number];

export function isPermission(value: string): value is Permission {
  return (permissions as readonly string[]).includes(value);
}
