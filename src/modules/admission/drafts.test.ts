// Admission drafts through the API: saved, resumed, updated with the version read (409 when
// stale), discarded, scoped to the caller's centres, and completed by the admission.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admissionBody, api, newPerson, paths, setUpWorld, verifiedOrder, type World } from './test-support.ts';

let w: World;
before(async () => {
  w = await setUpWorld();
});
after(() => w.env.close());

const create = (payload: unknown, who = 'officer', headers: Record<string, string> = {}) => api(w, 'POST', '/api/v1/admission-drafts', { ...w.h[who]!, ...headers }, payload);

describe('drafts', () => {
  test('a draft is created (201), read back and listed among the open drafts of the centre', async () => {
    const person = newPerson();
    const r = await create({ facilityCode: 'PA-LJ', data: { person: { givenNames: person.givenNames, firstSurname: person.firstSurname } } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.status, 'open');
    assert.equal(r.body.version, 1);
    assert.equal(r.body.facilityCode, 'PA-LJ');
    assert.equal(r.body.createdBy, w.users.officer.id);
    const got = await api(w, 'GET', `/api/v1/admission-drafts/${r.body.id as string}`, w.h.officer!);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, { person: { givenNames: person.givenNames, firstSurname: person.firstSurname } });
    const list = await api(w, 'GET', '/api/v1/admission-drafts?facility=PA-LJ', w.h.officer!);
    assert.equal(list.status, 200);
    assert.ok((list.body.items as { id: string }[]).some((d) => d.id === r.body.id));
    const all = await api(w, 'GET', '/api/v1/admission-drafts', w.h.officerNational!);
    assert.ok((all.body.items as { id: string }[]).some((d) => d.id === r.body.id));
    const audit = await w.env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', r.body.id as string).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['admission_draft.created', 'admission_draft.read']);
  });

  test('a replayed Idempotency-Key creates one draft', async () => {
    const key = { 'idempotency-key': `draft-${Date.now()}` };
    const a = await create({ facilityCode: 'PA-LJ' }, 'officer', key);
    const b = await create({ facilityCode: 'PA-LJ' }, 'officer', key);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.id, b.body.id);
  });

  test('saving part of a draft keeps the rest; null removes a key; a stale version answers 409', async () => {
    const d = await create({ facilityCode: 'PA-LJ', data: { person: { givenNames: 'Luis' }, arrest: { place: 'Colón' } } });
    const id = d.body.id as string;
    const u1 = await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officer!, { version: 1, data: { admittedAt: '2026-03-01T10:00', health: { pregnant: false } } });
    assert.equal(u1.status, 200, JSON.stringify(u1.body));
    assert.equal(u1.body.version, 2);
    assert.deepEqual(u1.body.data, { person: { givenNames: 'Luis' }, arrest: { place: 'Colón' }, admittedAt: '2026-03-01T10:00', health: { pregnant: false } });
    const stale = await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officerNational!, { version: 1, data: { arrest: null } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'version_conflict');
    const u2 = await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officerNational!, { version: 2, data: { arrest: null } });
    assert.equal(u2.status, 200);
    assert.deepEqual(Object.keys(u2.body.data as object).sort(), ['admittedAt', 'health', 'person']);
    // the audit keeps that a health declaration is in the draft, never what it says
    const audit = await w.env.state.db.selectFrom('audit_log').select(['after_value']).where('target_id', '=', id).where('action', '=', 'admission_draft.updated').orderBy('id').execute();
    assert.equal(audit.length, 2);
    assert.ok(!JSON.stringify(audit).includes('pregnant'), JSON.stringify(audit));
  });

  test('draft data is checked for types only: a half-typed date is kept, a wrong type or an unknown field is refused (400)', async () => {
    const d = await create({ facilityCode: 'PA-LJ', data: { admittedAt: '2026-13', person: { documents: [{ kind: 'cedula', number: '8-' }] } } });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const wrong = await create({ facilityCode: 'PA-LJ', data: { person: { givenNames: 42 } } });
    assert.equal(wrong.status, 400);
    assert.deepEqual(paths(wrong.body), ['data.person.givenNames']);
    const unknown = await create({ facilityCode: 'PA-LJ', data: { nickname: 'x' } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(paths(unknown.body), ['data.nickname']);
  });

  test('discarding keeps the draft (marked discarded), drops it from the list, and refuses later saves (409)', async () => {
    const d = await create({ facilityCode: 'PA-LJ' });
    const id = d.body.id as string;
    const x = await api(w, 'POST', `/api/v1/admission-drafts/${id}/discard`, w.h.officer!);
    assert.equal(x.status, 200);
    assert.equal(x.body.status, 'discarded');
    assert.ok(x.body.discardedAt);
    const list = await api(w, 'GET', '/api/v1/admission-drafts?facility=PA-LJ', w.h.officer!);
    assert.ok(!(list.body.items as { id: string }[]).some((i) => i.id === id));
    assert.equal((await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!)).body.status, 'discarded');
    assert.equal((await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officer!, { version: x.body.version, data: {} })).status, 409);
    assert.equal((await api(w, 'POST', `/api/v1/admission-drafts/${id}/discard`, w.h.officer!)).status, 409);
  });

  test('scope: another centre\'s drafts answer 404; a draft for a centre out of scope 404; no permission 403', async () => {
    const d = await create({ facilityCode: 'PA-LJ' });
    const id = d.body.id as string;
    assert.equal((await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officerColon!)).status, 404);
    assert.equal((await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officerColon!, { version: 1, data: {} })).status, 404);
    assert.equal((await api(w, 'POST', `/api/v1/admission-drafts/${id}/discard`, w.h.officerColon!)).status, 404);
    const colonList = await api(w, 'GET', '/api/v1/admission-drafts', w.h.officerColon!);
    assert.ok(!(colonList.body.items as { id: string }[]).some((i) => i.id === id));
    assert.equal((await api(w, 'GET', '/api/v1/admission-drafts?facility=PA-LJ', w.h.officerColon!)).status, 404);
    assert.equal((await create({ facilityCode: 'CO-NES' })).status, 404);
    assert.equal((await create({ facilityCode: 'PA-LJ' }, 'duty')).status, 403);
    assert.equal((await api(w, 'GET', '/api/v1/admission-drafts', w.h.inspector!)).status, 403);
    assert.equal((await api(w, 'GET', '/api/v1/admission-drafts/00000000-0000-4000-8000-000000000000', w.h.officer!)).status, 404);
  });

  test('resumed and completed: the admission names the draft, which is then completed and closed to changes', async () => {
    const orderId = await verifiedOrder(w);
    const body = admissionBody(orderId);
    const { facilityCode: _f, ...data } = body;
    const d = await create({ facilityCode: 'PA-LJ', data: { person: body.person } });
    const id = d.body.id as string;
    // resumed later (by another officer of the centre), the rest added
    const u = await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officerNational!, { version: 1, data: { ...data, health: { pregnant: true, breastfeeding: false } } });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    const got = (await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!)).body;
    const r = await api(w, 'POST', '/api/v1/admissions', w.h.officer!, { ...(got.data as object), facilityCode: 'PA-LJ', draftId: id });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const done = await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!);
    assert.equal(done.body.status, 'completed');
    assert.equal(done.body.completedEpisodeId, r.body.episodeId);
    // the declaration now lives in the health record only (health staff); the closed draft keeps the rest
    assert.equal('health' in (done.body.data as object), false);
    assert.ok('person' in (done.body.data as object));
    const hd = await w.env.state.db.selectFrom('health_declarations').select(['pregnant']).where('person_id', '=', r.body.personId as string).execute();
    assert.deepEqual(hd, [{ pregnant: true }]);
    assert.equal((await api(w, 'PUT', `/api/v1/admission-drafts/${id}`, w.h.officer!, { version: done.body.version, data: {} })).status, 409);
    // a completed draft cannot complete a second admission
    const again = await api(w, 'POST', '/api/v1/admissions', w.h.officer!, { ...admissionBody(await verifiedOrder(w)), draftId: id });
    assert.equal(again.status, 409);
  });

  test('a draft of another centre cannot complete an admission here: 422 naming draftId', async () => {
    const d = await create({ facilityCode: 'PA-CEF' }, 'officerNational');
    const r = await api(w, 'POST', '/api/v1/admissions', w.h.officerNational!, { ...admissionBody(await verifiedOrder(w)), draftId: d.body.id });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['draftId']);
  });
});
