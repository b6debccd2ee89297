// The admission's rules without a database, and the pages' local date-times (Panama time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoToLocal, localToIso } from './local-time.ts';
import { birthDateOf, clockToleranceMs, personProblems, presenceProblems, timeProblems } from './rules.ts';
import { fieldId, stepOf } from './pages.ts';

const now = new Date('2026-06-15T15:00:00.000Z');
const paths = (fs: { path: string }[]) => fs.map((f) => f.path);

test('times: arrest in the future, admission in the future or before the arrest, rights given out of order', () => {
  const ok = { arrest: { at: '2026-06-15T10:00:00Z', place: 'Colón' }, admittedAt: '2026-06-15T14:00:00Z' };
  assert.deepEqual(timeProblems(ok, now), []);
  assert.deepEqual(paths(timeProblems({ ...ok, arrest: { at: '2026-06-15T16:00:00Z', place: 'x' }, admittedAt: '2026-06-15T16:30:00Z' }, now)), ['arrest.at', 'admittedAt']);
  assert.deepEqual(paths(timeProblems({ ...ok, admittedAt: '2026-06-15T09:00:00Z' }, now)), ['admittedAt']);
  assert.deepEqual(paths(timeProblems({ ...ok, admittedAt: new Date(now.getTime() + clockToleranceMs - 1000).toISOString() }, now)), []);
  assert.deepEqual(paths(timeProblems({ ...ok, admittedAt: new Date(now.getTime() + clockToleranceMs + 1000).toISOString() }, now)), ['admittedAt']);
  assert.deepEqual(paths(timeProblems({ ...ok, rightsInformation: { language: 'es', givenAt: '2026-06-15T09:00:00Z' } }, now)), ['rightsInformation.givenAt']);
});

test('exactly one person and one order', () => {
  assert.deepEqual(paths(presenceProblems({})), ['person', 'order']);
  assert.deepEqual(paths(presenceProblems({ personId: 'x', person: { givenNames: 'a', firstSurname: 'b', sex: 'male', nationality: 'PA' }, orderId: 'y' })), ['personId']);
});

test('ages: born after the admission, a minor, an estimated age', () => {
  const p = { givenNames: 'Luis', firstSurname: 'Ríos', sex: 'male' as const, nationality: 'PA' };
  assert.deepEqual(personProblems({ ...p, dateOfBirth: '1990-01-01' }, '2026-06-15T14:00:00Z', 'America/Panama'), []);
  assert.deepEqual(paths(personProblems({ ...p, dateOfBirth: '2026-07-01' }, '2026-06-15T14:00:00Z', 'America/Panama')), ['person.dateOfBirth']);
  // 18 on the day after the admission: still a minor on the admission day
  assert.deepEqual(paths(personProblems({ ...p, dateOfBirth: '2008-06-16' }, '2026-06-15T14:00:00Z', 'America/Panama')), ['person.dateOfBirth']);
  assert.deepEqual(personProblems({ ...p, dateOfBirth: '2008-06-15' }, '2026-06-15T14:00:00Z', 'America/Panama'), []);
  assert.deepEqual(paths(personProblems({ ...p, estimatedAge: 16 }, undefined, 'America/Panama')), ['person.estimatedAge']);
  assert.deepEqual(birthDateOf({ estimatedAge: 30 }, '2026-06-15'), { date: '1996-06-15', estimated: true });
  assert.deepEqual(birthDateOf({ dateOfBirth: '1990-01-01' }, '2026-06-15'), { date: '1990-01-01', estimated: false });
});

test('datetime-local fields are Panama time, both ways; impossible values are refused', () => {
  assert.equal(localToIso('2026-03-14T09:30', 'America/Panama'), '2026-03-14T14:30:00.000Z');
  assert.equal(isoToLocal('2026-03-14T14:30:00.000Z', 'America/Panama'), '2026-03-14T09:30');
  // late evening in Panama is already the next day in UTC
  assert.equal(localToIso('2026-12-31T22:15', 'America/Panama'), '2027-01-01T03:15:00.000Z');
  assert.equal(isoToLocal('2027-01-01T03:15:00.000Z', 'America/Panama'), '2026-12-31T22:15');
  for (const bad of ['2026-02-30T10:00', '2026-13-01T10:00', '2026-01-01T25:00', 'ayer', '2026-01-01']) assert.equal(localToIso(bad, 'America/Panama'), null, bad);
  assert.equal(isoToLocal(undefined, 'America/Panama'), '');
});

test('an error path points at its control and its step', () => {
  assert.equal(fieldId('person.documents[1].number'), 'person-documents-1-number');
  assert.equal(fieldId('admittedAt'), 'admittedAt');
  assert.equal(stepOf('person.documents[1].number'), 'person');
  assert.equal(stepOf('orderId'), 'order');
  assert.equal(stepOf('order.caseNumber'), 'order');
  assert.equal(stepOf('admittedAt'), 'arrest');
  assert.equal(stepOf('children[0].dateOfBirth'), 'family');
  assert.equal(stepOf('injuries.visible'), 'health');
  assert.equal(stepOf('propertySignedOff'), 'property');
  assert.equal(stepOf('rightsInformation.givenAt'), 'rights');
  assert.equal(stepOf('placement.unitId'), 'review');
});
