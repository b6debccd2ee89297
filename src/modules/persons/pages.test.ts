// The persons pages: search, the person's page (identity bar, sections by permission), the
// forms with GOV.UK error summaries, the photo upload, merging from the page, and the PDF.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, signIn, startTestApp, type Session, type TestEnv } from '../../../test/helpers/app.ts';
import { recordHealthDeclaration } from './service.ts';
import { admit, auditEntries, clerks, newPerson, onePixelPng, release, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
const s: Record<string, Session> = {};
let elena: { id: string; prisonerNumber: string };

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  for (const [name, role, lang] of [['records', 'records_officer', 'es'], ['duty', 'duty_officer', 'es'], ['director', 'director', 'en']] as const) {
    const u = await createUser(env, { username: `pages.${name}`, roles: [role], facilities: ['PA-CEF'] });
    if (lang === 'en') await env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', u.id).execute();
    s[name] = await signIn(env, u);
  }
  elena = await newPerson(env, { givenNames: 'Elena', firstSurname: 'Núñez', secondSurname: 'Carrasquilla', sex: 'female', dateOfBirth: '1991-12-01', documents: [{ kind: 'cedula', number: '2-345-6789' }] });
  await admit(env, c, elena.id, { facility: 'PA-CEF', legalStatus: 'pretrial', property: ['Teléfono celular'] });
  await env.state.db.insertInto('person_children').values({ person_id: elena.id, name: 'Valentina Núñez', age_years: 7, whereabouts: 'Con su padre en Colón' }).execute();
  await recordHealthDeclaration(env.state.db, { personId: elena.id, pregnant: false, breastfeeding: true }, null);
  await env.state.db.insertInto('alerts').values({ type_code: 'foreign_national', person_id: elena.id, facility_code: 'PA-CEF', recipient_role: 'director', severity: 'medium', summary: 'Notificar al consulado', due_at: new Date(Date.now() + 86400_000) }).execute();
});
after(() => env.close());

const page = (who: string, url: string) => env.app.inject({ method: 'GET', url, headers: { cookie: s[who]!.cookie } });
const form = (who: string, url: string, fields: Record<string, string>) => {
  const body = new URLSearchParams({ ...fields, _csrf: s[who]!.csrf });
  return env.app.inject({ method: 'POST', url, headers: { cookie: s[who]!.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
};

describe('search page', () => {
  test('finds by name and links to the file; filters render', async () => {
    const r = await page('duty', '/persons?q=elena+nunez&sex=female');
    assert.equal(r.statusCode, 200);
    assert.match(r.body, new RegExp(`href="/persons/${elena.id}"`));
    assert.match(r.body, /Resultados: 1/);
    assert.match(r.body, /name="ageBand"/);
    const all = await page('duty', '/persons');
    assert.equal(all.statusCode, 200);
    assert.match(all.body, new RegExp(elena.prisonerNumber));
  });
});

describe('the person\'s page', () => {
  test('identity bar with number, location, legal status, alert and protection tags; sections by permission', async () => {
    const duty = await page('duty', `/persons/${elena.id}`);
    assert.equal(duty.statusCode, 200, duty.body.slice(0, 500));
    assert.match(duty.body, /data-testid="identity-bar"/);
    assert.match(duty.body, new RegExp(`data-testid="prisoner-number">${elena.prisonerNumber}<`));
    assert.match(duty.body, /Segregación y sujeción restringidas/);
    assert.match(duty.body, /data-testid="alert-tag">Persona extranjera/);
    assert.match(duty.body, /Detención provisional/);
    assert.match(duty.body, /Recepción/);
    assert.match(duty.body, /data-testid="photo-placeholder"/);
    assert.match(duty.body, /Teléfono celular/);
    assert.doesNotMatch(duty.body, /Valentina/, 'no children for duty officers');
    assert.doesNotMatch(duty.body, /lactancia/i, 'no health declaration outside health staff');
    assert.doesNotMatch(duty.body, /action="\/persons\/[^"]+\/identity"/, 'no correction form without person.write');
    const records = await page('records', `/persons/${elena.id}`);
    assert.match(records.body, /Valentina Núñez/);
    assert.match(records.body, /action="\/persons\/[^"]+\/identity"/);
    const director = await page('director', `/persons/${elena.id}`);
    assert.match(director.body, /Segregation and restraints restricted/);
    assert.match(director.body, /<html lang="en"/);
  });

  test('the page read is one audit entry', async () => {
    const before = (await auditEntries(env, 'person.read', { personId: elena.id })).length;
    await page('records', `/persons/${elena.id}`);
    assert.equal((await auditEntries(env, 'person.read', { personId: elena.id })).length, before + 1);
  });

  test('a correction without a reason shows the error summary; with one it is saved and the old value shown', async () => {
    const version = (await env.state.db.selectFrom('persons').select('version').where('id', '=', elena.id).executeTakeFirstOrThrow()).version;
    const base = { givenNames: 'Elena', firstSurname: 'Núñez', secondSurname: 'Carrasquillo', sex: 'female', dateOfBirth: '1991-12-01', nationality: 'PA', languages: 'es', version: String(version) };
    const bad = await form('records', `/persons/${elena.id}/identity`, { ...base, reason: '' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#identity-reason"/);
    assert.match(bad.body, /value="Carrasquillo"/, 'what was typed is kept');
    const ok = await form('records', `/persons/${elena.id}/identity`, { ...base, reason: 'Error de digitación' });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 300));
    const after = await page('records', String(ok.headers.location));
    assert.match(after.body, /Corrección guardada/);
    assert.match(after.body, /<td class="govuk-table__cell">Carrasquilla<\/td>\s*<td class="govuk-table__cell">Carrasquillo<\/td>/);
    const stale = await form('records', `/persons/${elena.id}/identity`, { ...base, secondSurname: 'Otra', reason: 'x' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /Otra persona modificó este registro/);
  });

  test('a bad cédula shows the error at the number field; a good one is added', async () => {
    const bad = await form('records', `/persons/${elena.id}/documents`, { kind: 'cedula', number: '99-1-1' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /href="#document-number"/);
    assert.match(bad.body, /entre 1 y 13/);
    const ok = await form('records', `/persons/${elena.id}/documents`, { kind: 'passport', number: 'C1234567', issuingCountry: 'co' });
    assert.equal(ok.statusCode, 302);
    assert.match((await page('records', `/persons/${elena.id}`)).body, /C1234567/);
  });

  test('contacts, aliases and children through forms; a duty officer gets 403', async () => {
    assert.equal((await form('records', `/persons/${elena.id}/contacts`, { name: 'Marta Carrasquilla', relationship: 'madre', phone: '6677-8899', isEmergency: 'true' })).statusCode, 302);
    assert.equal((await form('records', `/persons/${elena.id}/aliases`, { alias: 'La Morena', kind: 'alias' })).statusCode, 302);
    const child = await form('records', `/persons/${elena.id}/children`, { name: 'Luis Núñez', ageYears: 'tres', whereabouts: 'Con su abuela' });
    assert.equal(child.statusCode, 422);
    assert.match(child.body, /href="#child-ageYears"/);
    assert.equal((await form('records', `/persons/${elena.id}/children`, { name: 'Luis Núñez', ageYears: '3', whereabouts: 'Con su abuela' })).statusCode, 302);
    assert.equal((await form('duty', `/persons/${elena.id}/aliases`, { alias: 'X' })).statusCode, 403);
    const body = (await page('records', `/persons/${elena.id}`)).body;
    for (const text of ['Marta Carrasquilla', 'La Morena', 'Luis Núñez']) assert.match(body, new RegExp(text));
  });

  test('a photo uploaded with the page form shows in the identity bar', async () => {
    const boundary = '----custodia' + Date.now();
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.records!.csrf}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="elena.png"\r\nContent-Type: image/png\r\n\r\n`),
      onePixelPng,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await env.app.inject({ method: 'POST', url: `/persons/${elena.id}/photo`, headers: { cookie: s.records!.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    assert.equal(r.statusCode, 302, r.body.slice(0, 500));
    const body = (await page('duty', `/persons/${elena.id}`)).body;
    assert.match(body, /data-testid="person-photo"/);
    assert.match(body, /src="data:image\/png;base64,/);
    const img = await page('duty', `/persons/${elena.id}/photo`);
    assert.equal(img.headers['content-type'], 'image/png');
  });

  test('the printable admission record', async () => {
    const r = await page('director', `/persons/${elena.id}/admission-record.pdf`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.equal(r.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  });

  test('outside the scope: 404 page', async () => {
    const other = await newPerson(env, { givenNames: 'Lejos', firstSurname: 'De Aquí', locationFacilityCode: 'CO-FEM' });
    assert.equal((await page('records', `/persons/${other.id}`)).statusCode, 404);
    assert.equal((await page('records', '/persons/no-es-un-id')).statusCode, 404);
  });
});

describe('merging from the page', () => {
  test('a director merges by prisoner number, the old address leads to the survivor, and the merge is undone', async () => {
    const dup = await newPerson(env, { givenNames: 'Elena', firstSurname: 'Nunes', sex: 'female', dateOfBirth: '1991-12-01' });
    await admit(env, c, dup.id, { facility: 'PA-CEF' });
    await release(env, dup.id);
    const unknown = await form('director', `/persons/${elena.id}/merge`, { otherNumber: 'PPL-999999', reason: 'Duplicado' });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.body, /href="#merge-otherNumber"/);
    const ok = await form('director', `/persons/${elena.id}/merge`, { otherNumber: dup.prisonerNumber, reason: 'Duplicado del ingreso de 2019' });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 300));
    const old = await page('director', `/persons/${dup.id}`);
    assert.equal(old.statusCode, 302);
    assert.equal(old.headers.location, `/persons/${elena.id}?from=merged`);
    const survivor = await page('director', `/persons/${elena.id}`);
    const m = /action="\/person-merges\/([0-9a-f-]+)\/undo"/.exec(survivor.body);
    assert.ok(m, 'an undo button');
    const undo = await form('director', `/person-merges/${m[1]}/undo`, {});
    assert.equal(undo.statusCode, 302);
    assert.equal((await page('director', `/persons/${dup.id}`)).statusCode, 200);
    assert.equal((await form('records', `/persons/${elena.id}/merge`, { otherNumber: dup.prisonerNumber, reason: 'x' })).statusCode, 403);
  });
});
