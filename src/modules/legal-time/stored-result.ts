// A stored computation keeps the engine's input, the rule set and every figure of the result —
// but not the trace, which is the larger part of a result and is derived text: the engine is
// pure and a published rule set never changes, so running the stored input again under the
// stored rule set gives the same trace, word for word. Readers get the full result back here.
import { computeSentence } from '../sentence/engine.ts';
import type { SentenceInput, SentenceResult } from '../sentence/types.ts';
import { sameJson } from './same-json.ts';

/** What is stored of a result: everything but the trace (of a sentenced or a pretrial result). */
export type StoredResult = SentenceResult extends infer R ? (R extends SentenceResult ? Omit<R, 'trace'> : never) : never;

export function withoutTrace(result: SentenceResult): StoredResult {
  const { trace: _trace, ...rest } = result;
  void _trace;
  return rest as StoredResult;
}

/**
 * The full result of a stored computation: the engine's result for the stored input (with its
 * trace) when its figures are the stored ones — always, unless the engine itself changed —
 * otherwise the stored figures with the trace the engine gives now.
 */
export function fullResult(input: SentenceInput, ruleSetId: string, stored: StoredResult): SentenceResult {
  const again = computeSentence(input, { ruleSetId });
  if (sameJson(withoutTrace(again), stored)) return again;
  return { ...(stored as SentenceResult), trace: again.trace };
}
