// The statistics API contract: occupancy on a date (issue 5) and the late entries that changed
// a past figure. The bodies carry no timestamps, so the same data always gives the same bytes.
import { Type, type TSchema } from 'typebox';
import { IsoDate } from '../../platform/http/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const OccupancyQuery = Type.Object({
  date: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD, the end of that day in the configured time zone; default today; a future date answers 422' })),
});

const counts = {
  population: Count('persons held at the end of the day: an open facility stay, people temporarily out (court, hospital, leave) included, people in transit counted at the centre they left, escaped people excluded'),
  occupancyRate: Nullable(Type.Number({ description: 'population ÷ capacity × 100, one decimal; null without a known capacity' })),
  unsentenced: Count('held without a first-instance sentence (legal status pretrial)'),
  women: Count('recorded sex female'),
  foreign: Count('nationality other than PA'),
  other: Count('legal status "other": held, shown apart from unsentenced and sentenced'),
  youngAdults: Count('aged 18–20 on the date'),
};

export const NationalOccupancy = Type.Object(
  {
    capacity: Nullable(Type.Integer({ minimum: 0, description: 'the sum of the centres\' official capacities; null when any centre in scope has none on the date' })),
    ...counts,
  },
  { description: 'Everything in the caller\'s scope: the sum of the facilities below' },
);

export const FacilityOccupancy = Type.Object({
  code: Type.String({ examples: ['PA-LJ'] }),
  name: Type.String(),
  capacity: Nullable(Type.Integer({ minimum: 0, description: 'official capacity in force on the date (null: unknown)' })),
  capacitySource: Nullable(Type.Union([Type.Literal('official'), Type.Literal('synthetic')], { description: 'synthetic: a plausible demo figure, never official' })),
  ...counts,
});

export const Occupancy = Type.Object({
  date: IsoDate,
  national: NationalOccupancy,
  facilities: Type.Array(FacilityOccupancy, { description: 'every centre in the caller\'s scope, ordered by code' }),
});

export const FacilityLateEntries = Type.Object({
  code: Type.String(),
  lateEntries: Count('entries recorded after the end of the date that change this centre\'s figure for it'),
  movements: Count('admissions, transfers, releases, deaths, escapes and recaptures among them'),
  legalStatus: Count('changes of legal status among them'),
  capacity: Count('1 when the capacity in force on the date was recorded after it'),
  lastRecordedOn: Nullable(IsoDate),
});

export const OccupancyCorrections = Type.Object({
  date: IsoDate,
  national: Type.Object({ lateEntries: Count('the sum of the facilities\' late entries') }),
  facilities: Type.Array(FacilityLateEntries, { description: 'every centre in the caller\'s scope, ordered by code' }),
});
