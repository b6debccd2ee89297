// Recognizing a returning person: national, by document number or by similar names with a
// compatible date of birth; minimal fields only; one audit entry per check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, startTestApp, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import { admit, auditEntries, call, clerks, newPerson, release, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
let officer: TestUser;
let h: Record<string, string>;
let returning: { id: string; prisonerNumber: string };
let estimated: { id: string; prisonerNumber: string };

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  // A records officer at La Joya: the check still looks at every centre.
  officer = await createUser(env, { username: 'match.officer', roles: ['records_officer'], facilities: ['PA-LJ'] });
  h = await bearerFor(env, officer);
  returning = await newPerson(env, {
    givenNames: 'Víctor Manuel',
    firstSurname: 'Quintero',
    secondSurname: 'Ábrego',
    dateOfBirth: '1988-06-14',
    documents: [{ kind: 'cedula', number: '4-712-1380' }],
    aliases: ['El Flaco'],
  });
  await admit(env, c, returning.id, { facility: 'CH-DAV' });
  await release(env, returning.id);
  estimated = await newPerson(env, { givenNames: 'Wilfredo', firstSurname: 'Caballero', secondSurname: 'Pinto', dateOfBirth: '1975-01-01', birthDateEstimated: true, locationFacilityCode: 'CO-NES', custodyStatus: 'released' });
  for (const [g, f, s, dob] of [['Víctor', 'Quintana', 'Abrego', '1990-06-14'], ['Victoria', 'Quintero', 'Ábrego', '1988-06-14'], ['Manuel', 'Quintero', 'Ríos', '1988-06-14']] as const) {
    await newPerson(env, { givenNames: g, firstSurname: f, secondSurname: s, dateOfBirth: dob, sex: g === 'Victoria' ? 'female' : 'male' });
  }
});
after(() => env.close());

type Match = { id: string; prisonerNumber: string; matchedBy: string[] } & Record<string, unknown>;

async function matches(body: Record<string, unknown>): Promise<Match[]> {
  const r = await call(env, 'POST', '/api/v1/persons/matches', h, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items as Match[];
}

describe('returning persons', () => {
  test('found by cédula however it is written, with minimal fields only, from another centre', async () => {
    const items = await matches({ givenNames: 'Juan', firstSurname: 'Nadie', documents: [{ kind: 'cedula', number: '4 712 1380' }] });
    assert.deepEqual(items.map((i) => i.id), [returning.id]);
    const m = items[0]!;
    assert.deepEqual(Object.keys(m).sort(), ['dateOfBirth', 'firstSurname', 'givenNames', 'id', 'lastFacilityCode', 'lastFacilityName', 'matchedBy', 'prisonerNumber', 'secondSurname']);
    assert.equal(m.prisonerNumber, returning.prisonerNumber);
    assert.equal(m.lastFacilityCode, 'CH-DAV');
    assert.deepEqual(m.matchedBy, ['document']);
    // …while the file itself stays out of this officer's scope.
    assert.equal((await call(env, 'GET', `/api/v1/persons/${returning.id}`, h)).status, 404);
  });

  test('found by a misspelled name in any order, without accents, with the same date of birth', async () => {
    for (const [given, first, second] of [['Victor Manuel', 'Quinteros', 'Abrego'], ['Abrego', 'Quintero', 'Victor'], ['victor', 'quintero', null]] as const) {
      const items = await matches({ givenNames: given, firstSurname: first, secondSurname: second, dateOfBirth: '1988-06-14' });
      assert.equal(items[0]?.id, returning.id, `${given} ${first} ${second}: ${JSON.stringify(items)}`);
      assert.deepEqual(items[0]!.matchedBy, ['name']);
      assert.ok(!items.some((i) => i.givenNames === 'Manuel'), 'a different given name with the same birth date is not a match');
    }
  });

  test('a different date of birth is not a match by name; an estimated one is tolerated within a year', async () => {
    assert.deepEqual(await matches({ givenNames: 'Victor Manuel', firstSurname: 'Quintero', secondSurname: 'Abrego', dateOfBirth: '1970-01-01' }), []);
    const byEstimate = await matches({ givenNames: 'Wilfredo', firstSurname: 'Cavallero', secondSurname: 'Pinto', dateOfBirth: '1975-11-30' });
    assert.deepEqual(byEstimate.map((i) => i.id), [estimated.id]);
    const asked = await matches({ givenNames: 'Victor Manuel', firstSurname: 'Quintero', secondSurname: 'Abrego', dateOfBirth: '1989-02-01', birthDateEstimated: true });
    assert.equal(asked[0]?.id, returning.id);
  });

  test('without a date of birth only a close name matches', async () => {
    const items = await matches({ givenNames: 'Víctor Manuel', firstSurname: 'Quintero', secondSurname: 'Ábrego' });
    assert.equal(items[0]?.id, returning.id);
    assert.deepEqual(await matches({ givenNames: 'Vicente', firstSurname: 'Quiroz' }), []);
  });

  test('each check is one audit entry naming the files shown, not their contents', async () => {
    const before = (await auditEntries(env, 'person.match', { actorId: officer.id })).length;
    await matches({ givenNames: 'Victor', firstSurname: 'Quintero', dateOfBirth: '1988-06-14' });
    const entries = await auditEntries(env, 'person.match', { actorId: officer.id });
    assert.equal(entries.length, before + 1);
    const d = entries.at(-1)!.details as { count: number; shown: string[] };
    assert.ok(d.count >= 1);
    assert.ok(d.shown.includes(returning.id));
    assert.ok(!JSON.stringify(d).includes(returning.prisonerNumber));
  });

  test('needs admission.create', async () => {
    const duty = await bearerFor(env, await createUser(env, { username: 'match.duty', roles: ['duty_officer'] }));
    assert.equal((await call(env, 'POST', '/api/v1/persons/matches', duty, { givenNames: 'A', firstSurname: 'B' })).status, 403);
    assert.equal((await call(env, 'POST', '/api/v1/persons/matches', h, { givenNames: 'A' })).status, 400);
  });
});
