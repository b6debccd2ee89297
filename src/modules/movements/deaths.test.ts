// Death in custody through the API, on both databases: the episode ends, the five-item
// checklist opens with owners and deadlines and is raised through the alert mechanism, and the
// case stays open until every item is completed with its evidence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, admitPerson, auditActions, counts, minutesAgo, movementKinds, paths, personState, placementsOf, setUpMovementWorld, staysOf, type MovementWorld } from './test-support.ts';

let w: MovementWorld;
before(async () => {
  w = await setUpMovementWorld();
});
after(() => w.env.close());

type Item = { item: string; ownerRole: string; dueAt: string; completedAt: string | null; version: number };

const death = (personId: string, extra: Record<string, unknown> = {}, by = 'officer') =>
  api(w, 'POST', `/api/v1/persons/${personId}/death`, w.h[by]!, {
    diedAt: minutesAgo(30),
    place: 'Celda 4, pabellón de recepción',
    circumstances: 'Encontrado sin signos vitales durante el recuento de las 6:00',
    causeCategory: 'undetermined',
    ...extra,
  });

const complete = (caseId: string, item: Item, by: string, evidence = 'Hecho: constancia en el expediente') =>
  api(w, 'POST', `/api/v1/death-cases/${caseId}/items/${item.item}/complete`, w.h[by]!, { evidence, version: item.version });

const openAlerts = async (personId: string) =>
  w.env.state.db.selectFrom('alerts').select(['recipient_role', 'due_at']).where('person_id', '=', personId).where('type_code', '=', 'death_in_custody').where('closed_at', 'is', null).execute();

describe('the death checklist', () => {
  test('stays open until every item is closed with evidence', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const diedAt = minutesAgo(30);
    const d = await death(personId, { diedAt });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const caseId = d.body.id as string;
    assert.equal(d.body.open, true);
    const items = d.body.items as Item[];
    const hours = (i: Item) => (new Date(i.dueAt).getTime() - new Date(diedAt).getTime()) / 3_600_000;
    assert.deepEqual(
      items.map((i) => [i.item, i.ownerRole, hours(i)]),
      [
        ['preserve_evidence', 'director', 2],
        ['notify_next_of_kin', 'director', 24],
        ['notify_independent_authority', 'director', 24],
        ['medical_report', 'health', 72],
        ['return_remains', 'director', 168],
      ],
    );

    // The episode ended at the time of death.
    const episode = await w.env.state.db.selectFrom('custody_episodes').selectAll().where('id', '=', episodeId).executeTakeFirstOrThrow();
    assert.equal(episode.released_at?.toISOString(), diedAt);
    assert.equal(episode.release_reason, 'death');
    assert.equal((await staysOf(w, episodeId))[0]!.to_at?.toISOString(), diedAt);
    assert.equal((await placementsOf(w, episodeId))[0]!.valid_to?.toISOString(), diedAt);
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'death']);
    assert.equal((await personState(w, personId)).custody_status, 'released');
    // Each item raised through the alert mechanism, to its owner, due at its deadline.
    const alerts = await openAlerts(personId);
    assert.deepEqual(alerts.map((a) => a.recipient_role).sort(), ['director', 'director', 'director', 'director', 'health']);

    // Owners only; evidence required; the version read.
    const medical = items.find((i) => i.item === 'medical_report')!;
    const evidence = items.find((i) => i.item === 'preserve_evidence')!;
    assert.equal((await complete(caseId, medical, 'director')).status, 403);
    assert.equal((await complete(caseId, evidence, 'health')).status, 403);
    assert.equal((await complete(caseId, evidence, 'directorLJT')).status, 404);
    assert.equal((await complete(caseId, evidence, 'inspector')).status, 403);
    const blank = await complete(caseId, evidence, 'director', '   ');
    assert.equal(blank.status, 422);
    assert.deepEqual(paths(blank.body), ['evidence']);
    assert.equal((await complete(caseId, { ...evidence, version: 7 }, 'director')).status, 409);

    // Four items done: still open, one alert left.
    let current = items;
    for (const name of ['preserve_evidence', 'notify_next_of_kin', 'notify_independent_authority', 'return_remains']) {
      const item = current.find((i) => i.item === name)!;
      const r = await complete(caseId, item, name === 'notify_next_of_kin' ? 'directorNational' : 'director', `Cumplido: ${name}, oficio n.º 123-2026`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.open, true);
      current = r.body.items as Item[];
    }
    assert.equal((await complete(caseId, evidence, 'director')).status, 409);
    assert.deepEqual((await openAlerts(personId)).map((a) => a.recipient_role), ['health']);
    const stillOpen = await api(w, 'GET', '/api/v1/death-cases?open=true', w.h.director!);
    assert.ok((stillOpen.body.items as { id: string }[]).some((c) => c.id === caseId));

    // The last one closes the case and its alerts.
    const last = await complete(caseId, current.find((i) => i.item === 'medical_report')!, 'health', 'Informe del Instituto de Medicina Legal n.º 45-2026');
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.equal(last.body.open, false);
    assert.ok(last.body.closedAt);
    assert.deepEqual(await openAlerts(personId), []);
    const closedList = await api(w, 'GET', '/api/v1/death-cases?open=true', w.h.director!);
    assert.ok(!(closedList.body.items as { id: string }[]).some((c) => c.id === caseId));
    const actions = await auditActions(w, caseId);
    assert.equal(actions[0], 'death_case.recorded');
    assert.equal(actions.filter((a) => a === 'death_case.item_completed').length, 5);
    assert.equal(actions.at(-1), 'death_case.closed');
  });

  test('a death in transit ends the transfer; a released person cannot die in custody', async () => {
    const { personId } = await admitPerson(w);
    const t = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' });
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.body.id}/authorize`, w.h.director!, { note: 'Autorizado', version: t.body.version })).status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.body.id}/depart`, w.h.officer!, { at: minutesAgo(20) })).status, 200);
    const d = await death(personId, { diedAt: minutesAgo(10), place: 'Vehículo de traslado, autopista Panamá-Colón' });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    assert.equal(d.body.facilityCode, 'PA-LJ');
    const transfer = await w.env.state.db.selectFrom('transfers').select('status').where('id', '=', t.body.id as string).executeTakeFirstOrThrow();
    assert.equal(transfer.status, 'cancelled');
    const state = await personState(w, personId);
    assert.equal(state.custody_status, 'released');
    assert.equal(state.transit_facility_code, null);
    const before = await counts(w);
    const again = await death(personId);
    assert.equal(again.status, 422);
    assert.deepEqual(paths(again.body), ['personId']);
    assert.deepEqual(await counts(w), before);
  });

  test('bad input: 4xx naming the field, nothing written', async () => {
    const { personId } = await admitPerson(w);
    const before = await counts(w);
    const early = await death(personId, { diedAt: minutesAgo(24 * 60) });
    assert.equal(early.status, 422);
    assert.deepEqual(paths(early.body), ['diedAt']);
    const future = await death(personId, { diedAt: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(future.status, 422);
    assert.deepEqual(paths(future.body), ['diedAt']);
    assert.equal((await death(personId, { causeCategory: 'misterio' })).status, 400);
    assert.equal((await death(personId, {}, 'duty')).status, 403);
    assert.equal((await death(personId, {}, 'officerColon')).status, 404);
    assert.deepEqual(await counts(w), before);
  });

  test('a case is read within scope only', async () => {
    const { personId } = await admitPerson(w);
    const d = await death(personId);
    assert.equal((await api(w, 'GET', `/api/v1/death-cases/${d.body.id}`, w.h.inspector!)).status, 200);
    assert.equal((await api(w, 'GET', `/api/v1/death-cases/${d.body.id}`, w.h.officerColon!)).status, 404);
  });
});
