// The person's file through the API: one audit entry per read, scope (404), confidential
// children, health declarations for health staff only (the consequence for everyone),
// corrections that keep the old value, optimistic versions, cédula validation, aliases,
// documents, contacts, photo, history and the printable admission record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, startTestApp, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import { recordHealthDeclaration } from './service.ts';
import { admit, auditEntries, call, clerks, newPerson, onePixelPng, type Clerks } from './test-support.ts';

let env: TestEnv;
let c: Clerks;
const h: Record<string, Record<string, string>> = {};
const users: Record<string, TestUser> = {};
let ana: { id: string; prisonerNumber: string };
let colon: { id: string; prisonerNumber: string };
let episodeId: string;
let orderId: string;

before(async () => {
  env = await startTestApp();
  c = await clerks(env);
  const defs: [string, Parameters<typeof createUser>[1]['roles'], string[] | undefined][] = [
    ['records', ['records_officer'], ['PA-CEF']],
    ['duty', ['duty_officer'], ['PA-CEF']],
    ['health', ['health'], ['PA-CEF']],
    ['board', ['technical_board'], ['PA-CEF']],
    ['director', ['director'], ['PA-CEF']],
    ['lajoya', ['records_officer'], ['PA-LJ']],
    ['inspector', ['inspector'], undefined],
  ];
  for (const [name, roles, facilities] of defs) {
    users[name] = await createUser(env, { username: `person.${name}`, roles, ...(facilities ? { facilities } : {}) });
    h[name] = await bearerFor(env, users[name]!);
  }
  ana = await newPerson(env, {
    givenNames: 'Ana María',
    firstSurname: 'González',
    secondSurname: 'Batista',
    sex: 'female',
    dateOfBirth: '1994-08-15',
    documents: [{ kind: 'cedula', number: '8-765-4321' }],
  });
  ({ episodeId, orderId } = await admit(env, c, ana.id, { facility: 'PA-CEF', legalStatus: 'pretrial', property: ['Reloj de pulsera', 'Cadena de plata'] }));
  await env.state.db.insertInto('person_children').values({ person_id: ana.id, name: 'Sofía González', age_years: 4, whereabouts: 'Con la abuela materna en Chorrera', caregiver: 'Rosa Batista' }).execute();
  await recordHealthDeclaration(env.state.db, { personId: ana.id, pregnant: true, breastfeeding: false, notes: 'Unas 20 semanas' }, users.health!.id);
  colon = await newPerson(env, { givenNames: 'Pedro', firstSurname: 'Martínez' });
  await admit(env, c, colon.id, { facility: 'CO-NES' });
});
after(() => env.close());

type Person = Record<string, unknown> & {
  version: number;
  children?: { name: string }[];
  health?: { declarations: { pregnant: boolean; notes: string | null }[] };
  protection: { segregationAndRestraintsRestricted: boolean };
  currentEpisode: { facilityCode: string; unit: { code: string } | null; cell: { code: string } | null; legalStatus: string; admittedAt: string } | null;
  documents: { id: string; number: string; endedAt: string | null }[];
  aliases: { id: string; alias: string; endedAt: string | null }[];
  contacts: { name: string; isEmergency: boolean }[];
  alerts: { typeCode: string; summary: string | null }[];
};

async function read(who: string, id = ana.id): Promise<Person> {
  const r = await call(env, 'GET', `/api/v1/persons/${id}`, h[who]!);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as Person;
}

describe('reading a file', () => {
  test('identity, documents, current episode with placement and legal status', async () => {
    const p = await read('records');
    assert.equal(p.prisonerNumber, ana.prisonerNumber);
    assert.equal(p.fullName, 'Ana María González Batista');
    assert.equal(p.documents[0]!.number, '8-765-4321');
    assert.equal(p.currentEpisode?.facilityCode, 'PA-CEF');
    assert.equal(p.currentEpisode?.unit?.code, 'REC');
    assert.equal(p.currentEpisode?.cell?.code, 'R-01');
    assert.equal(p.currentEpisode?.legalStatus, 'pretrial');
    assert.equal(p.custodyStatus, 'in_custody');
    assert.equal(typeof p.version, 'number');
  });

  test('each read is exactly one audit entry (person.read), in the same transaction', async () => {
    const before = await auditEntries(env, 'person.read', { personId: ana.id, actorId: users.duty!.id });
    const all = await env.state.db.selectFrom('audit_log').select('id').execute();
    await read('duty');
    const afterReads = await auditEntries(env, 'person.read', { personId: ana.id, actorId: users.duty!.id });
    const allAfter = await env.state.db.selectFrom('audit_log').select('id').execute();
    assert.equal(afterReads.length, before.length + 1);
    assert.equal(allAfter.length, all.length + 1);
    assert.equal(afterReads.at(-1)!.target_id, ana.id);
    assert.equal(afterReads.at(-1)!.facility_code, 'PA-CEF');
  });

  test('outside the scope: 404, exactly as for a file that does not exist, and nothing audited as read', async () => {
    const r = await call(env, 'GET', `/api/v1/persons/${colon.id}`, h.lajoya!);
    assert.equal(r.status, 404);
    assert.equal(r.body.error?.code, 'not_found');
    assert.equal((await call(env, 'GET', '/api/v1/persons/7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11', h.lajoya!)).status, 404);
    assert.equal((await call(env, 'GET', `/api/v1/persons/${colon.id}/history`, h.lajoya!)).status, 404);
    assert.equal((await call(env, 'PATCH', `/api/v1/persons/${colon.id}/identity`, h.lajoya!, { version: 1, reason: 'x', changes: { givenNames: 'Pablo' } })).status, 404);
    assert.equal((await auditEntries(env, 'person.read', { personId: colon.id, actorId: users.lajoya!.id })).length, 0);
    assert.equal((await call(env, 'GET', `/api/v1/persons/${colon.id}`, h.inspector!)).status, 200);
  });
});

describe('children (Bangkok Rule 3)', () => {
  test('hidden from duty officers, shown to records officers, directors and the Technical Board', async () => {
    const duty = await read('duty');
    assert.ok(!('children' in duty));
    assert.ok(!JSON.stringify(duty).includes('Sofía'));
    for (const who of ['records', 'director', 'board']) assert.equal((await read(who)).children?.[0]?.name, 'Sofía González', who);
  });

  test('a duty officer cannot add a child; a records officer can', async () => {
    const body = { name: 'Mateo González', ageYears: 2, whereabouts: 'Con su tía', caregiver: 'Lucía González' };
    assert.equal((await call(env, 'POST', `/api/v1/persons/${ana.id}/children`, h.duty!, body)).status, 403);
    const ok = await call(env, 'POST', `/api/v1/persons/${ana.id}/children`, h.records!, body);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.ageYears, 2);
    const noAge = await call(env, 'POST', `/api/v1/persons/${ana.id}/children`, h.records!, { name: 'X', whereabouts: 'Y' });
    assert.equal(noAge.status, 422);
    assert.equal(noAge.body.error?.fields?.[0]?.path, 'ageYears');
    const entry = (await auditEntries(env, 'person.child.added', { personId: ana.id })).at(-1)!;
    assert.ok(!JSON.stringify(entry).includes('Mateo'), 'the audit trail keeps no child names');
  });
});

describe('pregnancy and breastfeeding', () => {
  test('the declaration is for health staff only; everyone sees the consequence', async () => {
    const health = await read('health');
    assert.equal(health.health?.declarations[0]?.pregnant, true);
    assert.equal(health.health?.declarations[0]?.notes, 'Unas 20 semanas');
    assert.equal(health.protection.segregationAndRestraintsRestricted, true);
    for (const who of ['duty', 'records', 'director', 'inspector']) {
      const p = await read(who);
      assert.ok(!('health' in p), who);
      assert.ok(!JSON.stringify(p).includes('pregnant') && !JSON.stringify(p).includes('semanas'), who);
      assert.equal(p.protection.segregationAndRestraintsRestricted, true, who);
    }
  });

  test('a later declaration by health staff replaces it; others may not record one', async () => {
    const other = await newPerson(env, { givenNames: 'Carmen', firstSurname: 'Ríos', sex: 'female' });
    await admit(env, c, other.id, { facility: 'PA-CEF' });
    assert.equal((await read('duty', other.id)).protection.segregationAndRestraintsRestricted, false);
    assert.equal((await call(env, 'POST', `/api/v1/persons/${other.id}/health-declarations`, h.records!, { pregnant: false, breastfeeding: true })).status, 403);
    const r = await call(env, 'POST', `/api/v1/persons/${other.id}/health-declarations`, h.health!, { pregnant: false, breastfeeding: true, notes: 'Bebé de 3 meses' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await read('duty', other.id)).protection.segregationAndRestraintsRestricted, true);
    const ended = await call(env, 'POST', `/api/v1/persons/${other.id}/health-declarations`, h.health!, { pregnant: false, breastfeeding: false });
    assert.equal(ended.status, 201);
    assert.equal((await read('duty', other.id)).protection.segregationAndRestraintsRestricted, false);
    const entry = (await auditEntries(env, 'person.health_declaration.recorded', { personId: other.id })).at(-1)!;
    assert.ok(!JSON.stringify(entry).includes('breastfeeding') && !JSON.stringify(entry).includes('Bebé'));
  });
});

describe('corrections', () => {
  test('a correction updates the file and keeps the old value with the reason; a stale version answers 409', async () => {
    const p = await newPerson(env, { givenNames: 'Luis Alberto', firstSurname: 'Sánches', dateOfBirth: '1980-02-02', locationFacilityCode: 'PA-CEF' });
    const r = await call(env, 'PATCH', `/api/v1/persons/${p.id}/identity`, h.inspector!, { version: 1, reason: 'x', changes: { firstSurname: 'Sánchez' } });
    assert.equal(r.status, 403);
    const ok = await call(env, 'PATCH', `/api/v1/persons/${p.id}/identity`, h.records!, {
      version: 1,
      reason: 'Cédula presentada por la familia',
      changes: { firstSurname: 'Sánchez', dateOfBirth: '1980-02-20', languages: ['es', 'en'], givenNames: 'Luis Alberto' },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.firstSurname, 'Sánchez');
    assert.equal(ok.body.version, 2);
    const history = await call(env, 'GET', `/api/v1/persons/${p.id}/history`, h.records!);
    const corrections = history.body.corrections as { field: string; oldValue: unknown; newValue: unknown; reason: string; correctedBy: string }[];
    assert.deepEqual(corrections.map((x) => x.field).sort(), ['dateOfBirth', 'firstSurname', 'languages'], 'unchanged fields are not corrections');
    const surname = corrections.find((x) => x.field === 'firstSurname')!;
    assert.equal(surname.oldValue, 'Sánches');
    assert.equal(surname.newValue, 'Sánchez');
    assert.equal(surname.reason, 'Cédula presentada por la familia');
    assert.equal(surname.correctedBy, 'person.records');
    const stale = await call(env, 'PATCH', `/api/v1/persons/${p.id}/identity`, h.records!, { version: 1, reason: 'Otra', changes: { firstSurname: 'Sanchez' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'version_conflict');
    const entry = (await auditEntries(env, 'person.corrected', { personId: p.id })).at(-1)!;
    assert.deepEqual(entry.before_value, { firstSurname: 'Sánches', dateOfBirth: '1980-02-02', languages: ['es'] });
    // The search text follows the corrected name.
    const found = await call(env, 'GET', '/api/v1/persons?q=luis%20sanchez', h.inspector!);
    assert.equal((found.body.items as { id: string }[])[0]?.id, p.id);
  });

  test('bad corrections answer 4xx naming the field', async () => {
    const p = await newPerson(env, { givenNames: 'Rosa', firstSurname: 'Vega', locationFacilityCode: 'PA-CEF' });
    const cases: [unknown, number, string][] = [
      [{ version: 1, reason: '   ', changes: { givenNames: 'Rosa Elena' } }, 422, 'reason'],
      [{ version: 1, reason: 'x', changes: { givenNames: 'Rosa' } }, 422, 'changes'],
      [{ version: 1, reason: 'x', changes: { dateOfBirth: '2999-01-01' } }, 422, 'changes.dateOfBirth'],
      [{ version: 1, reason: 'x', changes: { givenNames: '1234' } }, 422, 'changes.givenNames'],
      [{ version: 1, reason: 'x', changes: { nationality: 'Panamá' } }, 400, 'changes.nationality'],
      [{ version: 1, reason: 'x', changes: { shoeSize: 42 } }, 400, 'changes.shoeSize'],
      [{ version: 1, reason: 'x', changes: {} }, 400, 'changes'],
    ];
    for (const [body, status, path] of cases) {
      const r = await call(env, 'PATCH', `/api/v1/persons/${p.id}/identity`, h.records!, body);
      assert.equal(r.status, status, JSON.stringify(body) + JSON.stringify(r.body));
      assert.equal(r.body.error?.fields?.[0]?.path, path, JSON.stringify(r.body));
    }
    assert.equal((await read('records', p.id)).version, 1, 'nothing half-written');
  });
});

describe('documents, aliases and contacts', () => {
  test('a cédula in the wrong format answers 422 with path number, in the caller\'s language', async () => {
    const r = await call(env, 'POST', `/api/v1/persons/${ana.id}/documents`, h.records!, { kind: 'cedula', number: '8-12345-1' });
    assert.equal(r.status, 422);
    assert.equal(r.body.error?.fields?.[0]?.path, 'number');
    assert.match(r.body.error!.fields![0]!.message, /cédula/);
    const province = await call(env, 'POST', `/api/v1/persons/${ana.id}/documents`, h.records!, { kind: 'cedula', number: '15-123-456' });
    assert.equal(province.status, 422);
    assert.match(province.body.error!.fields![0]!.message, /provincia/);
  });

  test('a valid cédula is stored in canonical form and found; the same document on another file is refused', async () => {
    const r = await call(env, 'POST', `/api/v1/persons/${ana.id}/documents`, h.records!, { kind: 'cedula', number: 'pe 12 - 345' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.number, 'PE-12-345');
    assert.equal(r.body.issuingCountry, 'PA');
    const found = await call(env, 'GET', '/api/v1/persons?q=PE12345', h.records!);
    assert.deepEqual((found.body.items as { id: string }[]).map((i) => i.id), [ana.id]);
    const other = await newPerson(env, { givenNames: 'Otra', firstSurname: 'Persona' });
    await admit(env, c, other.id, { facility: 'PA-CEF' });
    const dup = await call(env, 'POST', `/api/v1/persons/${other.id}/documents`, h.records!, { kind: 'cedula', number: 'PE-12-345' });
    assert.equal(dup.status, 422);
    assert.match(dup.body.error!.fields![0]!.message, new RegExp(ana.prisonerNumber));
    // Same digits, different cédula (8-76-54321 vs 8-765-4321): not a duplicate.
    const lookalike = await call(env, 'POST', `/api/v1/persons/${other.id}/documents`, h.records!, { kind: 'cedula', number: '8-76-54321' });
    assert.equal(lookalike.status, 201, JSON.stringify(lookalike.body));
    const passport = await call(env, 'POST', `/api/v1/persons/${other.id}/documents`, h.records!, { kind: 'passport', number: 'ab123456', issuingCountry: 'CO' });
    assert.equal(passport.status, 201);
    assert.equal(passport.body.number, 'AB123456');
  });

  test('aliases are added, found by search, and ended (still visible)', async () => {
    const added = await call(env, 'POST', `/api/v1/persons/${ana.id}/aliases`, h.records!, { alias: 'La Flaca' });
    assert.equal(added.status, 201);
    const found = await call(env, 'GET', '/api/v1/persons?q=la%20flaca', h.duty!);
    assert.equal((found.body.items as { id: string }[])[0]?.id, ana.id);
    const ended = await call(env, 'POST', `/api/v1/persons/${ana.id}/aliases/${added.body.id as string}/end`, h.records!);
    assert.equal(ended.status, 200);
    const p = await read('records');
    assert.ok(p.aliases.find((a) => a.alias === 'La Flaca')?.endedAt);
    assert.equal((await call(env, 'POST', `/api/v1/persons/${ana.id}/aliases/${added.body.id as string}/end`, h.duty!)).status, 403);
    assert.equal((await call(env, 'POST', `/api/v1/persons/${colon.id}/aliases/${added.body.id as string}/end`, h.records!)).status, 404);
  });

  test('contacts; a bad telephone answers 422 naming the field', async () => {
    const ok = await call(env, 'POST', `/api/v1/persons/${ana.id}/contacts`, h.records!, { name: 'Rosa Batista', relationship: 'madre', phone: '+507 6123-4567', isEmergency: true });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await read('duty')).contacts.find((x) => x.name === 'Rosa Batista')?.isEmergency, true);
    const bad = await call(env, 'POST', `/api/v1/persons/${ana.id}/contacts`, h.records!, { name: 'X', relationship: 'hermano', phone: 'llamar al vecino' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error?.fields?.[0]?.path, 'phone');
  });

  test('an Idempotency-Key repeats the first answer and creates nothing new', async () => {
    const headers = { ...h.records!, 'idempotency-key': 'alias-once-1' };
    const a = await call(env, 'POST', `/api/v1/persons/${ana.id}/aliases`, headers, { alias: 'Anita' });
    const b = await call(env, 'POST', `/api/v1/persons/${ana.id}/aliases`, headers, { alias: 'Anita' });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.id, b.body.id);
    assert.equal((await read('records')).aliases.filter((x) => x.alias === 'Anita').length, 1);
  });
});

describe('photo', () => {
  test('set by base64, read back with its content type, scope-checked; a non-image is refused', async () => {
    const put = await call(env, 'PUT', `/api/v1/persons/${ana.id}/photo`, h.records!, { photo: onePixelPng.toString('base64') });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const get = await env.app.inject({ url: `/api/v1/persons/${ana.id}/photo`, headers: h.duty! });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['content-type'], 'image/png');
    assert.deepEqual(get.rawPayload, onePixelPng);
    assert.equal((await read('duty')).photo, true);
    assert.equal((await env.app.inject({ url: `/api/v1/persons/${ana.id}/photo`, headers: h.lajoya! })).statusCode, 404);
    assert.equal((await env.app.inject({ url: `/api/v1/persons/${colon.id}/photo`, headers: h.inspector! })).statusCode, 404);
    const bad = await call(env, 'PUT', `/api/v1/persons/${ana.id}/photo`, h.records!, { photo: Buffer.from('%PDF-1.4 not a photo').toString('base64') });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error?.fields?.[0]?.path, 'photo');
  });
});

describe('history and the admission record', () => {
  test('episodes, movements, orders and property', async () => {
    const r = await call(env, 'GET', `/api/v1/persons/${ana.id}/history`, h.duty!);
    assert.equal(r.status, 200);
    const b = r.body as unknown as { episodes: { id: string }[]; movements: { kind: string }[]; orders: { id: string; status: string }[]; property: { description: string; signedOffBy: string }[] };
    assert.deepEqual(b.episodes.map((e) => e.id), [episodeId]);
    assert.deepEqual(b.movements.map((m) => m.kind), ['admission']);
    assert.deepEqual(b.orders.map((o) => [o.id, o.status]), [[orderId, 'verified']]);
    assert.deepEqual(b.property.map((p) => p.description).sort(), ['Cadena de plata', 'Reloj de pulsera']);
    assert.equal(b.property[0]!.signedOffBy, c.registrar.username);
  });

  test('open alerts on the person; health alerts keep their summary from non-health staff', async () => {
    await env.state.db
      .insertInto('alerts')
      .values([
        { type_code: 'self_harm_risk', person_id: ana.id, facility_code: 'PA-CEF', recipient_role: 'health', severity: 'critical', summary: 'Ideación suicida declarada', due_at: new Date(Date.now() + 3600_000) },
        { type_code: 'escape_risk', person_id: ana.id, facility_code: 'PA-CEF', recipient_role: 'director', severity: 'high', summary: 'Intento de fuga previo', due_at: new Date(Date.now() + 3600_000) },
      ])
      .execute();
    const duty = await read('duty');
    assert.deepEqual(duty.alerts.map((a) => [a.typeCode, a.summary]).sort(), [['escape_risk', 'Intento de fuga previo'], ['self_harm_risk', null]]);
    const health = await read('health');
    assert.ok(health.alerts.some((a) => a.summary === 'Ideación suicida declarada'));
  });

  test('the admission record is a PDF in the caller\'s language, audited as a read', async () => {
    const before = (await auditEntries(env, 'person.read', { personId: ana.id })).length;
    const res = await env.app.inject({ url: `/api/v1/persons/${ana.id}/admission-record`, headers: h.records! });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(res.rawPayload.length > 2000);
    const entries = await auditEntries(env, 'person.read', { personId: ana.id });
    assert.equal(entries.length, before + 1);
    assert.deepEqual(entries.at(-1)!.details, { part: 'admission-record' });
    const nobody = await newPerson(env, { givenNames: 'Sin', firstSurname: 'Ingreso' });
    await env.state.db.updateTable('persons').set({ location_facility_code: 'PA-CEF' }).where('id', '=', nobody.id).execute();
    assert.equal((await env.app.inject({ url: `/api/v1/persons/${nobody.id}/admission-record`, headers: h.records! })).statusCode, 404);
  });
});
