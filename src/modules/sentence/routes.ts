// The sentence computation over HTTP: the same input and result as `npx custodia
// compute-sentence`. It stores nothing; any signed-in user or token may call it.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';
import { errors } from '../../platform/http/schemas.ts';
import { tryComputeSentence } from './engine.ts';
import { SentenceInputSchema, SentenceResultSchema } from './schemas.ts';
import type { SentenceValidationError } from './types.ts';

/** The engine's validation error as the API's error: 400 for shape, 422 for rules. */
export function sentenceInputError(e: SentenceValidationError): AppError {
  const err = new AppError(e.kind === 'schema' ? 400 : 422, e.kind === 'schema' ? 'bad_request' : 'rule_violation', 'errors.validation', {}, e.issues.map((i) => ({ path: i.path, key: i.key, localized: i.messages })));
  err.localized = e.messages;
  return err;
}

export async function sentenceRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/api/v1/sentence-computations',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['sentence'],
        summary: 'Compute legal time (rule set PA-2007/1): start, term, credits, one third, two thirds and expiry, with the trace',
        body: SentenceInputSchema,
        response: { 200: SentenceResultSchema, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const outcome = tryComputeSentence(req.body);
      if (!outcome.ok) throw sentenceInputError(outcome.error);
      return outcome.result;
    },
  );
}
