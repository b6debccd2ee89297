/* eslint-disable @typescript-eslint/no-explicit-any -- these tests build deliberately malformed documents */
// The TypeBox schemas and validate.ts must draw the same line: every input validate.ts
// accepts passes SentenceInputSchema; every input it rejects as a shape ('schema') error
// fails the schema (→ 400); every input it rejects only for a rule passes the schema (so
// the route answers 422 from validate, not 400). Results and errors match their schemas.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { SentenceInputSchema, SentenceResultSchema, SentenceValidationErrorSchema } from './schemas.ts';
import { tryComputeSentence } from './engine.ts';
import { validateSentenceInput } from './validate.ts';

interface Case {
  name: string;
  input: unknown;
  expected: Record<string, unknown>;
}

const root = path.resolve(import.meta.dirname, '../../..');
const cases: Case[] = [path.join(root, 'test/fixtures/sentence-cases'), path.join(import.meta.dirname, 'cases')].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(d, f), 'utf8')) as Case),
);

const firstErrors = (schema: TSchema, v: unknown) =>
  JSON.stringify([...Value.Errors(schema, v)].slice(0, 3));

/** Shape-broken variants of a valid document: the schema must reject each. */
const shapeBreakers: [string, (d: any) => void][] = [
  ['asOf missing', (d) => delete d.asOf],
  ['asOf not a date', (d) => (d.asOf = '2023-02-29')],
  ['asOf year 2201', (d) => (d.asOf = '2201-01-01')],
  ['custody empty', (d) => (d.custody = [])],
  ['custody to missing', (d) => delete d.custody[0].to],
  ['custody kind unknown', (d) => (d.custody[0].kind = 'jail')],
  ['extra top-level field', (d) => (d.extra = 1)],
  ['extra custody field', (d) => (d.custody[0].extra = 1)],
  ['sentence years fractional', (d) => (d.sentences = [{ id: 'S', years: 1.5, months: 0, days: 0 }])],
  ['sentence id empty', (d) => (d.sentences = [{ id: '', years: 1, months: 0, days: 0 }])],
  ['sentence months missing', (d) => (d.sentences = [{ id: 'S', years: 1, days: 0 }])],
  ['work record with hours', (d) => (d.activities = [{ kind: 'work', from: '2025-01-01', to: '2025-01-02', hours: 3 }])],
  ['teaching record with days', (d) => (d.activities = [{ kind: 'teaching', from: '2025-01-01', to: '2025-01-02', days: 1 }])],
  ['approved as string', (d) => (d.activities = [{ kind: 'work', from: '2025-01-01', to: '2025-01-02', days: 1, approved: 'yes' }])],
  ['reporting measure with dates', (d) => (d.measures = [{ kind: 'periodic_reporting', appearances: 1, from: '2025-01-01' }])],
  ['restriction without to', (d) => (d.measures = [{ kind: 'territorial_restriction', from: '2025-01-01' }])],
  ['negative reduction', (d) => (d.reductions = [{ days: -1 }])],
  ['unknown rule', (d) => (d.rules = { capYears: 40 })],
  ['rule out of range', (d) => (d.rules = { teachingHoursPerDay: 25 })],
  ['boolean rule as number', (d) => (d.rules = { redemptionCountsTowardMilestones: 1 })],
];

describe('schemas agree with validate.ts', () => {
  for (const c of cases) {
    test(c.name, () => {
      const v = validateSentenceInput(c.input);
      const schemaOk = Value.Check(SentenceInputSchema, c.input);
      if (v.ok || v.error.kind === 'rule') assert.equal(schemaOk, true, firstErrors(SentenceInputSchema, c.input));
      else assert.equal(schemaOk, false, `${c.name}: the schema accepts what validate.ts calls a shape error`);
    });
  }

  const valid = cases.find((c) => c.name === '01-simple-continuous')!;
  for (const [what, breakIt] of shapeBreakers) {
    test(`shape error: ${what}`, () => {
      const d = structuredClone(valid.input) as any;
      breakIt(d);
      assert.equal(Value.Check(SentenceInputSchema, d), false, 'schema should reject');
      const v = validateSentenceInput(d);
      assert.equal(v.ok, false, 'validate should reject');
      if (!v.ok) assert.equal(v.error.kind, 'schema', v.error.message);
    });
  }
});

describe('result and error schemas', () => {
  test('every result matches SentenceResultSchema', () => {
    for (const c of cases) {
      const r = tryComputeSentence(c.input);
      if (r.ok) assert.ok(Value.Check(SentenceResultSchema, r.result), `${c.name}: ${firstErrors(SentenceResultSchema, r.result)}`);
    }
  });

  test('every validation error matches SentenceValidationErrorSchema', () => {
    let n = 0;
    for (const c of cases) {
      const r = tryComputeSentence(c.input);
      if (!r.ok) {
        n++;
        assert.ok(Value.Check(SentenceValidationErrorSchema, r.error), firstErrors(SentenceValidationErrorSchema, r.error));
      }
    }
    assert.ok(n >= 3);
  });

  test('the input schema is plain JSON Schema (serializable for OpenAPI)', () => {
    const json = JSON.parse(JSON.stringify(SentenceInputSchema));
    assert.equal(json.type, 'object');
    assert.equal(json.additionalProperties, false);
    assert.deepEqual(json.required.sort(), ['asOf', 'custody']);
    assert.equal(json.properties.asOf.format, 'date');
  });
});
