// The administration API's contract: accounts, API tokens and role policies.
import { Type, type TSchema } from 'typebox';
import { roles } from '../../platform/access/roles.ts';
import { Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const Username = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,62}$', description: 'Lower-case letters, digits, dot, underscore, hyphen; 2–63 characters' });
export const RoleName = Type.Enum([...roles], { description: 'A role identifier' });
export const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const RoleList = Type.Array(RoleName, { minItems: 1, maxItems: roles.length, uniqueItems: true });
const FacilityList = Type.Array(FacilityCode, { maxItems: 100, uniqueItems: true, description: 'Centres reached; empty when national' });
const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters, not a common password' });

export const User = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  national: Type.Boolean({ description: 'Reaches every centre' }),
  facilities: Type.Array(Type.String()),
  language: Type.String(),
  disabled: Type.Boolean(),
  disabledAt: Nullable(Timestamp),
  locked: Type.Boolean({ description: 'Temporarily locked after repeated failed sign-ins' }),
  lockedUntil: Nullable(Timestamp),
  failedLogins: Type.Integer({ description: 'Consecutive failed sign-ins' }),
  lastFailedAt: Nullable(Timestamp),
  totpEnabled: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  lastLoginAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer({ minimum: 1 }),
});

export const UserList = Type.Object({ items: Type.Array(User), total: Type.Integer() });

export const UserQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the user name or display name' })),
    status: Type.Optional(Type.Enum(['active', 'disabled', 'locked'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    roles: RoleList,
    national: Type.Optional(Type.Boolean({ default: false })),
    facilities: Type.Optional(FacilityList),
    password: Password,
  },
  { additionalProperties: false, description: 'Scope: national true, or one or more facilities. The password is temporary: the user changes it at first sign-in.' },
);

export const UpdateUserBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version read; a newer one answers 409' }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    roles: Type.Optional(RoleList),
    national: Type.Optional(Type.Boolean()),
    facilities: Type.Optional(FacilityList),
  },
  { additionalProperties: false, description: 'Fields left out keep their value; sending facilities alone scopes the user to them' },
);

export const ResetPasswordBody = Type.Object({ password: Password }, { additionalProperties: false, description: 'A temporary password; the user must change it at next sign-in' });

export const UserParams = Type.Object({ id: Uuid });

export const Token = Type.Object({
  id: Uuid,
  userId: Uuid,
  label: Type.String(),
  prefix: Type.String({ description: 'The first characters, to recognise the token' }),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  active: Type.Boolean(),
});

export const TokenList = Type.Object({ items: Type.Array(Token) });

export const CreateTokenBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });

export const CreatedToken = Type.Object({
  ...Token.properties,
  token: Type.String({ description: 'The token itself, shown this once only; send it as Authorization: Bearer <token>' }),
});

export const TokenParams = Type.Object({ id: Uuid });

export const Role = Type.Object({
  role: Type.String(),
  permissions: Type.Array(Type.String()),
  mfaRequired: Type.Boolean({ description: 'Users with this role must use a second factor' }),
  apiOnly: Type.Boolean({ description: 'Cannot sign in to pages (API tokens only)' }),
  version: Type.Integer({ minimum: 0, description: '0 while the built-in default applies' }),
});

export const RoleListResponse = Type.Object({ items: Type.Array(Role) });

export const RoleParams = Type.Object({ role: Type.String({ maxLength: 40 }) });

export const RolePolicyBody = Type.Object(
  { mfaRequired: Type.Boolean(), version: Type.Optional(Type.Integer({ minimum: 0, description: 'The version read; a newer one answers 409' })) },
  { additionalProperties: false },
);
