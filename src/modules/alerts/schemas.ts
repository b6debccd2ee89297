// The alerts API contract: alerts (raised, acknowledged, escalated, closed) and their
// configurable types.
import { Type, type TSchema } from 'typebox';
import { apiOnlyRoles, roles } from '../../platform/access/roles.ts';
import { Uuid, Version } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const severities = ['critical', 'high', 'medium', 'low'] as const;
export const statuses = ['open', 'acknowledged', 'closed'] as const;
/** Roles an alert can be addressed to: every role that signs in to pages. */
export const recipientRoles = roles.filter((r) => !apiOnlyRoles.includes(r));
export const typeCodePattern = '^[a-z][a-z0-9_]{2,40}$';
export const maxHours = 8760;

export const Severity = Type.Enum([...severities], { description: 'critical, high, medium or low' });
export const TypeCode = Type.String({ pattern: typeCodePattern, description: 'Lower-case letters, digits and underscore; 3–41 characters, starting with a letter' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const RecipientRole = Type.Enum([...recipientRoles], { description: 'The role the alert is addressed to at the centre' });
const Names = Type.Object({ es: Type.String(), en: Type.String() });
const UserRef = Nullable(Type.Object({ id: Uuid, name: Type.String() }));

export const TrailEntry = Type.Object({
  action: Type.Enum(['raised', 'escalated', 'acknowledged', 'closed']),
  at: Timestamp,
  actor: Type.String({ description: 'Display name of the user, or "system"' }),
  escalationLevel: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
});

export const Alert = Type.Object({
  id: Uuid,
  typeCode: Type.String(),
  typeName: Names,
  personId: Nullable(Uuid),
  person: Nullable(Type.Object({ prisonerNumber: Type.String(), name: Type.String() })),
  facilityCode: Nullable(Type.String()),
  recipientRole: Type.String(),
  severity: Severity,
  summary: Type.String(),
  details: Type.Unknown({ description: 'Structured details given by whoever raised the alert (JSON), or null' }),
  status: Type.Enum([...statuses]),
  raisedAt: Timestamp,
  raisedBy: UserRef,
  dueAt: Timestamp,
  overdue: Type.Boolean({ description: 'Open and past its due time' }),
  escalationLevel: Type.Integer({ minimum: 0, maximum: 2, description: '0: the recipient role at the centre; 1: the centre director; 2: headquarters' }),
  escalatedAt: Nullable(Timestamp),
  acknowledgedAt: Nullable(Timestamp),
  acknowledgedBy: UserRef,
  acknowledgementNote: Nullable(Type.String()),
  closedAt: Nullable(Timestamp),
  actionable: Type.Boolean({ description: 'The caller may acknowledge or close it (addressed to them, in scope)' }),
  version: Type.Integer({ minimum: 1 }),
});

export const AlertDetail = Type.Object({ ...Alert.properties, trail: Type.Array(TrailEntry) });

export const AlertList = Type.Object({ items: Type.Array(Alert), total: Type.Integer() });

export const AlertQuery = Type.Object(
  {
    mine: Type.Optional(Type.Boolean({ description: 'Only alerts addressed to the caller (role, escalation level, scope)' })),
    facility: Type.Optional(FacilityCode),
    status: Type.Optional(Type.Enum([...statuses], { description: 'open: not acknowledged; acknowledged: not closed; closed. Omitted: all' })),
    personId: Type.Optional(Uuid),
    type: Type.Optional(TypeCode),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

export const AlertParams = Type.Object({ id: Uuid });

export const RaiseAlertBody = Type.Object(
  {
    typeCode: TypeCode,
    personId: Type.Optional(Uuid),
    facilityCode: FacilityCode,
    summary: Type.String({ minLength: 1, maxLength: 500 }),
    details: Type.Optional(Type.String({ maxLength: 2000, description: 'Free text, kept as {"text": …}' })),
    severity: Type.Optional(Severity),
  },
  { additionalProperties: false, description: 'Severity, recipient role and due time default from the alert type' },
);

export const NoteBody = Type.Object(
  {
    note: Type.String({ maxLength: 1000, description: 'What was done or will be done; 3–1000 characters' }),
    version: Version,
  },
  { additionalProperties: false },
);

export const AlertType = Type.Object({
  code: Type.String(),
  nameEs: Type.String(),
  nameEn: Type.String(),
  defaultSeverity: Severity,
  recipientRole: Type.String(),
  acknowledgeWithinHours: Type.Integer({ minimum: 1 }),
  active: Type.Boolean({ description: 'Inactive types cannot be raised; existing alerts stay' }),
});

export const AlertTypeList = Type.Object({ items: Type.Array(AlertType) });

const typeFields = {
  nameEs: Type.String({ minLength: 1, maxLength: 100 }),
  nameEn: Type.String({ minLength: 1, maxLength: 100 }),
  defaultSeverity: Severity,
  recipientRole: RecipientRole,
  acknowledgeWithinHours: Type.Integer({ minimum: 1, maximum: maxHours, description: 'Hours before an unacknowledged alert escalates' }),
  active: Type.Boolean(),
};

export const CreateAlertTypeBody = Type.Object(
  { code: TypeCode, ...typeFields, active: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);

export const UpdateAlertTypeBody = Type.Object(
  {
    nameEs: Type.Optional(typeFields.nameEs),
    nameEn: Type.Optional(typeFields.nameEn),
    defaultSeverity: Type.Optional(typeFields.defaultSeverity),
    recipientRole: Type.Optional(typeFields.recipientRole),
    acknowledgeWithinHours: Type.Optional(typeFields.acknowledgeWithinHours),
    active: Type.Optional(typeFields.active),
  },
  { additionalProperties: false, description: 'Fields left out keep their value' },
);

export const AlertTypeParams = Type.Object({ code: TypeCode });
