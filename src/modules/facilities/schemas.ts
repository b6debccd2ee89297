// The facilities API contract: centres, units and cells with the capacity in force on a date,
// and the capacity history (effective-dated entries, never overwritten).
import { Type, type Static, type TSchema } from 'typebox';
import { IsoDate, Uuid } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const CapacitySource = Type.Union([Type.Literal('official'), Type.Literal('synthetic'), Type.Literal('operational')], {
  description: 'official: published or decided by the ministry; operational: an internal working figure; synthetic: invented for the demo',
});

/** The capacity in force on the requested date: the latest entry effective on or before it. */
const capacityOnDate = {
  capacity: Nullable(Type.Integer({ minimum: 0, description: 'null: unknown on that date' })),
  capacitySource: Nullable(CapacitySource),
  capacityEffectiveFrom: Nullable(IsoDate),
};

const facilityProps = {
  code: Type.String({ examples: ['PA-LJ'] }),
  name: Type.String(),
  province: Type.String(),
  populationGroup: Type.Union([Type.Literal('men'), Type.Literal('women'), Type.Literal('mixed')]),
  securityLevel: Nullable(Type.String()),
  publishedPopulation: Nullable(Type.Integer()),
  publishedPopulationAsOf: Nullable(Type.String()),
  note: Nullable(Type.String()),
  ...capacityOnDate,
};

export const FacilitySummary = Type.Object(facilityProps);
export const FacilityList = Type.Object({ items: Type.Array(FacilitySummary) });

const unitProps = {
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: 'reception, general, pretrial, sentenced, young_adults, maximum, health, mothers, prerelease' }),
  synthetic: Type.Boolean({ description: 'invented for the demo' }),
  cellCount: Type.Integer({ minimum: 0 }),
  ...capacityOnDate,
};

export const UnitSummary = Type.Object(unitProps);
export const FacilityDetail = Type.Object({ date: IsoDate, ...facilityProps, units: Type.Array(UnitSummary) });

export const CellSummary = Type.Object({ id: Uuid, code: Type.String(), synthetic: Type.Boolean(), ...capacityOnDate });
export const UnitDetail = Type.Object({
  date: IsoDate,
  facility: Type.Object({ code: Type.String(), name: Type.String() }),
  ...unitProps,
  cells: Type.Array(CellSummary),
});

export const CapacityEntry = Type.Object({
  id: Type.Integer(),
  level: Type.Union([Type.Literal('facility'), Type.Literal('unit'), Type.Literal('cell')]),
  facilityCode: Type.String(),
  unitId: Nullable(Uuid),
  unitCode: Nullable(Type.String()),
  cellId: Nullable(Uuid),
  cellCode: Nullable(Type.String()),
  capacity: Nullable(Type.Integer({ minimum: 0 })),
  source: CapacitySource,
  effectiveFrom: IsoDate,
  reason: Type.String(),
  recordedAt: Type.String({ format: 'date-time' }),
  recordedBy: Nullable(Type.String({ description: 'username; null for reference data loaded by the system' })),
});
export const CapacityHistory = Type.Object({ items: Type.Array(CapacityEntry) });

export const CapacityBody = Type.Object(
  {
    // One schema with a type list, not anyOf: with type coercion on, anyOf's integer branch
    // would turn null into 0.
    capacity: Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: 100_000, description: 'places; null records that the figure is unknown from that date' }),
    effectiveFrom: Type.String({ format: 'date', description: 'YYYY-MM-DD, in force from this date; may be in the past (a correction), at most one year ahead' }),
    reason: Type.String({ minLength: 3, maxLength: 500 }),
    unitId: Type.Optional(Uuid),
    cellId: Type.Optional(Type.String({ format: 'uuid', description: 'a cell of the unit (the unit may be omitted)' })),
    source: Type.Optional(Type.Union([Type.Literal('official'), Type.Literal('operational')], { default: 'official' })),
  },
  { additionalProperties: false },
);
export type CapacityInput = Static<typeof CapacityBody>;

export const DateQuery = Type.Object({ date: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD; default today (in the configured time zone)' })) });
export const HistoryQuery = Type.Object({ unitId: Type.Optional(Uuid) });
export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) });
export const UnitParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }), unitId: Uuid });
