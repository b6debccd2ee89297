// Releases through the API, on both databases: a verified release order is required, the
// release waits for a second officer's confirmation (the person is in custody until then),
// the property is returned, and the confirmation ends custody in one transaction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { registeredOrder } from '../admission/test-support.ts';
import {
  api,
  admitPerson,
  auditActions,
  counts,
  minutesAgo,
  movementKinds,
  paths,
  personState,
  placementsOf,
  setUpMovementWorld,
  staysOf,
  unverifiedReleaseOrder,
  verifiedReleaseOrder,
  type MovementWorld,
} from './test-support.ts';
import { verifiedOrder } from '../admission/test-support.ts';

let w: MovementWorld;
before(async () => {
  w = await setUpMovementWorld();
});
after(() => w.env.close());

const record = (personId: string, orderId: string, extra: Record<string, unknown> = {}, by = 'officer') =>
  api(w, 'POST', '/api/v1/releases', w.h[by]!, { personId, orderId, reason: 'court_order', notes: 'Boleta entregada por el Juzgado de Cumplimiento', ...extra });

describe('a release waits for the second confirmation', () => {
  test('recorded by one officer, the person stays in custody; confirmed by another, custody ends in one step', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    const orderId = await verifiedReleaseOrder(w);
    const r = await record(personId, orderId);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.status, 'recorded');
    const id = r.body.id as string;

    // Still in custody: nothing of the person's custody changed.
    assert.equal((await personState(w, personId)).custody_status, 'in_custody');
    const episode0 = await w.env.state.db.selectFrom('custody_episodes').selectAll().where('id', '=', episodeId).executeTakeFirstOrThrow();
    assert.equal(episode0.released_at, null);
    assert.equal((await placementsOf(w, episodeId))[0]!.valid_to, null);
    assert.deepEqual(await movementKinds(w, personId), ['admission']);

    // The recorder cannot confirm it: 422 confirmedBy, nothing written.
    const before = await counts(w);
    // While the release waits for its confirmation the person is not transferred either.
    const transfer = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' });
    assert.equal(transfer.status, 422);
    assert.match(transfer.body.error!.fields![0]!.message, /excarcelación pendiente/);
    const self = await api(w, 'POST', `/api/v1/releases/${id}/confirm`, w.h.officer!, { propertyReturned: true, version: r.body.version });
    assert.equal(self.status, 422, JSON.stringify(self.body));
    assert.deepEqual(paths(self.body), ['confirmedBy']);
    // Property not returned: 422 propertyReturned.
    const noProperty = await api(w, 'POST', `/api/v1/releases/${id}/confirm`, w.h.officer2!, { propertyReturned: false, version: r.body.version });
    assert.equal(noProperty.status, 422);
    assert.deepEqual(paths(noProperty.body), ['propertyReturned']);
    // A duty officer may not confirm releases at all.
    assert.equal((await api(w, 'POST', `/api/v1/releases/${id}/confirm`, w.h.duty!, { propertyReturned: true, version: r.body.version })).status, 403);
    assert.deepEqual(await counts(w), before);
    assert.equal((await personState(w, personId)).custody_status, 'in_custody');

    // A second officer confirms.
    const ok = await api(w, 'POST', `/api/v1/releases/${id}/confirm`, w.h.director!, { propertyReturned: true, version: r.body.version });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'confirmed');
    assert.equal((ok.body.confirmedBy as { id: string }).id, w.users.director.id);
    const releasedAt = new Date(ok.body.confirmedAt as string);

    const state = await personState(w, personId);
    assert.equal(state.custody_status, 'released');
    assert.equal(state.location_facility_code, 'PA-LJ');
    assert.equal(state.transit_facility_code, null);
    const episode = await w.env.state.db.selectFrom('custody_episodes').selectAll().where('id', '=', episodeId).executeTakeFirstOrThrow();
    assert.ok(episode.released_at);
    assert.equal(episode.release_reason, 'court_order');
    assert.equal(episode.release_order_id, orderId);
    assert.ok(Math.abs(episode.released_at.getTime() - releasedAt.getTime()) < 5_000);
    const stays = await staysOf(w, episodeId);
    assert.equal(stays[0]!.to_at?.getTime(), episode.released_at.getTime());
    assert.equal((await placementsOf(w, episodeId))[0]!.valid_to?.getTime(), episode.released_at.getTime());
    assert.deepEqual(await movementKinds(w, personId), ['admission', 'release']);
    const property = await w.env.state.db.selectFrom('property_items').selectAll().where('episode_id', '=', episodeId).execute();
    assert.equal(property.length, 2);
    for (const p of property) {
      assert.equal(p.returned_by, w.users.director.id);
      assert.equal(p.returned_at?.getTime(), episode.released_at.getTime());
    }
    // Alerts that end with custody are closed (the admission's health screening).
    const open = await w.env.state.db.selectFrom('alerts').select('type_code').where('person_id', '=', personId).where('closed_at', 'is', null).execute();
    assert.deepEqual(open, []);
    assert.deepEqual(await auditActions(w, id), ['release.recorded', 'release.confirmed']);
    // The releasing centre still reaches the file ("last released from"); the order took effect once.
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!)).status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/releases/${id}/confirm`, w.h.officer2!, { propertyReturned: true, version: ok.body.version })).status, 409);
    const { personId: other } = await admitPerson(w);
    const reused = await record(other, orderId);
    assert.equal(reused.status, 422);
    assert.deepEqual(paths(reused.body), ['orderId']);
  });

  test('the database refuses a confirmation by the recorder too', async () => {
    const { personId } = await admitPerson(w);
    const r = await record(personId, await verifiedReleaseOrder(w));
    await assert.rejects(
      sql`update releases set status = 'confirmed', confirmed_by = recorded_by where id = ${r.body.id as string}`.execute(w.env.state.db),
      (e: { code?: string }) => e.code === '23514',
    );
  });

  test('a release from court ends the court appearance; a pending release can be cancelled', async () => {
    const { personId } = await admitPerson(w);
    const o = await api(w, 'POST', '/api/v1/absences', w.h.officer!, { personId, kind: 'court', destination: 'Juzgado Tercero', reason: 'Audiencia' });
    assert.equal(o.status, 201);
    const orderId = await verifiedReleaseOrder(w);
    const r = await record(personId, orderId);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const dup = await record(personId, await verifiedReleaseOrder(w));
    assert.equal(dup.status, 409);
    const c = await api(w, 'POST', `/api/v1/releases/${r.body.id}/cancel`, w.h.officer!, { reason: 'Registrada por error' });
    assert.equal(c.status, 200);
    assert.equal(c.body.status, 'cancelled');
    const r2 = await record(personId, orderId);
    assert.equal(r2.status, 201, JSON.stringify(r2.body));
    const ok = await api(w, 'POST', `/api/v1/releases/${r2.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: r2.body.version });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const absence = await w.env.state.db.selectFrom('absences').select('back_at').where('id', '=', o.body.id as string).executeTakeFirstOrThrow();
    assert.ok(absence.back_at);
  });
});

describe('bad releases write nothing', () => {
  test('release before admission: 422 plannedAt', async () => {
    const { personId } = await admitPerson(w);
    const orderId = await verifiedReleaseOrder(w);
    const before = await counts(w);
    const r = await record(personId, orderId, { plannedAt: minutesAgo(24 * 60) });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['plannedAt']);
    assert.match(r.body.error!.fields![0]!.message, /anterior al ingreso/);
    assert.deepEqual(await counts(w), before);
  });

  test('an unverified, rejected, wrong-kind or other centre\'s order: 422 orderId', async () => {
    const { personId } = await admitPerson(w);
    const unverified = await unverifiedReleaseOrder(w);
    const rejected = await registeredOrder(w, { kind: 'release', legalStatus: null });
    assert.equal((await api(w, 'POST', `/api/v1/orders/${rejected.id}/reject`, w.h.legal2!, { reason: 'El juzgado no reconoce la boleta', version: rejected.version })).status, 200);
    const commitment = await verifiedOrder(w);
    const elsewhere = await verifiedReleaseOrder(w, { facilityCode: 'CO-NES' });
    const before = await counts(w);
    for (const orderId of [unverified, rejected.id, commitment, elsewhere, '00000000-0000-4000-8000-000000000000', 'no-es-un-id']) {
      const r = await record(personId, orderId);
      assert.equal(r.status, 422, `${orderId}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), ['orderId']);
    }
    const noReason = await record(personId, unverified, { reason: 'porque sí' });
    assert.equal(noReason.status, 400);
    const colon = await record(personId, await verifiedReleaseOrder(w), {}, 'officerColon');
    assert.equal(colon.status, 422);
    assert.deepEqual(paths(colon.body), ['personId']);
    const afterCounts = await counts(w);
    // Only the last order's registration and verification were written (and audited).
    assert.deepEqual({ ...afterCounts, audit_log: 0 }, { ...before, audit_log: 0 });
    assert.equal((await personState(w, personId)).custody_status, 'in_custody');
  });

  test('lists: pending releases per centre, scoped', async () => {
    const { personId } = await admitPerson(w);
    const r = await record(personId, await verifiedReleaseOrder(w));
    const lj = await api(w, 'GET', '/api/v1/releases?status=recorded&facility=PA-LJ', w.h.director!);
    assert.equal(lj.status, 200);
    assert.ok((lj.body.items as { id: string }[]).some((x) => x.id === r.body.id));
    const colon = await api(w, 'GET', '/api/v1/releases', w.h.officerColon!);
    assert.ok(!(colon.body.items as { id: string }[]).some((x) => x.id === r.body.id));
    assert.equal((await api(w, 'GET', `/api/v1/releases/${r.body.id}`, w.h.officerColon!)).status, 404);
    assert.equal((await api(w, 'GET', `/api/v1/releases/${r.body.id}`, w.h.inspector!)).status, 200);
  });
});
