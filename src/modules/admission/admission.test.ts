// The admission through the API, against a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): never without a verified commitment order, everything created in one
// go, returning persons, and every refusal naming its field with nothing written.
import { addYears, dateIn } from '../../platform/time.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admissionBody, api, counts, newPerson, paths, registeredOrder, setUpWorld, verifiedOrder, type World } from './test-support.ts';

let w: World;
before(async () => {
  w = await setUpWorld();
});
after(() => w.env.close());

const admit = (body: unknown, who = 'officer', headers: Record<string, string> = {}) => api(w, 'POST', '/api/v1/admissions', { ...w.h[who]!, ...headers }, body);

/** Runs a request that must be refused and checks that no table an admission writes changed. */
async function refused(run: () => Promise<{ status: number; body: Record<string, unknown> }>) {
  const before = await counts(w);
  const r = await run();
  assert.ok(r.status >= 400 && r.status < 500, `expected a 4xx, got ${r.status}: ${JSON.stringify(r.body)}`);
  assert.deepEqual(await counts(w), before, 'nothing may be written');
  return r as Awaited<ReturnType<typeof admit>>;
}

describe('no admission without a verified commitment order', () => {
  test('no order at all: 422 naming "order", nothing written', async () => {
    const r = await refused(() => admit(admissionBody(undefined)));
    assert.equal(r.status, 422);
    assert.ok(paths(r.body).some((p) => p === 'order' || p.startsWith('order.')), JSON.stringify(r.body));
    assert.match(r.body.error!.message, /reglas/);
  });

  test('an incomplete inline order: 400 naming order.…', async () => {
    const r = await refused(() => admit(admissionBody(undefined, { order: { caseNumber: '1' } })));
    assert.equal(r.status, 400);
    assert.ok(paths(r.body).every((p) => p.startsWith('order.')), JSON.stringify(r.body));
  });

  test('an inline order is registered unverified, so it cannot admit: 422 "order", and it does not stay registered', async () => {
    const order = { authorityKind: 'court', issuingAuthority: 'Juzgado Tercero de Circuito Penal', caseNumber: 'INLINE-1', orderDate: '2026-02-01', legalStatus: 'pretrial' };
    const r = await refused(() => admit(admissionBody(undefined, { order })));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['order']);
    // its own rules still apply, under "order."
    const bad = await refused(() => admit(admissionBody(undefined, { order: { ...order, orderDate: '2999-01-01' } })));
    assert.equal(bad.status, 422);
    assert.deepEqual(paths(bad.body), ['order.orderDate']);
  });

  test('an order registered but not verified: 422 naming orderId, nothing written', async () => {
    const o = await registeredOrder(w);
    const r = await refused(() => admit(admissionBody(o.id)));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['orderId']);
  });

  test('the same user registers and verifies: the verification is refused, so the admission is too', async () => {
    const o = await registeredOrder(w, {}, 'legal1');
    const v = await api(w, 'POST', `/api/v1/orders/${o.id}/verify`, w.h.legal1!, { method: 'telephone', note: 'Confirmado por mí mismo', version: o.version });
    assert.equal(v.status, 422);
    const r = await refused(() => admit(admissionBody(o.id)));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['orderId']);
  });

  test('an order for another centre, a release order, a rejected order, an unknown order: 422 naming orderId', async () => {
    const other = await verifiedOrder(w, { facilityCode: 'CO-NES' });
    assert.deepEqual(paths((await refused(() => admit(admissionBody(other)))).body), ['orderId']);
    const release = await verifiedOrder(w, { kind: 'release', legalStatus: undefined });
    assert.deepEqual(paths((await refused(() => admit(admissionBody(release)))).body), ['orderId']);
    const o = await registeredOrder(w);
    const rj = await api(w, 'POST', `/api/v1/orders/${o.id}/reject`, w.h.legal2!, { reason: 'El juzgado no reconoce la orden', version: o.version });
    assert.equal(rj.status, 200, JSON.stringify(rj.body));
    assert.deepEqual(paths((await refused(() => admit(admissionBody(o.id)))).body), ['orderId']);
    assert.deepEqual(paths((await refused(() => admit(admissionBody('7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11')))).body), ['orderId']);
  });

  test('an order admits once: using it again is refused', async () => {
    const orderId = await verifiedOrder(w);
    assert.equal((await admit(admissionBody(orderId))).status, 201);
    const again = await refused(() => admit(admissionBody(orderId)));
    assert.equal(again.status, 422);
    assert.deepEqual(paths(again.body), ['orderId']);
  });
});

describe('a full admission', () => {
  test('creates person, episode, legal status, reception placement, movement, property, contacts, children, health declaration and alerts in one go', async () => {
    const orderId = await verifiedOrder(w, { legalStatus: 'pretrial' });
    const before = await counts(w);
    const person = newPerson({ nationality: 'CO', documents: [{ kind: 'passport', number: 'AB123456', issuingCountry: 'CO' }], aliases: [{ alias: 'La Flaca' }], languages: ['es'], literacy: 'partial' });
    const body = admissionBody(orderId, {
      person,
      contacts: [
        { name: 'Rosa Núñez', relationship: 'madre', phone: '6123-4567', isEmergency: true, isNextOfKin: true },
        { name: 'Lcda. Itzel Barría', relationship: 'abogada' },
      ],
      children: [{ name: 'Camila', ageYears: 6, whereabouts: 'Con su abuela en San Miguelito', caregiver: 'Rosa Núñez' }],
      health: { pregnant: true, breastfeeding: false },
      property: [
        { description: 'Teléfono celular', quantity: 1, condition: 'pantalla rota', storageLocation: 'Depósito R, casillero 12' },
        { description: 'Billetes de 1 balboa', quantity: 12, storageLocation: 'Caja fuerte' },
      ],
      propertySignedOff: true,
      injuries: { visible: 'Hematoma en el antebrazo izquierdo', illTreatmentComplaint: 'Refiere golpes durante la aprehensión' },
      rightsInformation: { language: 'es', givenAt: new Date(Date.now() - 30 * 60_000).toISOString() },
    });
    const r = await admit(body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const { episodeId, personId, prisonerNumber } = r.body as { episodeId: string; personId: string; prisonerNumber: string };
    assert.match(prisonerNumber, /^PPL-\d{6,}$/);
    assert.equal(r.body.returning, false);
    assert.equal(r.body.unitId, w.units.ljReception);
    assert.equal(r.body.legalStatus, 'pretrial');

    const db = w.env.state.db;
    const p = await db.selectFrom('persons').selectAll().where('id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(p.custody_status, 'in_custody');
    assert.equal(p.location_facility_code, 'PA-LJ');
    assert.equal(p.transit_facility_code, null);
    assert.equal(p.nationality, 'CO');
    const e = await db.selectFrom('custody_episodes').selectAll().where('id', '=', episodeId).executeTakeFirstOrThrow();
    assert.equal(e.person_id, personId);
    assert.equal(e.admission_order_id, orderId);
    assert.equal(e.arrest_place, body.arrest.place);
    assert.equal(e.arrested_at.toISOString(), body.arrest.at);
    assert.equal(e.admitted_at.toISOString(), body.admittedAt);
    assert.equal(e.admitted_by, w.users.officer.id);
    assert.equal(e.visible_injuries, 'Hematoma en el antebrazo izquierdo');
    assert.equal(e.ill_treatment_complaint, 'Refiere golpes durante la aprehensión');
    assert.equal(e.rights_information_language, 'es');
    assert.equal(e.released_at, null);
    const ls = await db.selectFrom('legal_status_periods').selectAll().where('episode_id', '=', episodeId).execute();
    assert.equal(ls.length, 1);
    assert.equal(ls[0]!.status, 'pretrial');
    assert.equal(ls[0]!.order_id, orderId);
    assert.equal(ls[0]!.valid_to, null);
    const pl = await db.selectFrom('placements').selectAll().where('episode_id', '=', episodeId).execute();
    assert.deepEqual(pl.map((x) => [x.unit_id, x.facility_code, x.valid_to]), [[w.units.ljReception, 'PA-LJ', null]]);
    const mv = await db.selectFrom('movements').selectAll().where('episode_id', '=', episodeId).execute();
    assert.deepEqual(mv.map((m) => [m.kind, m.to_facility_code, m.order_id, m.person_id]), [['admission', 'PA-LJ', orderId, personId]]);
    const items = await db.selectFrom('property_items').selectAll().where('episode_id', '=', episodeId).orderBy('description').execute();
    assert.equal(items.length, 2);
    assert.ok(items.every((i) => i.signed_off_by === w.users.officer.id && i.signed_off_at !== null));
    assert.deepEqual(items.map((i) => i.quantity).sort(), [1, 12]);
    const contacts = await db.selectFrom('person_contacts').selectAll().where('person_id', '=', personId).execute();
    assert.equal(contacts.length, 2);
    assert.ok(contacts.some((c) => c.is_emergency && c.is_next_of_kin && c.name === 'Rosa Núñez'));
    const children = await db.selectFrom('person_children').selectAll().where('person_id', '=', personId).execute();
    assert.deepEqual(children.map((c) => [c.name, c.age_years, c.caregiver]), [['Camila', 6, 'Rosa Núñez']]);
    const hd = await db.selectFrom('health_declarations').selectAll().where('person_id', '=', personId).execute();
    assert.deepEqual(hd.map((x) => [x.pregnant, x.breastfeeding]), [[true, false]]);
    const docs = await db.selectFrom('person_documents').select(['kind', 'number']).where('person_id', '=', personId).execute();
    assert.deepEqual(docs, [{ kind: 'passport', number: 'AB123456' }]);
    const aliases = await db.selectFrom('person_aliases').select('alias').where('person_id', '=', personId).execute();
    assert.deepEqual(aliases.map((a) => a.alias), ['La Flaca']);
    const order = await db.selectFrom('judicial_orders').select('person_id').where('id', '=', orderId).executeTakeFirstOrThrow();
    assert.equal(order.person_id, personId);

    const alerts = await db.selectFrom('alerts').select(['type_code', 'recipient_role', 'facility_code', 'due_at', 'id']).where('person_id', '=', personId).orderBy('type_code').orderBy('recipient_role').execute();
    assert.deepEqual(
      alerts.map((a) => [a.type_code, a.recipient_role, a.facility_code]),
      [
        ['foreign_national', 'director', 'PA-LJ'],
        ['health_screening_due', 'health', 'PA-LJ'],
        ['injuries_on_admission', 'director', 'PA-LJ'],
        ['injuries_on_admission', 'health', 'PA-LJ'],
      ],
    );
    const screening = alerts.find((a) => a.type_code === 'health_screening_due')!;
    assert.equal(screening.due_at.getTime(), new Date(body.admittedAt).getTime() + 24 * 3600_000);
    assert.deepEqual([...(r.body.alertIds as string[])].sort(), alerts.map((a) => a.id).sort());

    const after = await counts(w);
    const grew = Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - before[k as keyof typeof before]]));
    assert.deepEqual(grew, {
      persons: 1,
      person_documents: 1,
      person_aliases: 1,
      person_contacts: 2,
      person_children: 1,
      health_declarations: 1,
      custody_episodes: 1,
      legal_status_periods: 1,
      placements: 1,
      movements: 1,
      facility_stays: 1,
      property_items: 2,
      alerts: 4,
      stored_files: 0,
      judicial_orders: 0,
      criminal_cases: 1,
      sentence_computations: 1,
    });
    // Legal time from the first day: the pretrial computation release control reads.
    const computation = await db.selectFrom('sentence_computations').select(['status', 'start_date', 'pretrial_alert_date', 'cause']).where('person_id', '=', personId).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
    assert.equal(computation.status, 'pretrial');
    assert.equal(computation.cause, 'admission');
    const arrestDay = dateIn(w.env.settings.timeZone, e.arrested_at);
    assert.equal(computation.start_date, arrestDay);
    // One year of provisional detention (CPP art. 12): the alert falls on the day before the anniversary.
    const anniversary = new Date(`${addYears(arrestDay, 1)}T00:00:00Z`);
    assert.equal(computation.pretrial_alert_date, new Date(anniversary.getTime() - 86_400_000).toISOString().slice(0, 10));

    // One audit entry for the admission, with a summary free of clinical details.
    const audit = await db.selectFrom('audit_log').select(['action', 'after_value', 'person_id', 'facility_code', 'actor_id']).where('target_id', '=', episodeId).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'admission.created');
    assert.equal(audit[0]!.person_id, personId);
    assert.equal(audit[0]!.facility_code, 'PA-LJ');
    assert.equal(audit[0]!.actor_id, w.users.officer.id);
    const summary = JSON.stringify(audit[0]!.after_value);
    assert.ok(!/pregnant|breastfeeding|embaraz/i.test(summary), summary);
    assert.equal((audit[0]!.after_value as { prisonerNumber: string }).prisonerNumber, prisonerNumber);
  });

  test('a Panamanian without injuries raises only the health screening alert; no health object, no declaration', async () => {
    const r = await admit(admissionBody(await verifiedOrder(w)));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const alerts = await w.env.state.db.selectFrom('alerts').select('type_code').where('person_id', '=', r.body.personId as string).execute();
    assert.deepEqual(alerts.map((a) => a.type_code), ['health_screening_due']);
    const hd = await w.env.state.db.selectFrom('health_declarations').select('id').where('person_id', '=', r.body.personId as string).execute();
    assert.equal(hd.length, 0);
  });

  test('the legal status comes from the order; a named unit of the centre is used instead of reception', async () => {
    const orderId = await verifiedOrder(w, { legalStatus: 'sentenced' });
    const r = await admit(admissionBody(orderId, { placement: { unitId: w.units.ljGeneral } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.legalStatus, 'sentenced');
    assert.equal(r.body.unitId, w.units.ljGeneral);
  });

  test('a photo sent as base64 is stored (images only)', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const r = await admit(admissionBody(await verifiedOrder(w), { person: newPerson({ photo: png.toString('base64') }) }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = await w.env.state.db.selectFrom('persons').select('photo_file_id').where('id', '=', r.body.personId as string).executeTakeFirstOrThrow();
    assert.ok(p.photo_file_id);
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    const orderId = await verifiedOrder(w);
    const bad = await refused(() => admit(admissionBody(orderId, { person: newPerson({ photo: pdf }) })));
    assert.equal(bad.status, 422);
    assert.deepEqual(paths(bad.body), ['person.photo']);
  });
});

describe('returning persons', () => {
  async function release(personId: string) {
    const db = w.env.state.db;
    await db.updateTable('custody_episodes').set({ released_at: new Date(Date.now() - 3600_000), release_reason: 'test' }).where('person_id', '=', personId).where('released_at', 'is', null).execute();
    await db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', personId).execute();
  }

  test('admitted again with personId: a new episode, the same prisoner number and file', async () => {
    const first = await admit(admissionBody(await verifiedOrder(w)));
    assert.equal(first.status, 201);
    const personId = first.body.personId as string;
    await release(personId);
    const before = await counts(w);
    const second = await admit({ ...admissionBody(await verifiedOrder(w)), person: undefined, personId, documents: [{ kind: 'passport', number: 'PA998877' }] });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.equal(second.body.personId, personId);
    assert.equal(second.body.prisonerNumber, first.body.prisonerNumber);
    assert.equal(second.body.returning, true);
    assert.notEqual(second.body.episodeId, first.body.episodeId);
    const after = await counts(w);
    assert.equal(after.persons, before.persons);
    assert.equal(after.custody_episodes, before.custody_episodes + 1);
    assert.equal(after.person_documents, before.person_documents + 1);
    const episodes = await w.env.state.db.selectFrom('custody_episodes').select('id').where('person_id', '=', personId).execute();
    assert.equal(episodes.length, 2);
    const p = await w.env.state.db.selectFrom('persons').select(['custody_status', 'location_facility_code', 'search_text']).where('id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(p.custody_status, 'in_custody');
    assert.match(p.search_text, /pa998877/);
  });

  test('a returning person held elsewhere before may be admitted by a centre that did not hold them (matching is national)', async () => {
    const colon = await admit({ ...admissionBody(await verifiedOrder(w, { facilityCode: 'CO-NES' })), facilityCode: 'CO-NES' }, 'officerColon');
    assert.equal(colon.status, 201, JSON.stringify(colon.body));
    await release(colon.body.personId as string);
    const lj = await admit({ ...admissionBody(await verifiedOrder(w)), person: undefined, personId: colon.body.personId });
    assert.equal(lj.status, 201, JSON.stringify(lj.body));
    assert.equal(lj.body.prisonerNumber, colon.body.prisonerNumber);
  });

  test('someone already in custody cannot be admitted again: 409 naming personId, nothing written', async () => {
    const first = await admit(admissionBody(await verifiedOrder(w)));
    const orderId = await verifiedOrder(w);
    const r = await refused(() => admit({ ...admissionBody(orderId), person: undefined, personId: first.body.personId }));
    assert.equal(r.status, 409);
    assert.deepEqual(paths(r.body), ['personId']);
  });

  test('two admissions of the same person at once: exactly one succeeds', async () => {
    const first = await admit(admissionBody(await verifiedOrder(w)));
    await release(first.body.personId as string);
    const [a, b] = [await verifiedOrder(w), await verifiedOrder(w)];
    const results = await Promise.all([a, b].map((o) => admit({ ...admissionBody(o), person: undefined, personId: first.body.personId })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409], JSON.stringify(results.map((r) => r.body)));
    const open = await w.env.state.db.selectFrom('custody_episodes').select('id').where('person_id', '=', first.body.personId as string).where('released_at', 'is', null).execute();
    assert.equal(open.length, 1);
  });

  test('an unknown personId: 422 naming personId', async () => {
    const orderId = await verifiedOrder(w);
    const r = await refused(() => admit({ ...admissionBody(orderId), person: undefined, personId: '7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11' }));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['personId']);
  });
});

describe('bad input: a 4xx naming the field, in the caller\'s language, and nothing half-written', () => {
  test('arrest in the future', async () => {
    const orderId = await verifiedOrder(w);
    const r = await refused(() => admit(admissionBody(orderId, { arrest: { at: new Date(Date.now() + 2 * 3600_000).toISOString(), place: 'Colón' }, admittedAt: new Date(Date.now() + 3 * 3600_000).toISOString() })));
    assert.equal(r.status, 422);
    assert.ok(paths(r.body).includes('arrest.at'), JSON.stringify(r.body));
  });

  test('admission before arrest', async () => {
    const orderId = await verifiedOrder(w);
    const r = await refused(() => admit(admissionBody(orderId, { arrest: { at: new Date(Date.now() - 3600_000).toISOString(), place: 'Colón' }, admittedAt: new Date(Date.now() - 2 * 3600_000).toISOString() })));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['admittedAt']);
    assert.match(r.body.error!.fields![0]!.message, /anterior a la aprehensión/);
  });

  test('admission in the future (beyond a few minutes of clock difference)', async () => {
    const orderId = await verifiedOrder(w);
    const r = await refused(() => admit(admissionBody(orderId, { admittedAt: new Date(Date.now() + 3600_000).toISOString() })));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['admittedAt']);
    const soon = await admit(admissionBody(orderId, { admittedAt: new Date(Date.now() + 60_000).toISOString() }));
    assert.equal(soon.status, 201, JSON.stringify(soon.body));
  });

  test('a cédula in the wrong format names person.documents[i].number (in English for an English user)', async () => {
    const orderId = await verifiedOrder(w);
    const person = newPerson({ documents: [{ kind: 'passport', number: 'X1234567' }, { kind: 'cedula', number: '15-123-4567' }] });
    const r = await refused(() => admit(admissionBody(orderId, { person })));
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['person.documents[1].number']);
    await w.env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', w.users.officer.id).execute();
    try {
      const en = await refused(() => admit(admissionBody(orderId, { person: newPerson({ documents: [{ kind: 'cedula', number: 'ABC' }] }) })));
      assert.deepEqual(paths(en.body), ['person.documents[0].number']);
      assert.doesNotMatch(en.body.error!.message, /reglas/);
    } finally {
      await w.env.state.db.updateTable('users').set({ language: 'es' }).where('id', '=', w.users.officer.id).execute();
    }
  });

  test('several problems are reported together', async () => {
    const r = await refused(() =>
      admit(admissionBody(undefined, { arrest: { at: new Date(Date.now() + 7200_000).toISOString(), place: 'X' }, person: newPerson({ documents: [{ kind: 'cedula', number: '99-1-1' }] }) })),
    );
    assert.equal(r.status, 422);
    for (const p of ['order', 'arrest.at', 'person.documents[0].number']) assert.ok(paths(r.body).includes(p), `${p} in ${JSON.stringify(paths(r.body))}`);
  });

  test('a minor is not admitted to an adult centre; a child born after the admission is refused', async () => {
    const orderId = await verifiedOrder(w);
    const minor = await refused(() => admit(admissionBody(orderId, { person: newPerson({ dateOfBirth: `${new Date().getUTCFullYear() - 15}-01-01` }) })));
    assert.deepEqual(paths(minor.body), ['person.dateOfBirth']);
    const child = await refused(() => admit(admissionBody(orderId, { children: [{ name: 'Luis', dateOfBirth: '2999-01-01', whereabouts: 'Con su padre' }] })));
    assert.deepEqual(paths(child.body), ['children[0].dateOfBirth']);
  });

  test('a centre out of scope (or unknown) answers 404; an unknown unit 422', async () => {
    const orderId = await verifiedOrder(w, { facilityCode: 'CO-NES' });
    const r = await refused(() => admit({ ...admissionBody(orderId), facilityCode: 'CO-NES' }));
    assert.equal(r.status, 404);
    assert.equal((await refused(() => admit({ ...admissionBody(orderId), facilityCode: 'PA-ZZZ' }))).status, 404);
    const ljOrder = await verifiedOrder(w);
    const unit = await refused(() => admit(admissionBody(ljOrder, { placement: { unitId: w.units.colonReception } })));
    assert.equal(unit.status, 422);
    assert.deepEqual(paths(unit.body), ['placement.unitId']);
  });

  test('the schema is strict: unknown fields and wrong types answer 400 naming them', async () => {
    const orderId = await verifiedOrder(w);
    const extra = await refused(() => admit({ ...admissionBody(orderId), admitNow: true }));
    assert.equal(extra.status, 400);
    assert.deepEqual(paths(extra.body), ['admitNow']);
    const type = await refused(() => admit({ ...admissionBody(orderId), arrest: { at: 'yesterday', place: 'Colón' } }));
    assert.equal(type.status, 400);
    assert.deepEqual(paths(type.body), ['arrest.at']);
    const both = await refused(() => admit({ ...admissionBody(orderId), personId: '7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11' }));
    assert.equal(both.status, 422);
    assert.deepEqual(paths(both.body), ['personId']);
  });

  test('permissions: a duty officer and an inspector get 403; signed out 401', async () => {
    const orderId = await verifiedOrder(w);
    assert.equal((await refused(() => admit(admissionBody(orderId), 'duty'))).status, 403);
    assert.equal((await refused(() => admit(admissionBody(orderId), 'inspector'))).status, 403);
    assert.equal((await refused(() => api(w, 'POST', '/api/v1/admissions', {}, admissionBody(orderId)))).status, 401);
  });
});

describe('Idempotency-Key', () => {
  test('a replayed admission returns the first response and admits once', async () => {
    const body = admissionBody(await verifiedOrder(w));
    const key = { 'idempotency-key': `adm-${Date.now()}` };
    const first = await admit(body, 'officer', key);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const before = await counts(w);
    const again = await admit(body, 'officer', key);
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(await counts(w), before);
    const episodes = await w.env.state.db.selectFrom('custody_episodes').select('id').where('person_id', '=', first.body.personId as string).execute();
    assert.equal(episodes.length, 1);
  });

  test('a refused admission leaves the key unused: fixed and retried with the same key, it admits', async () => {
    const orderId = await verifiedOrder(w);
    const key = { 'idempotency-key': `adm-retry-${Date.now()}` };
    const body = admissionBody(orderId);
    const bad = await admit({ ...body, admittedAt: new Date(Date.now() + 7200_000).toISOString() }, 'officer', key);
    assert.equal(bad.status, 422);
    const good = await admit(body, 'officer', key);
    assert.equal(good.status, 201, JSON.stringify(good.body));
  });
});
