// The roll API contract: the roll of a centre at an instant, and the counts entered against it.
import { Type, type TSchema } from 'typebox';
import { Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });

export const CodeParams = Type.Object({ code: FacilityCode });

export const RollQuery = Type.Object(
  {
    at: Type.Optional(Type.String({ format: 'date-time', description: 'The instant (ISO 8601 with offset); default now. Not in the future' })),
    unitId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

const PersonRef = Type.Object({ id: Uuid, prisonerNumber: Type.String(), name: Type.String() });
const OutEntry = Type.Object({
  person: PersonRef,
  kind: Type.Enum(['court', 'hospital', 'leave', 'transit'], { description: 'court, hospital, leave, or transit (departed on a transfer, not yet arrived)' }),
  since: Timestamp,
});
const EscapedEntry = Type.Object({ person: PersonRef, since: Timestamp });

export const RollCount = Type.Object({
  id: Uuid,
  facilityCode: Type.String(),
  unitId: Uuid,
  countedAt: Timestamp,
  counted: Type.Integer(),
  expectedPresent: Type.Integer({ description: 'Computed by the server from the records for countedAt' }),
  difference: Type.Integer({ description: 'counted − expectedPresent; negative when people are missing' }),
  notes: Nullable(Type.String()),
  recordedAt: Timestamp,
  recordedBy: Type.Object({ id: Uuid, name: Type.String() }),
});

const groupFields = {
  expected: Type.Array(PersonRef, { description: 'Who should be present: held, placed in the unit, not out' }),
  out: Type.Array(OutEntry, { description: 'Held and placed in the unit, but away at the instant' }),
  escaped: Type.Array(EscapedEntry, { description: 'Escaped and not recaptured at the instant: not held, shown apart' }),
  expectedPresent: Type.Integer(),
};

export const Roll = Type.Object({
  facilityCode: Type.String(),
  facilityName: Type.String(),
  at: Timestamp,
  units: Type.Array(
    Type.Object({
      unitId: Uuid,
      code: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      ...groupFields,
      lastCount: Nullable(RollCount),
    }),
  ),
  unplaced: Type.Object(groupFields, { description: 'Held at the centre but placed in no unit at the instant: people travelling on a transfer (out), and anyone whose placement is missing (expected: a record to correct)' }),
  totals: Type.Object({
    held: Type.Integer({ description: 'Expected present + out (escaped people are not held)' }),
    expectedPresent: Type.Integer(),
    out: Type.Integer(),
    escaped: Type.Integer(),
    unplaced: Type.Integer({ description: 'Expected present but placed in no unit: records to correct (should be 0)' }),
  }),
});

export const CountBody = Type.Object(
  {
    unitId: Uuid,
    counted: Type.Integer({ minimum: 0, maximum: 100_000, description: 'People counted in the unit' }),
    countedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the count was made; default now (earlier for a late entry), never in the future' })),
    notes: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const RecordedCount = Type.Object({ ...RollCount.properties, unitCode: Type.String(), alertId: Nullable(Uuid) });
