/* eslint-disable @typescript-eslint/no-explicit-any -- these tests build deliberately malformed documents */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { validateSentenceInput } from './validate.ts';
import type { SentenceValidationError } from './types.ts';

/** A valid base document; each test breaks one thing. */
function base(): Record<string, any> {
  return {
    asOf: '2026-11-29',
    custody: [
      { from: '2021-03-10', to: '2021-09-30', kind: 'provisional_detention' },
      { from: '2022-01-15', to: null, kind: 'prison' },
    ],
    sentences: [
      { id: 'S1', years: 8, months: 0, days: 0, relation: 'first' },
      { id: 'S2', years: 1, months: 6, days: 0, relation: 'consecutive', consecutiveTo: 'S1' },
    ],
    activities: [
      { kind: 'work', from: '2024-01-01', to: '2024-06-30', days: 120, approved: true },
      { kind: 'teaching', from: '2024-07-01', to: '2024-12-31', hours: 200, approved: false },
    ],
    measures: [
      { kind: 'periodic_reporting', appearances: 23 },
      { kind: 'territorial_restriction', from: '2021-10-01', to: '2022-01-14' },
    ],
    reductions: [{ days: 180, reference: 'DE 270 de 2020' }],
    rules: { pretrialAlertDays: 365 },
  };
}

function reject(doc: unknown): SentenceValidationError {
  const r = validateSentenceInput(doc);
  assert.equal(r.ok, false, 'expected the input to be rejected');
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

function expectError(mutate: (d: Record<string, any>) => unknown, path: string, kind: 'schema' | 'rule', key?: string) {
  const d = base();
  const replaced = mutate(d);
  const e = reject(replaced === undefined ? d : replaced);
  assert.equal(e.code, 'invalid_input');
  assert.equal(e.path, path, e.message);
  assert.equal(e.kind, kind, e.message);
  if (key !== undefined) assert.equal(e.key, key);
  assert.ok(e.message.startsWith(`${path === '' ? 'input' : path}: `), e.message);
  assert.ok(e.messages.es.length > 0 && e.messages.en.length > 0);
  assert.notEqual(e.messages.es, e.messages.en);
}

describe('validateSentenceInput', () => {
  test('accepts the spec example and returns the same object', () => {
    const d = base();
    const r = validateSentenceInput(d);
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    if (r.ok) assert.equal(r.value, d);
  });

  test('accepts minimal documents: no sentences field, approved omitted, no reference', () => {
    for (const d of [
      { asOf: '2026-01-01', custody: [{ from: '2025-01-01', to: null, kind: 'prison' }] },
      {
        asOf: '2026-01-01',
        custody: [{ from: '2025-01-01', to: null, kind: 'hospital' }],
        sentences: [{ id: 'A', years: 0, months: 0, days: 1, relation: 'consecutive' }],
        activities: [{ kind: 'study', from: '2025-02-01', to: '2025-02-10', days: 10 }],
        reductions: [{ days: 0 }],
        rules: {},
      },
    ]) {
      const r = validateSentenceInput(d);
      assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    }
  });

  describe('shape errors (kind "schema", HTTP 400)', () => {
    test('not an object', () => {
      for (const v of [null, [], 'x', 3]) assert.equal(reject(v).kind, 'schema');
      assert.equal(reject(null).path, '');
    });
    test('missing asOf', () => expectError((d) => void delete d.asOf, 'asOf', 'schema', 'required'));
    test('impossible asOf', () => expectError((d) => void (d.asOf = '2023-02-29'), 'asOf', 'schema', 'not_date'));
    test('date with a time', () => expectError((d) => void (d.asOf = '2026-11-29T10:00:00Z'), 'asOf', 'schema'));
    test('year out of range', () =>
      expectError((d) => void (d.custody[0].from = '1899-12-31'), 'custody[0].from', 'schema', 'date_out_of_range'));
    test('custody missing or empty', () => {
      expectError((d) => void delete d.custody, 'custody', 'schema', 'required');
      expectError((d) => void (d.custody = []), 'custody', 'schema', 'min_items');
    });
    test('custody to malformed', () =>
      expectError((d) => void (d.custody[1].to = '2026-13-01'), 'custody[1].to', 'schema', 'not_date_or_null'));
    test('custody to missing (null must be explicit)', () =>
      expectError((d) => void delete d.custody[1].to, 'custody[1].to', 'schema', 'required'));
    test('custody kind unknown', () => expectError((d) => void (d.custody[0].kind = 'jail'), 'custody[0].kind', 'schema'));
    test('unknown top-level property', () => expectError((d) => void (d.foo = 1), 'foo', 'schema', 'unknown_property'));
    test('unknown property inside an item', () =>
      expectError((d) => void (d.custody[1].note = 'x'), 'custody[1].note', 'schema', 'unknown_property'));
    test('sentence years not an integer', () => {
      expectError((d) => void (d.sentences[0].years = 1.5), 'sentences[0].years', 'schema', 'not_integer');
      expectError((d) => void (d.sentences[0].years = -1), 'sentences[0].years', 'schema');
      expectError((d) => void (d.sentences[0].years = '8'), 'sentences[0].years', 'schema');
    });
    test('sentence id missing', () => expectError((d) => void delete d.sentences[1].id, 'sentences[1].id', 'schema'));
    test('relation unknown', () =>
      expectError((d) => void (d.sentences[1].relation = 'after'), 'sentences[1].relation', 'schema', 'not_one_of'));
    test('activity days missing, or hours on a work record', () => {
      expectError((d) => void delete d.activities[0].days, 'activities[0].days', 'schema', 'required');
      expectError((d) => void (d.activities[0].hours = 3), 'activities[0].hours', 'schema', 'not_allowed_for_kind');
      expectError((d) => void (d.activities[1].days = 3), 'activities[1].days', 'schema', 'not_allowed_for_kind');
    });
    test('activity approved not boolean', () =>
      expectError((d) => void (d.activities[0].approved = 'yes'), 'activities[0].approved', 'schema', 'not_boolean'));
    test('measure kind-specific fields', () => {
      expectError((d) => void delete d.measures[1].to, 'measures[1].to', 'schema', 'required');
      expectError((d) => void (d.measures[0].from = '2020-01-01'), 'measures[0].from', 'schema', 'not_allowed_for_kind');
      expectError((d) => void (d.measures[0].kind = 'bail'), 'measures[0].kind', 'schema', 'not_one_of');
    });
    test('reductions', () => {
      expectError((d) => void (d.reductions[0].days = -5), 'reductions[0].days', 'schema');
      expectError((d) => void (d.reductions[0].reference = 5), 'reductions[0].reference', 'schema', 'not_string');
    });
    test('rules', () => {
      expectError((d) => void (d.rules.maxAggregateYears = 0), 'rules.maxAggregateYears', 'schema', 'not_integer');
      expectError((d) => void (d.rules.redemptionCountsTowardMilestones = 1), 'rules.redemptionCountsTowardMilestones', 'schema');
      expectError((d) => void (d.rules.capYears = 40), 'rules.capYears', 'schema', 'unknown_property');
      expectError((d) => void (d.rules = []), 'rules', 'schema', 'not_object');
    });
    test('shape errors are reported before rule errors, all of them in issues', () => {
      const d = base();
      d.custody[1].from = '2021-05-01'; // overlap (rule)
      d.sentences[0].years = 'eight'; // shape
      d.foo = true; // shape
      const e = reject(d);
      assert.equal(e.kind, 'schema');
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['foo', 'sentences[0].years'],
      );
    });
  });

  describe('rule errors (kind "rule", HTTP 422)', () => {
    test('custody period ends before it starts', () =>
      expectError((d) => void (d.custody[0].to = '2021-03-01'), 'custody[0].to', 'rule', 'ends_before_start'));
    test('overlapping custody periods name the later one', () =>
      expectError((d) => void (d.custody[1].from = '2021-09-30'), 'custody[1].from', 'rule', 'custody_overlap'));
    test('overlap found whatever the order of the list', () =>
      expectError(
        (d) => {
          d.custody.reverse();
          d.custody[0].from = '2021-09-01';
        },
        'custody[0].from',
        'rule',
        'custody_overlap',
      ));
    test('an open period that is not the last', () =>
      expectError((d) => void (d.custody[0].to = null), 'custody[0].to', 'rule', 'open_period_overlap'));
    test('adjacent periods do not overlap', () => {
      const d = base();
      d.custody[1].from = '2021-10-01';
      d.measures.pop();
      assert.equal(validateSentenceInput(d).ok, true);
    });
    test('duplicate sentence id', () =>
      expectError((d) => void (d.sentences[1].id = 'S1'), 'sentences[1].id', 'rule', 'duplicate_id'));
    test('sentence all zero', () =>
      expectError((d) => void Object.assign(d.sentences[1], { years: 0, months: 0 }), 'sentences[1]', 'rule', 'sentence_zero'));
    test('consecutiveTo unknown, self, later, without consecutive relation, on the first', () => {
      expectError((d) => void (d.sentences[1].consecutiveTo = 'S9'), 'sentences[1].consecutiveTo', 'rule', 'consecutive_to_unknown');
      expectError((d) => void (d.sentences[1].consecutiveTo = 'S2'), 'sentences[1].consecutiveTo', 'rule', 'consecutive_to_not_earlier');
      expectError(
        (d) => void (d.sentences[0].consecutiveTo = 'S2'),
        'sentences[0].consecutiveTo',
        'rule',
        'consecutive_to_not_earlier',
      );
      expectError(
        (d) => void (d.sentences[1].relation = 'concurrent'),
        'sentences[1].consecutiveTo',
        'rule',
        'consecutive_to_requires_consecutive',
      );
      expectError(
        (d) => void delete d.sentences[1].relation,
        'sentences[1].consecutiveTo',
        'rule',
        'consecutive_to_requires_consecutive',
      );
    });
    test('relation "first" on a later sentence', () =>
      expectError(
        (d) => void Object.assign(d.sentences[1], { relation: 'first', consecutiveTo: undefined }),
        'sentences[1].relation',
        'rule',
        'first_relation_later',
      ));
    test('activity outside custody (in the gap between periods)', () =>
      expectError(
        (d) => void Object.assign(d.activities[0], { from: '2021-09-20', to: '2021-10-10', days: 5 }),
        'activities[0].from',
        'rule',
        'activity_outside_custody',
      ));
    test('activity after asOf', () =>
      expectError((d) => void (d.activities[1].to = '2026-11-30'), 'activities[1].to', 'rule', 'activity_after_as_of'));
    test('activity with more days than the period', () =>
      expectError((d) => void (d.activities[0].days = 183), 'activities[0].days', 'rule', 'activity_days_exceed_period'));
    test('teaching hours beyond 24 per day of the period', () =>
      expectError((d) => void (d.activities[1].hours = 24 * 184 + 1), 'activities[1].hours', 'rule', 'activity_hours_exceed_period'));
    test('activity ends before it starts', () =>
      expectError((d) => void (d.activities[0].to = '2023-12-01'), 'activities[0].to', 'rule', 'ends_before_start'));
    test('overlapping activity records', () =>
      expectError((d) => void (d.activities[1].from = '2024-06-30'), 'activities[1].from', 'rule', 'activity_overlap'));
    test('territorial restriction overlapping custody', () =>
      expectError((d) => void (d.measures[1].to = '2022-01-15'), 'measures[1].from', 'rule', 'restriction_overlaps_custody'));
    test('territorial restrictions overlapping each other', () =>
      expectError(
        (d) => void d.measures.push({ kind: 'territorial_restriction', from: '2022-01-14', to: '2022-01-14' }),
        'measures[2].from',
        'rule',
        'restriction_overlap',
      ));
    test('message in both languages with the numbers', () => {
      const d = base();
      d.activities[0].days = 200;
      const e = reject(d);
      assert.equal(e.messages.en, "200 days is more than the period's 182 days");
      assert.equal(e.messages.es, '200 días es más que los 182 días del período');
      assert.deepEqual(e.params, { days: 200, length: 182 });
      assert.equal(e.message, "activities[0].days: 200 days is more than the period's 182 days");
    });
  });
});
