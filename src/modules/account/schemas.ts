import { Type } from 'typebox';

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.Optional(Type.String({ maxLength: 12 })),
  },
  { additionalProperties: false },
);

export const CurrentUser = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  facilities: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null = national scope' }),
  language: Type.String(),
  mustChangePassword: Type.Boolean(),
  totpEnabled: Type.Boolean(),
});

export const LoginResponse = Type.Object({ user: CurrentUser, csrfToken: Type.String() });

export const PasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const LanguageBody = Type.Object({ language: Type.Union([Type.Literal('es'), Type.Literal('en')]) }, { additionalProperties: false });

export const CodeBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 12 }) }, { additionalProperties: false });

export const MfaEnrolment = Type.Object({ secret: Type.String(), otpauthUri: Type.String() });

export const SessionItem = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});

export const SessionList = Type.Object({ items: Type.Array(SessionItem) });
