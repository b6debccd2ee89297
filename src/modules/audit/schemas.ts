// The audit API contract: searching the trail (keyset pages, newest first) and verifying its
// hash chain.
import { Type, type Static, type TSchema } from 'typebox';
import { Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const maxLimit = 200;
export const defaultLimit = 50;

export const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'username or user id; "system" and "anonymous" for entries without a user' })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'exact action, or a prefix ending in * (e.g. auth.*)' })),
  targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  personId: Type.Optional(Uuid),
  from: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD, from the start of that day in the configured time zone' })),
  to: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD, to the end of that day in the configured time zone' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'entries with a smaller id: pass the previous page\'s nextBefore' })),
});
export type AuditQueryInput = Static<typeof AuditQuery>;

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  occurredAt: Type.String({ format: 'date-time' }),
  actorId: Nullable(Uuid),
  actorName: Type.String(),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Nullable(Type.String()),
  facilityCode: Nullable(Type.String()),
  personId: Nullable(Uuid),
  before: Type.Unknown({ description: 'the value before a change (any JSON), or null' }),
  after: Type.Unknown({ description: 'the value after a change (any JSON), or null' }),
  details: Type.Unknown({ description: 'other facts of the event (any JSON), or null' }),
  requestId: Nullable(Type.String()),
  sourceIp: Nullable(Type.String()),
  sealed: Type.Boolean({ description: 'already on the hash chain (entries are sealed shortly after commit)' }),
});

export const AuditPage = Type.Object({
  items: Type.Array(AuditEntry),
  nextBefore: Nullable(Type.Integer({ description: 'pass as ?before= for the next page; null on the last page' })),
});

export const Verification = Type.Object({
  ok: Type.Boolean(),
  sealed: Type.Integer({ description: 'entries sealed and verified (before the problem, if any)' }),
  unsealed: Type.Integer({ description: 'entries not sealed yet' }),
  checkpoint: Nullable(Type.Object({ seq: Type.Integer(), entryId: Type.Integer(), hash: Type.String(), sealedAt: Type.String() })),
  problem: Nullable(Type.String({ description: 'the first problem found, naming the entry or seal' })),
  checkedAt: Type.String({ format: 'date-time' }),
});
