// Merging two files of one person, and undoing it: every moved row goes back, nothing else
// moves; refused while both are in custody; audited; directors only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { personOwnedTables } from './merge.ts';
import { recordHealthDeclaration } from './service.ts';
import { admit, auditEntries, call, clerks, newPerson, release, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
let director: Record<string, string>;
let records: Record<string, string>;

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  director = await bearerFor(env, await createUser(env, { username: 'merge.director', roles: ['director'], facilities: ['PA-LJ', 'CO-NES'] }));
  records = await bearerFor(env, await createUser(env, { username: 'merge.records', roles: ['records_officer'], facilities: ['PA-LJ', 'CO-NES'] }));
});
after(() => env.close());

/** Every row of every person-owned table, by owner: what a merge must change and an undo restore. */
async function snapshot(ids: string[]) {
  const out: Record<string, string[]> = {};
  for (const t of await personOwnedTables(env.state.db)) {
    const rows = await sql<{ id: string; person_id: string }>`select id::text, person_id::text from ${sql.table(t)} where person_id in (${sql.join(ids)})`.execute(env.state.db);
    out[t] = rows.rows.map((r) => `${r.id}→${r.person_id}`).sort();
  }
  const persons = await env.state.db.selectFrom('persons').select(['id', 'merged_into', 'custody_status', 'location_facility_code', 'photo_file_id']).where('id', 'in', ids).orderBy('id').execute();
  return { rows: out, persons };
}

async function populated(opts: { facility: string; inCustody: boolean; name: [string, string, string] }) {
  const p = await newPerson(env, { givenNames: opts.name[0], firstSurname: opts.name[1], secondSurname: opts.name[2], aliases: [`${opts.name[0]} alias`], documents: [{ kind: 'passport', number: `P${Math.floor(Math.random() * 1e7)}` }] });
  await admit(env, c, p.id, { facility: opts.facility, property: ['Mochila'] });
  if (!opts.inCustody) await release(env, p.id);
  const db = env.state.db;
  await db.insertInto('person_contacts').values({ person_id: p.id, name: `Contacto de ${opts.name[0]}`, relationship: 'madre' }).execute();
  await db.insertInto('person_children').values({ person_id: p.id, name: `Hijo de ${opts.name[0]}`, age_years: 5, whereabouts: 'Con la abuela' }).execute();
  await recordHealthDeclaration(db, { personId: p.id, pregnant: false, breastfeeding: false }, null);
  await db.insertInto('alerts').values({ type_code: 'escape_risk', person_id: p.id, facility_code: opts.facility, recipient_role: 'director', severity: 'high', summary: 'Riesgo', due_at: new Date(Date.now() + 86400_000) }).execute();
  return p;
}

describe('merge and undo', () => {
  test('the tables that move include every part of the file named by the issue, but not the corrections', async () => {
    const tables = await personOwnedTables(env.state.db);
    for (const t of ['person_aliases', 'person_documents', 'person_contacts', 'person_children', 'health_declarations', 'custody_episodes', 'movements', 'judicial_orders', 'alerts']) assert.ok(tables.includes(t), t);
    assert.ok(!tables.includes('person_corrections'));
  });

  test('every row of the other file moves to the survivor; undo restores exactly the earlier state', async () => {
    const survivor = await populated({ facility: 'PA-LJ', inCustody: true, name: ['Ricardo', 'Moreno', 'Díaz'] });
    const other = await populated({ facility: 'CO-NES', inCustody: false, name: ['Ricardo', 'Morenno', 'Dias'] });
    const ids = [survivor.id, other.id];
    const before = await snapshot(ids);

    const r = await call(env, 'POST', `/api/v1/persons/${survivor.id}/merge`, director, { otherId: other.id, reason: 'Misma cédula hallada en el archivo físico' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const moved = r.body.moved as Record<string, number>;
    for (const t of ['person_aliases', 'person_documents', 'person_contacts', 'person_children', 'health_declarations', 'custody_episodes', 'movements', 'judicial_orders', 'alerts']) assert.ok(moved[t]! >= 1, t);

    const merged = await snapshot(ids);
    for (const t of Object.keys(merged.rows)) assert.ok(merged.rows[t]!.every((x) => x.endsWith(`→${survivor.id}`)), `${t} all on the survivor`);
    assert.equal(merged.persons.find((p) => p.id === other.id)!.merged_into, survivor.id);

    // The merged-away file answers 404 naming the survivor; search finds the survivor by the other's name.
    const gone = await call(env, 'GET', `/api/v1/persons/${other.id}`, director);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error?.code, 'person_merged');
    assert.match(gone.body.error!.message, new RegExp(survivor.prisonerNumber));
    const found = await call(env, 'GET', '/api/v1/persons?q=ricardo%20morenno%20dias', director);
    assert.deepEqual((found.body.items as { id: string }[]).map((i) => i.id), [survivor.id]);
    const history = await call(env, 'GET', `/api/v1/persons/${survivor.id}/history`, director);
    assert.equal((history.body.episodes as unknown[]).length, 2);

    const undo = await call(env, 'POST', `/api/v1/person-merges/${r.body.id as string}/undo`, director);
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    assert.ok(undo.body.undoneAt);
    const after = await snapshot(ids);
    assert.deepEqual(after.rows, { ...before.rows, person_aliases: after.rows.person_aliases });
    // The survivor keeps one extra row: the other's name added as an alias, now ended.
    const extra = after.rows.person_aliases!.filter((x) => !before.rows.person_aliases!.includes(x));
    assert.equal(extra.length, 1);
    const alias = await env.state.db.selectFrom('person_aliases').selectAll().where('id', '=', extra[0]!.split('→')[0]!).executeTakeFirstOrThrow();
    assert.equal(alias.kind, 'other_name');
    assert.ok(alias.ended_at);
    assert.deepEqual(after.persons, before.persons);
    assert.equal((await call(env, 'GET', `/api/v1/persons/${other.id}`, director)).status, 200);

    assert.equal((await call(env, 'POST', `/api/v1/person-merges/${r.body.id as string}/undo`, director)).status, 409);
    assert.equal((await auditEntries(env, 'person.merged', { personId: survivor.id })).length, 1);
    assert.equal((await auditEntries(env, 'person.merge.undone', { personId: survivor.id })).length, 1);
  });

  test('a survivor out of custody takes the location of the other file\'s open episode, and gives it back on undo', async () => {
    const survivor = await populated({ facility: 'CO-NES', inCustody: false, name: ['Aurelio', 'Castillo', 'Ruiz'] });
    const other = await populated({ facility: 'PA-LJ', inCustody: true, name: ['Aurelio', 'Castilo', 'Ruiz'] });
    const r = await call(env, 'POST', `/api/v1/persons/${survivor.id}/merge`, director, { otherId: other.id, reason: 'Duplicado' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const p = await call(env, 'GET', `/api/v1/persons/${survivor.id}`, director);
    assert.equal(p.body.custodyStatus, 'in_custody');
    assert.equal(p.body.facilityCode, 'PA-LJ');
    assert.equal((p.body.currentEpisode as { facilityCode: string }).facilityCode, 'PA-LJ');
    await call(env, 'POST', `/api/v1/person-merges/${r.body.id as string}/undo`, director);
    const back = await call(env, 'GET', `/api/v1/persons/${survivor.id}`, director);
    assert.equal(back.body.custodyStatus, 'released');
    assert.equal(back.body.facilityCode, 'CO-NES');
  });

  test('refused while both are in custody (422 naming otherId), for oneself, and without person.merge', async () => {
    const a = await populated({ facility: 'PA-LJ', inCustody: true, name: ['Tomás', 'Vargas', 'Ortiz'] });
    const b = await populated({ facility: 'CO-NES', inCustody: true, name: ['Tomas', 'Vargas', 'Ortiz'] });
    const both = await call(env, 'POST', `/api/v1/persons/${a.id}/merge`, director, { otherId: b.id, reason: 'Duplicado' });
    assert.equal(both.status, 422);
    assert.equal(both.body.error?.fields?.[0]?.path, 'otherId');
    assert.equal((await env.state.db.selectFrom('persons').select('merged_into').where('id', '=', b.id).executeTakeFirstOrThrow()).merged_into, null);
    assert.equal((await call(env, 'POST', `/api/v1/persons/${a.id}/merge`, director, { otherId: a.id, reason: 'x' })).status, 422);
    assert.equal((await call(env, 'POST', `/api/v1/persons/${a.id}/merge`, records, { otherId: b.id, reason: 'x' })).status, 403);
    const outside = await newPerson(env, { givenNames: 'Fuera', firstSurname: 'De Alcance', locationFacilityCode: 'CH-ALG' });
    const far = await call(env, 'POST', `/api/v1/persons/${a.id}/merge`, director, { otherId: outside.id, reason: 'x' });
    assert.equal(far.status, 422);
    assert.equal(far.body.error?.fields?.[0]?.path, 'otherId');
    assert.equal((await call(env, 'POST', '/api/v1/person-merges/7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11/undo', director)).status, 404);
  });
});
