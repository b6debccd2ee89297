// The calculator form: rows become the engine's input (blank rows ignored), and engine
// paths lead back to the form field that holds the value.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { blankForm, fieldForPath, inputFromForm, readForm, rowCounts, sectionFields, sections } from './form.ts';
import { tryComputeSentence } from './engine.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const golden = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'test/fixtures/sentence-cases', `${name}.json`), 'utf8')) as { input: unknown; expected: Record<string, unknown> };

/** A submitted form: the blank form with some fields filled in. */
const submit = (fields: Record<string, string>) => readForm({ ...blankForm('2026-11-29'), ...fields, _csrf: 'x' });

describe('blank form', () => {
  test('has every field of every row, with unique ids', () => {
    const v = blankForm('2026-11-29');
    let n = 2; // asOf and json
    for (const s of sections) n += rowCounts[s] * sectionFields[s].length;
    assert.equal(Object.keys(v).length, n);
    assert.equal(v.asOf, '2026-11-29');
    assert.equal(v['custody-3-kind'], 'prison');
  });

  test('a blank form builds an input with no custody, which the engine names', () => {
    const { input, rows } = inputFromForm(blankForm('2026-11-29'));
    assert.deepEqual(input, { asOf: '2026-11-29', custody: [] });
    const r = tryComputeSentence(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(fieldForPath(r.error.path, rows).id, 'custody-0-from');
  });
});

describe('inputFromForm', () => {
  test('the form for golden case 01 builds exactly its input', () => {
    const v = submit({ 'custody-0-from': '2025-06-01', 'sentences-0-id': 'S', 'sentences-0-years': '2', 'sentences-0-months': '0', 'sentences-0-days': '0' });
    assert.deepEqual(inputFromForm(v).input, golden('01-simple-continuous').input);
  });

  test('blank rows are ignored and each item remembers its form row', () => {
    const v = submit({
      'custody-1-from': '2024-01-01',
      'custody-1-to': '2024-03-31',
      'custody-1-kind': 'provisional_detention',
      'custody-3-from': '2024-05-01',
      'sentences-2-years': '3',
      'activities-4-kind': 'teaching',
      'activities-4-from': '2024-06-01',
      'activities-4-to': '2024-06-30',
      'activities-4-amount': '12,5',
      'activities-4-approved': 'on',
      'activities-5-approved': 'on', // a checkbox alone does not make a row
      'measures-2-kind': 'territorial_restriction',
      'measures-2-from': '2024-04-01',
      'measures-2-to': '2024-04-30',
      'reductions-1-days': '30',
    });
    const { input, rows } = inputFromForm(v);
    assert.deepEqual(input, {
      asOf: '2026-11-29',
      custody: [
        { from: '2024-01-01', to: '2024-03-31', kind: 'provisional_detention' },
        { from: '2024-05-01', to: null, kind: 'prison' },
      ],
      sentences: [{ id: 'S3', years: 3, months: 0, days: 0 }],
      activities: [{ kind: 'teaching', from: '2024-06-01', to: '2024-06-30', hours: 12.5, approved: true }],
      measures: [{ kind: 'territorial_restriction', from: '2024-04-01', to: '2024-04-30' }],
      reductions: [{ days: 30 }],
    });
    assert.deepEqual(rows, { custody: [1, 3], sentences: [2], activities: [4], measures: [2], reductions: [1] });
  });

  test('what is not a number is passed on as typed, for the engine to reject', () => {
    const v = submit({ 'custody-0-from': '2025-06-01', 'sentences-0-years': 'ocho', 'activities-0-from': '2025-07-01', 'activities-0-to': '2025-07-31', 'activities-0-amount': '-3' });
    const { input } = inputFromForm(v);
    const i = input as { sentences: { years: unknown }[]; activities: { days: unknown }[] };
    assert.equal(i.sentences[0]!.years, 'ocho');
    assert.equal(i.activities[0]!.days, '-3');
    const r = tryComputeSentence(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.kind, 'schema');
  });

  test('fields that do not belong to the measure kind are passed on so the engine names them', () => {
    const v = submit({ 'custody-0-from': '2025-06-01', 'measures-0-kind': 'periodic_reporting', 'measures-0-appearances': '4', 'measures-0-from': '2025-01-01' });
    const r = tryComputeSentence(inputFromForm(v).input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.path, 'measures[0].from');
  });

  test('readForm ignores unknown fields and non-string values', () => {
    const v = readForm({ asOf: ' 2026-01-02 ', 'custody-0-from': ['a', 'b'], other: 'x' });
    assert.equal(v.asOf, '2026-01-02');
    assert.equal(v['custody-0-from'], '');
    assert.equal(v.other, undefined);
  });
});

describe('fieldForPath', () => {
  const rows = { custody: [1, 3], sentences: [2], activities: [0, 4], measures: [2], reductions: [1] };

  test('maps an item path to the input of the form row it came from', () => {
    assert.deepEqual(fieldForPath('custody[1].to', rows), { id: 'custody-3-to', section: 'custody', row: 3, field: 'to' });
    assert.equal(fieldForPath('sentences[0].consecutiveTo', rows).id, 'sentences-2-consecutiveTo');
    assert.equal(fieldForPath('reductions[0].days', rows).id, 'reductions-1-days');
  });

  test('days and hours of an activity are its amount field', () => {
    assert.equal(fieldForPath('activities[1].days', rows).id, 'activities-4-amount');
    assert.equal(fieldForPath('activities[0].hours', rows).id, 'activities-0-amount');
  });

  test('a whole item, a whole list or an unknown field points at the row anchor', () => {
    assert.equal(fieldForPath('sentences[0]', rows).id, 'sentences-2-years');
    assert.equal(fieldForPath('custody', rows).id, 'custody-1-from');
    assert.equal(fieldForPath('sentences[0].month', rows).id, 'sentences-2-years');
  });

  test('asOf is asOf; anything else, and everything from pasted JSON, is the JSON box', () => {
    assert.equal(fieldForPath('asOf', rows).id, 'asOf');
    assert.equal(fieldForPath('rules.maxAggregateYears', rows).id, 'json');
    assert.equal(fieldForPath('', rows).id, 'json');
    assert.equal(fieldForPath('custody[0].from', null).id, 'json');
  });
});
