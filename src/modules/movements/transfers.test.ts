// Transfers through the API against a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): four eyes on the authorization, the person in transit counted at the
// origin until the arrival, separation of men and women, one active transfer per person, and
// refused requests that write nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { api, admitPerson, auditActions, counts, minutesAgo, movementKinds, paths, personState, placementsOf, setUpMovementWorld, staysOf, verifiedReleaseOrder, type MovementWorld } from './test-support.ts';

let w: MovementWorld;
before(async () => {
  w = await setUpMovementWorld();
});
after(() => w.env.close());

async function request(by: string, body: Record<string, unknown>) {
  return api(w, 'POST', '/api/v1/transfers', w.h[by]!, { reason: 'Acercamiento familiar', toFacilityCode: 'PA-LJT', ...body });
}

async function requested(personId: string, by = 'officer', extra: Record<string, unknown> = {}) {
  const r = await request(by, { personId, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; version: number; status: string };
}

async function authorized(personId: string) {
  const t = await requested(personId);
  const a = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.director!, { note: 'Autorizado por la dirección del centro', version: t.version });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return a.body as { id: string; version: number };
}

describe('four eyes on a transfer', () => {
  test('a transfer authorized by its requester is refused (422 authorizedBy) and nothing changes', async () => {
    const { personId } = await admitPerson(w);
    // A user who may both request and authorize (records officer and director) still needs a second officer.
    const t = await requested(personId, 'overrider');
    const before = await counts(w);
    const r = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.overrider!, { note: 'Me autorizo a mí mismo', version: t.version });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['authorizedBy']);
    assert.match(r.body.error!.fields![0]!.message, /otro funcionario|distinto/i);
    assert.deepEqual(await counts(w), before);
    const row = await w.env.state.db.selectFrom('transfers').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'requested');
    assert.equal(row.authorized_by, null);
    assert.equal(row.version, 1);
    // The refusal by the requester is refused the same way.
    const refuse = await api(w, 'POST', `/api/v1/transfers/${t.id}/refuse`, w.h.overrider!, { note: 'No', version: t.version });
    assert.equal(refuse.status, 422);
    // A different director authorizes it.
    const ok = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.director!, { note: 'Autorizado', version: t.version });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((ok.body.authorizedBy as { id: string }).id, w.users.director.id);
  });

  test('the database refuses an authorization by the requester too', async () => {
    const { personId } = await admitPerson(w);
    const t = await requested(personId);
    await assert.rejects(
      sql`update transfers set status = 'authorized', authorized_by = requested_by where id = ${t.id}`.execute(w.env.state.db),
      (e: { code?: string }) => e.code === '23514',
    );
  });

  test('a director outside the origin cannot authorize; a stale version is 409', async () => {
    const { personId } = await admitPerson(w);
    const t = await requested(personId);
    const other = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.directorLJT!, { note: 'Autorizado', version: t.version });
    assert.equal(other.status, 403, JSON.stringify(other.body));
    const stale = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.director!, { note: 'Autorizado', version: t.version + 1 });
    assert.equal(stale.status, 409);
    const note = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.director!, { note: '   ', version: t.version });
    assert.equal(note.status, 422);
    assert.deepEqual(paths(note.body), ['note']);
  });
});

describe('request, authorize, depart, arrive', () => {
  test('the person is in transit, counted at the origin, then at the destination from the arrival time', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const t = await authorized(personId);

    // Not authorized yet is refused; departure by the destination is refused.
    const early = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, {});
    assert.equal(early.status, 409);
    const wrongSide = await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officerLJT!, {});
    assert.equal(wrongSide.status, 403);

    const departedAt = minutesAgo(30);
    const d = await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, { at: departedAt });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.equal(d.body.status, 'in_transit');
    assert.equal(d.body.departedAt, departedAt);
    assert.deepEqual(await personState(w, personId).then(({ version: _v, ...s }) => s), { custody_status: 'in_transit', location_facility_code: 'PA-LJ', transit_facility_code: 'PA-LJT' });
    // Counted at the origin: its stay is still open; the placement closed at the departure.
    let stays = await staysOf(w, episodeId);
    assert.equal(stays.length, 1);
    assert.equal(stays[0]!.facility_code, 'PA-LJ');
    assert.equal(stays[0]!.to_at, null);
    let placements = await placementsOf(w, episodeId);
    assert.equal(placements.length, 1);
    assert.equal(placements[0]!.valid_to?.toISOString(), departedAt);
    // Both centres reach the file while the person travels.
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officerLJT!)).status, 200);
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!)).status, 200);

    // The origin cannot record the arrival; an arrival before the departure is refused.
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officer!, {})).status, 403);
    const tooEarly = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, { at: minutesAgo(45) });
    assert.equal(tooEarly.status, 422);
    assert.deepEqual(paths(tooEarly.body), ['at']);
    const future = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, { at: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(future.status, 422);

    const arrivedAt = minutesAgo(10);
    const a = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, { at: arrivedAt });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.status, 'arrived');
    assert.deepEqual(await personState(w, personId).then(({ version: _v, ...s }) => s), { custody_status: 'in_custody', location_facility_code: 'PA-LJT', transit_facility_code: null });
    stays = await staysOf(w, episodeId);
    assert.deepEqual(
      stays.map((s) => [s.facility_code, s.to_at?.toISOString() ?? null]),
      [
        ['PA-LJ', arrivedAt],
        ['PA-LJT', null],
      ],
    );
    assert.equal(stays[1]!.from_at.toISOString(), arrivedAt);
    placements = await placementsOf(w, episodeId);
    assert.equal(placements.length, 2);
    assert.equal(placements[1]!.unit_id, w.more.ljtReception);
    assert.equal(placements[1]!.valid_from.toISOString(), arrivedAt);
    const episode = await w.env.state.db.selectFrom('custody_episodes').select('facility_code').where('id', '=', episodeId).executeTakeFirstOrThrow();
    assert.equal(episode.facility_code, 'PA-LJT');
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'transfer_out', 'transfer_in']);
    const moves = await w.env.state.db.selectFrom('movements').select(['kind', 'occurred_at', 'recorded_at', 'from_facility_code', 'to_facility_code']).where('person_id', '=', personId).where('kind', '!=', 'admission').orderBy('occurred_at').execute();
    assert.equal(moves[0]!.occurred_at.toISOString(), departedAt);
    assert.ok(moves[0]!.recorded_at.getTime() > moves[0]!.occurred_at.getTime());
    assert.deepEqual([moves[1]!.from_facility_code, moves[1]!.to_facility_code], ['PA-LJ', 'PA-LJT']);
    // Every step audited in its transaction; the origin no longer reaches the person.
    assert.deepEqual(await auditActions(w, t.id), ['transfer.requested', 'transfer.authorized', 'transfer.departed', 'transfer.arrived']);
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!)).status, 404);
    // The transfer's page data: the trail.
    const detail = await api(w, 'GET', `/api/v1/transfers/${t.id}`, w.h.officerLJT!);
    assert.equal(detail.status, 200);
    assert.deepEqual((detail.body.trail as { action: string }[]).map((x) => x.action), ['requested', 'authorized', 'departed', 'arrived']);
  });

  test('an arrival may name a unit of the destination, not of another centre', async () => {
    const { personId } = await admitPerson(w);
    const t = await authorized(personId);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, {})).status, 200);
    const wrong = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, { unitId: w.units.ljGeneral });
    assert.equal(wrong.status, 422);
    assert.deepEqual(paths(wrong.body), ['unitId']);
    const ok = await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerLJT!, { unitId: w.more.ljtGeneral });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('a requested transfer cannot depart; refused and cancelled transfers end there', async () => {
    const { personId } = await admitPerson(w);
    const t = await requested(personId);
    const d = await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, {});
    assert.equal(d.status, 422);
    const refused = await api(w, 'POST', `/api/v1/transfers/${t.id}/refuse`, w.h.director!, { note: 'No procede: audiencia pendiente', version: t.version });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.status, 'refused');
    assert.equal((refused.body.refusedBy as { id: string }).id, w.users.director.id);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, {})).status, 409);
    // A new request is possible once the first is decided; it can be cancelled.
    const t2 = await requested(personId);
    const c = await api(w, 'POST', `/api/v1/transfers/${t2.id}/cancel`, w.h.officer!, { reason: 'Solicitud duplicada' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.status, 'cancelled');
    assert.deepEqual(await auditActions(w, t2.id), ['transfer.requested', 'transfer.cancelled']);
  });
});

describe('a person in transit cannot be moved', () => {
  test('transfer, absence, escape and release of a person in transit answer 422', async () => {
    const { personId } = await admitPerson(w);
    const t = await authorized(personId);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, {})).status, 200);
    const before = await counts(w);
    const again = await request('officer', { personId, toFacilityCode: 'CO-NES' });
    assert.equal(again.status, 422, JSON.stringify(again.body));
    assert.deepEqual(paths(again.body), ['personId']);
    assert.match(again.body.error!.fields![0]!.message, /traslado/i);
    const absence = await api(w, 'POST', '/api/v1/absences', w.h.officer!, { personId, kind: 'court', destination: 'Juzgado Tercero', reason: 'Audiencia' });
    assert.equal(absence.status, 422);
    assert.deepEqual(paths(absence.body), ['personId']);
    const escape = await api(w, 'POST', `/api/v1/persons/${personId}/escape`, w.h.officer!, { at: new Date().toISOString(), circumstances: 'Durante el traslado' });
    assert.equal(escape.status, 422);
    const release = await api(w, 'POST', '/api/v1/releases', w.h.officer!, { personId, orderId: await verifiedReleaseOrder(w), reason: 'court_order' });
    assert.equal(release.status, 422);
    assert.deepEqual(paths(release.body), ['personId']);
    const after = await counts(w);
    // The release order's registration and verification wrote audit entries; nothing else changed.
    assert.deepEqual({ ...after, audit_log: 0 }, { ...before, audit_log: 0 });
  });
});

describe('one active transfer per person', () => {
  test('two simultaneous requests: exactly one succeeds', async () => {
    const { personId } = await admitPerson(w);
    const [a, b] = await Promise.all([request('officer', { personId }), request('officer2', { personId, toFacilityCode: 'CO-NES' })]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [201, 409], JSON.stringify([a.body, b.body]));
    const rows = await w.env.state.db.selectFrom('transfers').select('id').where('person_id', '=', personId).execute();
    assert.equal(rows.length, 1);
  });

  test('the unique index backs it', async () => {
    const { personId } = await admitPerson(w);
    const t = await requested(personId);
    const row = await w.env.state.db.selectFrom('transfers').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    await assert.rejects(
      w.env.state.db
        .insertInto('transfers')
        .values({ person_id: row.person_id, episode_id: row.episode_id, from_facility_code: 'PA-LJ', to_facility_code: 'CO-NES', reason: 'x', requested_by: row.requested_by })
        .execute(),
      (e: { code?: string }) => e.code === '23505',
    );
  });
});

describe('separation of men and women', () => {
  test('a man to a women\'s centre without an override: 422 toFacilityCode, nothing written', async () => {
    const { personId } = await admitPerson(w);
    const before = await counts(w);
    const r = await request('officer', { personId, toFacilityCode: 'PA-CEF' });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['toFacilityCode']);
    assert.match(r.body.error!.fields![0]!.message, /mujeres/);
    // An override by a user without housing.override is refused too.
    const notAllowed = await request('officer', { personId, toFacilityCode: 'PA-CEF', separationOverride: { reason: 'Identidad de género femenina' } });
    assert.equal(notAllowed.status, 403);
    assert.deepEqual(await counts(w), before);
  });

  test('a woman to a men\'s centre is refused the same way', async () => {
    const { personId } = await admitPerson(w, { sex: 'female' });
    const r = await request('officer', { personId, toFacilityCode: 'PA-LJT' });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['toFacilityCode']);
    assert.match(r.body.error!.fields![0]!.message, /hombres/);
    assert.equal((await request('officer', { personId, toFacilityCode: 'PA-CEF' })).status, 201);
  });

  test('an authorized override is recorded, reported and carried to the placement on arrival', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const t = await requested(personId, 'overrider', { toFacilityCode: 'PA-CEF', separationOverride: { reason: 'Mujer trans: decisión individual del equipo técnico' } });
    const row = await w.env.state.db.selectFrom('transfers').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    assert.equal(row.separation_override_reason, 'Mujer trans: decisión individual del equipo técnico');
    const alert = await w.env.state.db.selectFrom('alerts').selectAll().where('person_id', '=', personId).where('type_code', '=', 'separation_override').executeTakeFirstOrThrow();
    assert.equal(alert.facility_code, 'PA-CEF');
    const audit = await w.env.state.db.selectFrom('audit_log').select(['after_value']).where('target_id', '=', t.id).where('action', '=', 'transfer.requested').executeTakeFirstOrThrow();
    assert.equal((audit.after_value as { separationOverrideReason: string }).separationOverrideReason, row.separation_override_reason);
    const a = await api(w, 'POST', `/api/v1/transfers/${t.id}/authorize`, w.h.director!, { note: 'Autorizado', version: t.version });
    assert.equal(a.status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/depart`, w.h.officer!, {})).status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/transfers/${t.id}/arrive`, w.h.officerNational!, {})).status, 200);
    const placement = (await placementsOf(w, episodeId)).at(-1)!;
    assert.equal(placement.unit_id, w.more.cefReception);
    assert.equal(placement.override_rule, 'sex');
    assert.equal(placement.override_by, w.users.overrider.id);
  });
});

describe('bad requests', () => {
  test('same centre, unknown centre, unknown or out-of-scope person: 422 naming the field, nothing written', async () => {
    const { personId } = await admitPerson(w);
    const before = await counts(w);
    const same = await request('officer', { personId, toFacilityCode: 'PA-LJ' });
    assert.equal(same.status, 422);
    assert.deepEqual(paths(same.body), ['toFacilityCode']);
    const unknown = await request('officer', { personId, toFacilityCode: 'PA-XYZ' });
    assert.equal(unknown.status, 422);
    assert.deepEqual(paths(unknown.body), ['toFacilityCode']);
    const nobody = await request('officer', { personId: '00000000-0000-4000-8000-000000000000' });
    assert.equal(nobody.status, 422);
    assert.deepEqual(paths(nobody.body), ['personId']);
    const colon = await request('officerColon', { personId });
    assert.equal(colon.status, 422);
    assert.deepEqual(paths(colon.body), ['personId']);
    const noReason = await request('officer', { personId, reason: '' });
    assert.equal(noReason.status, 400);
    const inspector = await request('inspector', { personId });
    assert.equal(inspector.status, 403);
    assert.deepEqual(await counts(w), before);
  });

  test('lists are scoped: a Colón user sees none of La Joya\'s transfers; the list is audited once', async () => {
    const { personId } = await admitPerson(w);
    await requested(personId);
    const lj = await api(w, 'GET', '/api/v1/transfers?status=requested', w.h.officer!);
    assert.equal(lj.status, 200);
    assert.ok((lj.body.items as { personId: string }[]).some((t) => t.personId === personId));
    const colon = await api(w, 'GET', '/api/v1/transfers', w.h.officerColon!);
    assert.equal(colon.status, 200);
    assert.ok((colon.body.items as { fromFacilityCode: string; toFacilityCode: string }[]).every((t) => t.fromFacilityCode === 'CO-NES' || t.toFacilityCode === 'CO-NES'));
    const id = (lj.body.items as { id: string }[])[0]!.id;
    assert.equal((await api(w, 'GET', `/api/v1/transfers/${id}`, w.h.officerColon!)).status, 404);
  });

  test('Idempotency-Key: the same request twice creates one transfer', async () => {
    const { personId } = await admitPerson(w);
    const headers = { ...w.h.officer!, 'idempotency-key': `transfer-${personId}` };
    const body = { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' };
    const a = await api(w, 'POST', '/api/v1/transfers', headers, body);
    const b = await api(w, 'POST', '/api/v1/transfers', headers, body);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.id, b.body.id);
  });
});
