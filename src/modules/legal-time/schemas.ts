// The legal-time API contract: a person's stored sentence computation (the engine input built
// from the records and the engine's result for it), the history of its dates, recomputation.
import { Type, type TSchema } from 'typebox';
import { IsoDate, Uuid } from '../../platform/http/schemas.ts';
import { SentenceInputSchema, SentenceResultSchema } from '../sentence/schemas.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const UserRef = Type.Object({ id: Uuid, username: Type.String(), displayName: Type.String() });

export const PersonParams = Type.Object({ id: Uuid });

export const StoredComputation = Type.Object(
  {
    input: SentenceInputSchema,
    result: SentenceResultSchema,
  },
  { description: 'The stored engine input built from the records, and the stored result: exactly what `npx custodia compute-sentence` returns for that input' },
);

export const DateField = Type.Enum(['start_date', 'one_third_date', 'two_thirds_date', 'expiry_date', 'pretrial_alert_date']);

export const DateChange = Type.Object({
  id: Uuid,
  computationId: Uuid,
  field: DateField,
  oldDate: Nullable(IsoDate),
  newDate: Nullable(IsoDate),
  cause: Type.String({ description: 'What changed, e.g. "order.verify sentence <id>", "redemption.approved", "absence.escape"' }),
  changedAt: Type.String({ format: 'date-time' }),
  changedBy: Nullable(UserRef),
});

export const DateChangeList = Type.Object({ items: Type.Array(DateChange) });

export const DateChangeQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) }, { additionalProperties: false });

export const ComputationMeta = Type.Object({
  id: Uuid,
  status: Type.Enum(['sentenced', 'pretrial']),
  asOf: IsoDate,
  ruleSetId: Type.String(),
  cause: Type.String(),
  computedAt: Type.String({ format: 'date-time' }),
  computedBy: Nullable(UserRef),
  confirmedBy: Nullable(UserRef),
  confirmedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const RecomputeResponse = Type.Object({ computation: Nullable(ComputationMeta) });
