// The housing API contract: a centre's units and cells with occupancy, a unit's occupants, and
// moving a person (with the separation rules and their override).
import { Type, type TSchema } from 'typebox';
import { Uuid } from '../../platform/http/schemas.ts';
import { reasonLimits, overrideReasonLimits } from './service.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const FacilityCode = Type.String({ pattern: '^[A-Z]{2}-[A-Z0-9]{2,5}$', description: 'Centre code, e.g. PA-LJ' });
const CapacitySource = Nullable(Type.Enum(['official', 'synthetic', 'operational']));
const Group = Type.Enum(['men', 'women', 'mixed']);
const UnitKind = Type.String({ description: 'reception, general, pretrial, sentenced, young_adults, maximum, health, mothers or prerelease' });

export const CodeParams = Type.Object({ code: FacilityCode });
export const UnitParams = Type.Object({ unitId: Uuid });
export const PersonParams = Type.Object({ id: Uuid });

const occupancyFields = {
  capacity: Nullable(Type.Integer({ description: 'Places, as of today (capacity history); null when unknown' })),
  capacitySource: CapacitySource,
  occupants: Type.Integer({ description: 'People held and placed here now (temporarily out included, escaped not)' }),
  overcrowded: Type.Boolean({ description: 'More occupants than places: allowed, always shown' }),
};

export const Cell = Type.Object({ id: Uuid, code: Type.String(), ...occupancyFields });

const unitFields = {
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  kind: UnitKind,
  ...occupancyFields,
  withoutCell: Type.Integer({ description: 'Placed in the unit without a cell' }),
};

export const FacilityHousing = Type.Object({
  date: Type.String({ format: 'date' }),
  facility: Type.Object({ code: Type.String(), name: Type.String(), populationGroup: Group, capacity: Nullable(Type.Integer()), capacitySource: CapacitySource }),
  units: Type.Array(Type.Object({ ...unitFields, overcrowdedCells: Type.Integer(), cells: Type.Array(Cell) })),
  totals: Type.Object({
    occupants: Type.Integer(),
    overcrowded: Type.Boolean({ description: 'The centre holds more people than its capacity' }),
    overcrowdedUnits: Type.Integer(),
    overcrowdedCells: Type.Integer(),
    unplaced: Type.Integer({ description: 'Held at the centre but placed in no unit (should be 0)' }),
  }),
});

export const OccupantsQuery = Type.Object({ cellId: Type.Optional(Uuid) }, { additionalProperties: false });

export const Occupant = Type.Object({
  personId: Uuid,
  prisonerNumber: Type.String(),
  name: Type.String(),
  sex: Type.String(),
  age: Nullable(Type.Integer()),
  legalStatus: Nullable(Type.Enum(['pretrial', 'sentenced', 'other'])),
  cellId: Nullable(Uuid),
  cellCode: Nullable(Type.String()),
  since: Nullable(Timestamp),
  out: Nullable(Type.Object({ kind: Type.Enum(['court', 'hospital', 'leave', 'transit']), since: Timestamp }, { description: 'Temporarily away, still held here' })),
  overrideRules: Nullable(Type.Array(Type.String(), { description: 'Separation rules this placement was allowed to break by an override' })),
});

export const UnitOccupants = Type.Object({
  date: Type.String({ format: 'date' }),
  unit: Type.Object({ ...unitFields, facilityCode: Type.String(), facilityName: Type.String(), populationGroup: Group }),
  cells: Type.Array(Cell),
  occupants: Type.Array(Occupant),
});

export const MoveBody = Type.Object(
  {
    unitId: Uuid,
    cellId: Type.Optional(Nullable(Uuid)),
    reason: Type.String({ maxLength: reasonLimits.max, description: `Why the person is moved; ${reasonLimits.min}–${reasonLimits.max} characters` }),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'When the move happened (a late entry); default now. Not in the future, and after the current placement began' })),
    override: Type.Optional(
      Type.Object(
        { reason: Type.String({ maxLength: overrideReasonLimits.max, description: `Why the separation rules are set aside for this person; ${overrideReasonLimits.min}–${overrideReasonLimits.max} characters` }) },
        { additionalProperties: false, description: 'Only users with housing.override (directors); recorded on the placement, audited and alerted' },
      ),
    ),
  },
  { additionalProperties: false },
);

const Occupancy = Type.Object({ capacity: Nullable(Type.Integer()), occupants: Type.Integer(), overcrowded: Type.Boolean() });

export const Placement = Type.Object({
  id: Uuid,
  personId: Uuid,
  episodeId: Uuid,
  facilityCode: Type.String(),
  unit: Type.Object({ id: Uuid, code: Type.String(), name: Type.String(), kind: UnitKind }),
  cell: Nullable(Type.Object({ id: Uuid, code: Type.String() })),
  validFrom: Timestamp,
  reason: Type.String(),
  recordedAt: Timestamp,
  recordedBy: Type.Object({ id: Uuid, name: Type.String() }),
  previous: Nullable(
    Type.Object({ id: Uuid, unitId: Uuid, unitCode: Type.String(), cellId: Nullable(Uuid), cellCode: Nullable(Type.String()), validFrom: Timestamp, validTo: Timestamp }),
  ),
  separation: Type.Object({
    ruleSetId: Type.String({ description: 'The separation rule set applied, e.g. SEP-2026/1' }),
    problems: Type.Array(
      Type.Object({
        rule: Type.Enum(['sex', 'gender_identity', 'legal_status', 'age']),
        cause: Type.Enum(['population_group', 'identity', 'unit_kind', 'occupants']),
        field: Type.Enum(['unitId', 'cellId']),
        legalBasis: Type.String(),
      }),
      { description: 'Rules broken and overridden (empty when the placement breaks none)' },
    ),
  }),
  override: Nullable(Type.Object({ rules: Type.Array(Type.String()), reason: Type.String(), by: Type.Object({ id: Uuid, name: Type.String() }), alertId: Uuid })),
  occupancy: Type.Object({ unit: Occupancy, cell: Nullable(Occupancy) }, { description: 'After the move' }),
});
