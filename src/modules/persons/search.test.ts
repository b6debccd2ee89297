// Search: by prisoner number, document number and name (accent-insensitive, typo-tolerant,
// surnames in any order, aliases), filters, scope in SQL, and one audit entry per search.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { foldText } from './identity.ts';
import { admit, auditEntries, call, clerks, newPerson, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
let national: Record<string, string>;
let laJoya: Record<string, string>;
let laJoyaUserId: string;
let jose: { id: string; prisonerNumber: string };
let colon: { id: string; prisonerNumber: string };
let inTransit: { id: string; prisonerNumber: string };

type Item = { id: string; prisonerNumber: string; givenNames: string; firstSurname: string; secondSurname: string | null; facilityCode: string | null; legalStatus: string | null; photo: boolean; score: number | null };
type Result = { items: Item[]; total: number; totalCapped: boolean };

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  national = await bearerFor(env, await createUser(env, { username: 'search.national', roles: ['records_officer'] }));
  const lj = await createUser(env, { username: 'search.lajoya', roles: ['duty_officer'], facilities: ['PA-LJ'] });
  laJoyaUserId = lj.id;
  laJoya = await bearerFor(env, lj);
  jose = await newPerson(env, {
    givenNames: 'José',
    firstSurname: 'Pérez',
    secondSurname: 'Rodríguez',
    dateOfBirth: '1990-04-27',
    documents: [{ kind: 'cedula', number: '8-123-4567' }],
    aliases: ['El Chombo'],
  });
  await admit(env, c, jose.id, { facility: 'PA-LJ', legalStatus: 'pretrial' });
  // People who must not outrank him.
  const others: [string, string, string, string, 'male' | 'female'][] = [
    ['José', 'Pereira', 'Gómez', '1985-01-10', 'male'],
    ['Josefa', 'Rodríguez', 'Pérez', '1992-03-03', 'female'],
    ['Juan', 'Pérez', 'Castillo', '2004-07-19', 'male'],
    ['María', 'Núñez', 'de León', '1960-11-02', 'female'],
    ['Luis', 'Batista', 'Rodríguez', '1979-05-05', 'male'],
  ];
  for (const [g, f, s, dob, sex] of others) {
    const p = await newPerson(env, { givenNames: g, firstSurname: f, secondSurname: s, dateOfBirth: dob, sex });
    await admit(env, c, p.id, { facility: 'PA-LJ', legalStatus: g === 'Juan' ? 'sentenced' : 'pretrial' });
  }
  colon = await newPerson(env, { givenNames: 'José', firstSurname: 'Pérez', secondSurname: 'Quintero', documents: [{ kind: 'cedula', number: '3-456-789' }] });
  await admit(env, c, colon.id, { facility: 'CO-NES' });
  inTransit = await newPerson(env, { givenNames: 'Ramón', firstSurname: 'Tejada', secondSurname: 'Osorio' });
  await admit(env, c, inTransit.id, { facility: 'CO-NES' });
  await env.state.db.updateTable('persons').set({ custody_status: 'in_transit', transit_facility_code: 'PA-LJ' }).where('id', '=', inTransit.id).execute();
});
after(() => env.close());

async function search(headers: Record<string, string>, params: Record<string, string | number>): Promise<Result> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const r = await call(env, 'GET', `/api/v1/persons?${qs}`, headers);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as Result;
}

describe('search by name', () => {
  for (const q of ['perez jose', 'Jose Peres', 'JOSÉ PÉREZ RODRÍGUEZ', 'rodriguez perez jose', 'jose rodrigez']) {
    test(`"José Pérez Rodríguez" is the best match for "${q}"`, async () => {
      const r = await search(laJoya, { q });
      assert.ok(r.items.length >= 1, `no results for ${q}`);
      assert.equal(r.items[0]!.id, jose.id, `${q}: first was ${r.items[0]!.givenNames} ${r.items[0]!.firstSurname}`);
      assert.equal(r.items[0]!.facilityCode, 'PA-LJ');
      assert.equal(r.items[0]!.legalStatus, 'pretrial');
    });
  }

  test('finds by alias, accents and case ignored', async () => {
    const r = await search(laJoya, { q: 'el chombo' });
    assert.equal(r.items[0]?.id, jose.id);
  });

  test('the response has the contract fields and the total', async () => {
    const r = await search(national, { q: 'perez' });
    assert.ok(r.total >= 3);
    const item = r.items[0]!;
    for (const k of ['id', 'prisonerNumber', 'givenNames', 'firstSurname', 'secondSurname', 'facilityCode', 'custodyStatus', 'legalStatus', 'dateOfBirth', 'sex', 'photo']) assert.ok(k in item, k);
    assert.equal(r.totalCapped, false);
  });
});

describe('search by number', () => {
  test('prisoner number, exact, however typed', async () => {
    for (const q of [jose.prisonerNumber, jose.prisonerNumber.toLowerCase(), jose.prisonerNumber.replace('PPL-', ''), jose.prisonerNumber.replace('-', ' ')]) {
      const r = await search(laJoya, { q });
      assert.deepEqual(r.items.map((i) => i.id), [jose.id], q);
      assert.equal(r.total, 1);
    }
  });

  test('cédula with and without dashes', async () => {
    for (const q of ['8-123-4567', '81234567', '8 123 4567']) {
      const r = await search(laJoya, { q });
      assert.deepEqual(r.items.map((i) => i.id), [jose.id], q);
    }
  });

  test('a mistyped number, or a name with a stray digit, falls back to similarity', async () => {
    assert.equal((await search(laJoya, { q: '8-123-4568' })).items[0]?.id, jose.id);
    assert.equal((await search(laJoya, { q: 'jose perez 2' })).items[0]?.id, jose.id);
  });

  test('a number belonging to nobody finds nobody', async () => {
    const r = await search(national, { q: 'PPL-999999' });
    assert.equal(r.total, 0);
  });
});

describe('scope', () => {
  test('a PA-LJ user does not find a person held in Colón, by name or number', async () => {
    const byName = await search(laJoya, { q: 'jose perez quintero' });
    assert.ok(!byName.items.some((i) => i.id === colon.id));
    assert.equal((await search(laJoya, { q: '3-456-789' })).total, 0);
    assert.equal((await search(laJoya, { q: colon.prisonerNumber })).total, 0);
    const nationalResult = await search(national, { q: 'jose perez quintero' });
    assert.equal(nationalResult.items[0]?.id, colon.id);
  });

  test('a person in transit toward PA-LJ is reached from PA-LJ', async () => {
    const r = await search(laJoya, { q: 'ramon tejada' });
    assert.equal(r.items[0]?.id, inTransit.id);
  });

  test('without a query: everyone in scope, by surname', async () => {
    const r = await search(laJoya, { limit: 200 });
    assert.ok(!r.items.some((i) => i.id === colon.id));
    assert.ok(r.items.some((i) => i.id === inTransit.id));
    const surnames = r.items.map((i) => foldText(i.firstSurname));
    assert.deepEqual(surnames, [...surnames].sort((a, b) => a.localeCompare(b, 'es')));
    assert.equal(r.total, r.items.length);
  });

  test('a user without centres reaches nobody', async () => {
    const none = await createUser(env, { username: 'search.nowhere', roles: ['duty_officer'], facilities: [] });
    await env.state.db.updateTable('users').set({ national_scope: false }).where('id', '=', none.id).execute();
    const r = await search(await bearerFor(env, none), { q: 'jose' });
    assert.equal(r.total, 0);
  });
});

describe('filters', () => {
  test('centre, sex, legal status and age band', async () => {
    const women = await search(national, { q: 'rodriguez', sex: 'female' });
    assert.ok(women.items.length >= 1 && women.items.every((i) => i.givenNames === 'Josefa'));
    const sentenced = await search(national, { legalStatus: 'sentenced', limit: 200 });
    assert.deepEqual(sentenced.items.map((i) => i.givenNames), ['Juan']);
    const colonOnly = await search(national, { facility: 'CO-NES', limit: 200 });
    assert.ok(colonOnly.items.length >= 2 && colonOnly.items.every((i) => i.facilityCode === 'CO-NES'));
    const young = await search(national, { ageBand: '18-20', limit: 200 });
    assert.ok(young.items.every((i) => i.givenNames === 'Juan'), JSON.stringify(young.items.map((i) => i.givenNames)));
    const old = await search(national, { ageBand: '60+', limit: 200 });
    assert.deepEqual(old.items.map((i) => i.givenNames), ['María']);
  });

  test('limit 1–200, default 20; bad filters answer 400', async () => {
    assert.equal((await call(env, 'GET', '/api/v1/persons?limit=0', national)).status, 400);
    assert.equal((await call(env, 'GET', '/api/v1/persons?limit=201', national)).status, 400);
    assert.equal((await call(env, 'GET', '/api/v1/persons?ageBand=12-15', national)).status, 400);
    assert.equal((await call(env, 'GET', '/api/v1/persons?sex=x', national)).status, 400);
    assert.equal((await search(national, { limit: 2 })).items.length, 2);
    assert.equal((await call(env, 'GET', '/api/v1/persons', {})).status, 401);
  });
});

describe('audit', () => {
  test('each search is one entry with the query, filters and count, never the people found', async () => {
    const before = (await auditEntries(env, 'person.search', { actorId: laJoyaUserId })).length;
    await search(laJoya, { q: 'Jose Peres', sex: 'male' });
    const entries = await auditEntries(env, 'person.search', { actorId: laJoyaUserId });
    assert.equal(entries.length, before + 1);
    const d = entries.at(-1)!.details as Record<string, unknown>;
    assert.equal(d.q, 'Jose Peres');
    assert.equal(d.sex, 'male');
    assert.equal(typeof d.total, 'number');
    const text = JSON.stringify(entries.at(-1));
    assert.ok(!text.includes('Rodríguez') && !text.includes(jose.id) && !text.includes(jose.prisonerNumber));
  });
});

describe('folding', () => {
  test('foldText gives the database\'s f_unaccent for names made of letters and single spaces', async () => {
    const names = ['José Pérez Rodríguez', 'MARÍA DEL CARMEN NÚÑEZ', 'Ñañez Güerra', 'Ángel Éber Íñiguez Óscar Úrsula', 'Müller Çelik', 'Zoë Ægir'];
    for (const n of names) {
      const r = await sql<{ f: string }>`select f_unaccent(${n}) as f`.execute(env.state.db);
      assert.equal(foldText(n), r.rows[0]!.f, n);
    }
  });
});

describe('merged files', () => {
  test('a file merged into another is not found', async () => {
    const dup = await newPerson(env, { givenNames: 'Eusebio', firstSurname: 'Cárdenas', secondSurname: 'Vega' });
    const keep = await newPerson(env, { givenNames: 'Eusebio', firstSurname: 'Cardenas' });
    await sql`update persons set merged_into = ${keep.id} where id = ${dup.id}`.execute(env.state.db);
    const r = await search(national, { q: 'eusebio cardenas' });
    assert.deepEqual(r.items.map((i) => i.id), [keep.id]);
  });
});
