// The official copy of the file (Mandela Rule 9): a PDF from the page and the API, scoped like
// the rest of the file (404 elsewhere) and audited as person.file_copy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv } from '../../../test/helpers/app.ts';
import { recordHealthDeclaration } from './service.ts';
import { admit, auditEntries, clerks, newPerson, release, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
let local: Session;
let elsewhere: Session;
let localApi: Record<string, string>;
let elsewhereApi: Record<string, string>;
let localUserId: string;
let rosa: { id: string; prisonerNumber: string };

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  const u = await createUser(env, { username: 'filecopy.records', roles: ['records_officer'], facilities: ['PA-CEF'] });
  const o = await createUser(env, { username: 'filecopy.lajoya', roles: ['records_officer'], facilities: ['PA-LJ'] });
  localUserId = u.id;
  local = await signIn(env, u);
  elsewhere = await signIn(env, o);
  localApi = await bearerFor(env, u);
  elsewhereApi = await bearerFor(env, o);
  rosa = await newPerson(env, { givenNames: 'Rosa', firstSurname: 'Quintero', sex: 'female', dateOfBirth: '1988-03-14', documents: [{ kind: 'cedula', number: '8-765-4321' }] });
  await admit(env, c, rosa.id, { facility: 'PA-CEF', legalStatus: 'pretrial', property: ['Reloj de pulsera', 'Cartera'] });
  await env.state.db.insertInto('person_children').values({ person_id: rosa.id, name: 'Lucía Quintero', age_years: 5, whereabouts: 'Con su abuela' }).execute();
  await recordHealthDeclaration(env.state.db, { personId: rosa.id, pregnant: true, breastfeeding: false }, null);
  await release(env, rosa.id);
});
after(() => env.close());

const isPdf = (res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }) => {
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(res.rawPayload.length > 2000);
};

describe('official copy of the file', () => {
  test('the page prints a PDF, audited as person.file_copy', async () => {
    const before = (await auditEntries(env, 'person.file_copy', { personId: rosa.id })).length;
    const res = await env.app.inject({ url: `/persons/${rosa.id}/file-copy.pdf`, headers: { cookie: local.cookie } });
    isPdf(res);
    const entries = await auditEntries(env, 'person.file_copy', { personId: rosa.id });
    assert.equal(entries.length, before + 1);
    assert.equal(entries.at(-1)!.actor_id, localUserId);
    assert.equal(entries.at(-1)!.target_id, rosa.id);
  });

  test('the API returns the same PDF, audited', async () => {
    const before = (await auditEntries(env, 'person.file_copy', { personId: rosa.id })).length;
    const res = await env.app.inject({ url: `/api/v1/persons/${rosa.id}/file-copy`, headers: { ...localApi, 'accept-language': 'en' } });
    isPdf(res);
    assert.equal((await auditEntries(env, 'person.file_copy', { personId: rosa.id })).length, before + 1);
  });

  test('the person page links to it', async () => {
    const res = await env.app.inject({ url: `/persons/${rosa.id}`, headers: { cookie: local.cookie } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`href="/persons/${rosa.id}/file-copy.pdf"`));
    assert.match(res.body, /Copia oficial del expediente/);
  });

  test('a user scoped to another centre gets 404, and nothing is audited', async () => {
    const before = (await auditEntries(env, 'person.file_copy', { personId: rosa.id })).length;
    assert.equal((await env.app.inject({ url: `/persons/${rosa.id}/file-copy.pdf`, headers: { cookie: elsewhere.cookie } })).statusCode, 404);
    assert.equal((await env.app.inject({ url: `/api/v1/persons/${rosa.id}/file-copy`, headers: elsewhereApi })).statusCode, 404);
    assert.equal((await auditEntries(env, 'person.file_copy', { personId: rosa.id })).length, before);
  });
});
