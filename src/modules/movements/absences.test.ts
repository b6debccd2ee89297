// Absences (court, hospital, leave), escapes and recaptures through the API, on both databases:
// each writes its movement out and back, overlaps are refused (and the exclusion constraint
// backs it), an escape raises its alert and the recapture closes it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, admitPerson, auditActions, counts, minutesAgo, movementKinds, paths, personState, setUpMovementWorld, type MovementWorld } from './test-support.ts';

let w: MovementWorld;
before(async () => {
  w = await setUpMovementWorld();
});
after(() => w.env.close());

const out = (personId: string, extra: Record<string, unknown> = {}, by = 'officer') =>
  api(w, 'POST', '/api/v1/absences', w.h[by]!, { personId, kind: 'court', destination: 'Juzgado Tercero de Circuito Penal', reason: 'Audiencia de imputación', ...extra });

describe('court, hospital and leave', () => {
  test('out and back: two movements, still held and counted at the centre, audited', async () => {
    const { personId } = await admitPerson(w);
    const outAt = minutesAgo(40);
    const expectedBackAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const o = await out(personId, { outAt, expectedBackAt });
    assert.equal(o.status, 201, JSON.stringify(o.body));
    assert.equal(o.body.outAt, outAt);
    assert.equal(o.body.kind, 'court');
    assert.equal((await personState(w, personId)).custody_status, 'in_custody');
    const listed = await api(w, 'GET', '/api/v1/absences?open=true&facility=PA-LJ', w.h.duty!);
    assert.equal(listed.status, 200);
    assert.ok((listed.body.items as { id: string }[]).some((a) => a.id === o.body.id));
    // Already out: 409, nothing written.
    const before = await counts(w);
    const twice = await out(personId, { kind: 'hospital', destination: 'Hospital Santo Tomás' });
    assert.equal(twice.status, 409);
    assert.deepEqual(paths(twice.body), ['personId']);
    assert.deepEqual(await counts(w), before);
    // Back before leaving: 422.
    const early = await api(w, 'POST', `/api/v1/absences/${o.body.id}/return`, w.h.officer!, { backAt: minutesAgo(50) });
    assert.equal(early.status, 422);
    assert.deepEqual(paths(early.body), ['backAt']);
    const backAt = minutesAgo(5);
    const back = await api(w, 'POST', `/api/v1/absences/${o.body.id}/return`, w.h.duty!, { backAt });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.backAt, backAt);
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'court_out', 'court_return']);
    assert.deepEqual(await auditActions(w, o.body.id as string), ['absence.out', 'absence.returned']);
    const again = await api(w, 'POST', `/api/v1/absences/${o.body.id}/return`, w.h.duty!, {});
    assert.equal(again.status, 409);
    // Hospital and leave work the same way.
    const h = await out(personId, { kind: 'hospital', destination: 'Hospital Santo Tomás', reason: 'Consulta de cardiología' });
    assert.equal(h.status, 201, JSON.stringify(h.body));
    assert.equal((await api(w, 'POST', `/api/v1/absences/${h.body.id}/return`, w.h.officer!, {})).status, 200);
    const l = await out(personId, { kind: 'leave', destination: 'Domicilio familiar, San Miguelito', reason: 'Permiso por fallecimiento de la madre' });
    assert.equal(l.status, 201);
    assert.equal((await api(w, 'POST', `/api/v1/absences/${l.body.id}/return`, w.h.officer!, {})).status, 200);
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'court_out', 'court_return', 'hospital_out', 'hospital_return', 'leave_out', 'leave_return']);
  });

  test('a person out at court cannot be transferred', async () => {
    const { personId } = await admitPerson(w);
    assert.equal((await out(personId)).status, 201);
    const t = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' });
    assert.equal(t.status, 422);
    assert.deepEqual(paths(t.body), ['personId']);
  });

  test('bad times and kinds: 4xx naming the field, nothing written', async () => {
    const { personId } = await admitPerson(w);
    const before = await counts(w);
    const future = await out(personId, { outAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(future.status, 422);
    assert.deepEqual(paths(future.body), ['outAt']);
    const beforeAdmission = await out(personId, { outAt: minutesAgo(24 * 60) });
    assert.equal(beforeAdmission.status, 422);
    assert.deepEqual(paths(beforeAdmission.body), ['outAt']);
    const backFirst = await out(personId, { outAt: minutesAgo(10), expectedBackAt: minutesAgo(20) });
    assert.equal(backFirst.status, 422);
    assert.deepEqual(paths(backFirst.body), ['expectedBackAt']);
    const escapeKind = await out(personId, { kind: 'escape' });
    assert.equal(escapeKind.status, 400);
    const colon = await out(personId, {}, 'officerColon');
    assert.equal(colon.status, 422);
    assert.deepEqual(paths(colon.body), ['personId']);
    const unverifiedOrder = await out(personId, { orderId: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unverifiedOrder.status, 422);
    assert.deepEqual(paths(unverifiedOrder.body), ['orderId']);
    assert.deepEqual(await counts(w), before);
  });

  test('the exclusion constraint refuses two absences at once for one episode', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const o = await out(personId);
    assert.equal(o.status, 201);
    await assert.rejects(
      w.env.state.db
        .insertInto('absences')
        .values({ episode_id: episodeId, person_id: personId, facility_code: 'PA-LJ', kind: 'hospital', reason: 'x', out_at: new Date() })
        .execute(),
      (e: { code?: string }) => e.code === '23P01',
    );
  });
});

describe('escape and recapture', () => {
  test('an escape raises its alert; the person cannot be moved until recaptured; the recapture closes the alert', async () => {
    const { personId } = await admitPerson(w);
    const at = minutesAgo(20);
    const e = await api(w, 'POST', `/api/v1/persons/${personId}/escape`, w.h.duty!, { at, circumstances: 'Se evadió durante el recuento de la tarde por el muro perimetral norte' });
    assert.equal(e.status, 201, JSON.stringify(e.body));
    assert.equal(e.body.kind, 'escape');
    const alert = await w.env.state.db.selectFrom('alerts').selectAll().where('person_id', '=', personId).where('type_code', '=', 'escape').executeTakeFirstOrThrow();
    assert.equal(alert.facility_code, 'PA-LJ');
    assert.equal(alert.recipient_role, 'director');
    assert.equal(alert.closed_at, null);
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'escape']);
    // Escaped: no transfer, no absence, no second escape, no return (a recapture is needed).
    const t = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'x' });
    assert.equal(t.status, 422);
    assert.match(t.body.error!.fields![0]!.message, /evadida/);
    assert.equal((await out(personId)).status, 422);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/escape`, w.h.duty!, { at: minutesAgo(1), circumstances: 'Otra vez' })).status, 422);
    const ret = await api(w, 'POST', `/api/v1/absences/${e.body.id}/return`, w.h.duty!, {});
    assert.equal(ret.status, 422);
    // The recapture: before the escape is refused, then recorded.
    const early = await api(w, 'POST', `/api/v1/absences/${e.body.id}/recapture`, w.h.duty!, { at: minutesAgo(30) });
    assert.equal(early.status, 422);
    assert.deepEqual(paths(early.body), ['at']);
    const r = await api(w, 'POST', `/api/v1/absences/${e.body.id}/recapture`, w.h.duty!, { at: minutesAgo(2) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.backAt);
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'escape', 'recapture']);
    const closed = await w.env.state.db.selectFrom('alerts').select('closed_at').where('id', '=', alert.id).executeTakeFirstOrThrow();
    assert.ok(closed.closed_at);
    assert.deepEqual(await auditActions(w, e.body.id as string), ['absence.escape', 'absence.recaptured']);
  });

  test('an escape from hospital ends the hospital visit at the escape', async () => {
    const { personId } = await admitPerson(w);
    const h = await out(personId, { kind: 'hospital', destination: 'Hospital Santo Tomás', reason: 'Consulta', outAt: minutesAgo(30) });
    assert.equal(h.status, 201);
    const at = minutesAgo(10);
    const e = await api(w, 'POST', `/api/v1/persons/${personId}/escape`, w.h.officer!, { at, circumstances: 'Se evadió del hospital' });
    assert.equal(e.status, 201, JSON.stringify(e.body));
    const visit = await w.env.state.db.selectFrom('absences').select('back_at').where('id', '=', h.body.id as string).executeTakeFirstOrThrow();
    assert.equal(visit.back_at?.toISOString(), at);
  });

  test('a recapture is only for an escape; escape of a person outside the scope is 404', async () => {
    const { personId } = await admitPerson(w);
    const o = await out(personId);
    const r = await api(w, 'POST', `/api/v1/absences/${o.body.id}/recapture`, w.h.officer!, { at: new Date().toISOString() });
    assert.equal(r.status, 422);
    const colon = await api(w, 'POST', `/api/v1/absences/${o.body.id}/return`, w.h.officerColon!, {});
    assert.equal(colon.status, 404);
    const { personId: p2 } = await admitPerson(w);
    const e = await api(w, 'POST', `/api/v1/persons/${p2}/escape`, w.h.officerColon!, { at: new Date().toISOString(), circumstances: 'x' });
    assert.equal(e.status, 404);
    const missing = await api(w, 'POST', `/api/v1/persons/${p2}/escape`, w.h.officer!, { circumstances: 'x' });
    assert.equal(missing.status, 400);
  });

  test('the person\'s movements: newest first, with what is open', async () => {
    const { personId } = await admitPerson(w);
    const o = await out(personId);
    const m = await api(w, 'GET', `/api/v1/persons/${personId}/movements`, w.h.inspector!);
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.deepEqual((m.body.movements as { kind: string }[]).map((x) => x.kind), ['court_out', 'admission']);
    assert.equal((m.body.openAbsence as { id: string }).id, o.body.id);
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}/movements`, w.h.officerColon!)).status, 404);
  });
});
