// Schemas shared by every API route: the error object and common parameters.
import { Type, type TSchema } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      fields: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorResponse', description: 'Error, in the caller\'s language' },
);

/** The usual error responses of a route, to document them in the OpenAPI. */
export function errors(...codes: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const c of codes) out[c] = ErrorResponse;
  return out;
}

export const Uuid = Type.String({ format: 'uuid' });
export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const Version = Type.Integer({ minimum: 1, description: 'The version read; a newer one answers 409' });
