// Releases through the API, on both databases: a verified release order is required, the
// release waits for a second officer's confirmation (the person is in custody until then),
// the property is returned, and the confirmation ends custody in one transaction. The legal
// control (release-control/gate.ts): no case may still hold the person — the release order
// names the case (closed by the release) or the case is fully served — and a release for
// sentence served rests on the current computation, ended and confirmed by a second legal
// user, plus a verified release order.
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
  staysOf,
  unverifiedReleaseOrder,
  verifiedReleaseOrder,
  type MovementWorld,
} from './test-support.ts';
import { verifiedOrder } from '../admission/test-support.ts';
import { openCase, openCasesOf, sentenceOpenCases, sentencedEnding, setUpControlWorld, storeComputation, type ControlWorld } from '../release-control/test-support.ts';

let w: MovementWorld & ControlWorld;
before(async () => {
  w = (await setUpControlWorld()) as MovementWorld & ControlWorld;
});
after(() => w.env.close());

const record = (personId: string, orderId: string, extra: Record<string, unknown> = {}, by = 'officer') =>
  api(w, 'POST', '/api/v1/releases', w.h[by]!, { personId, orderId, reason: 'court_order', notes: 'Boleta entregada por el Juzgado de Cumplimiento', ...extra });

/** A verified release order for the case that holds the person (the one the admission opened), so that no case still holds them. */
async function releaseOrderFor(episodeId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const cases = await openCasesOf(w, episodeId);
  return verifiedReleaseOrder(w, cases[0] ? { caseNumber: cases[0].case_number, authorityKind: cases[0].authority_kind, ...extra } : extra);
}

describe('a release waits for the second confirmation', () => {
  test('recorded by one officer, the person stays in custody; confirmed by another, custody ends in one step', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    const orderId = await releaseOrderFor(episodeId);
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
    // The case the order named closed with the release (detention lifted, the order recorded).
    const closed = await w.env.state.db.selectFrom('criminal_cases').select(['closed_on', 'closure_reason', 'closure_order_id']).where('episode_id', '=', episodeId).execute();
    for (const k of closed) assert.deepEqual({ reason: k.closure_reason, order: k.closure_order_id, closed: k.closed_on !== null }, { reason: 'detention_lifted', order: orderId, closed: true });
    const { personId: other } = await admitPerson(w);
    const reused = await record(other, orderId);
    assert.equal(reused.status, 422);
    assert.deepEqual(paths(reused.body), ['orderId']);
  });

  test('the database refuses a confirmation by the recorder too', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const r = await record(personId, await releaseOrderFor(episodeId));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await assert.rejects(
      sql`update releases set status = 'confirmed', confirmed_by = recorded_by where id = ${r.body.id as string}`.execute(w.env.state.db),
      (e: { code?: string }) => e.code === '23514',
    );
  });

  test('a release from court ends the court appearance; a pending release can be cancelled', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const o = await api(w, 'POST', '/api/v1/absences', w.h.officer!, { personId, kind: 'court', destination: 'Juzgado Tercero', reason: 'Audiencia' });
    assert.equal(o.status, 201);
    const orderId = await releaseOrderFor(episodeId);
    const r = await record(personId, orderId);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const dup = await record(personId, await releaseOrderFor(episodeId));
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
    const { personId, episodeId } = await admitPerson(w);
    const orderId = await releaseOrderFor(episodeId);
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
    const { personId, episodeId } = await admitPerson(w);
    const r = await record(personId, await releaseOrderFor(episodeId));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const lj = await api(w, 'GET', '/api/v1/releases?status=recorded&facility=PA-LJ', w.h.director!);
    assert.equal(lj.status, 200);
    assert.ok((lj.body.items as { id: string }[]).some((x) => x.id === r.body.id));
    const colon = await api(w, 'GET', '/api/v1/releases', w.h.officerColon!);
    assert.ok(!(colon.body.items as { id: string }[]).some((x) => x.id === r.body.id));
    assert.equal((await api(w, 'GET', `/api/v1/releases/${r.body.id}`, w.h.officerColon!)).status, 404);
    assert.equal((await api(w, 'GET', `/api/v1/releases/${r.body.id}`, w.h.inspector!)).status, 200);
  });
});

describe('the legal control of a release', () => {
  test('a case still holding the person: 422 naming it; a release order for it, or a served sentence, frees it', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    const other = await openCase(w, personId, episodeId, 'RL-OTHER-1', 'prosecutor');
    const before = await counts(w);
    // An order for another case: every open case holds the person.
    const unrelated = await verifiedReleaseOrder(w, { caseNumber: 'RL-UNRELATED-1' });
    const r = await record(personId, unrelated);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.ok(paths(r.body).every((p) => p === 'cases'));
    const messages = r.body.error!.fields!.map((f) => f.message).join(' | ');
    assert.match(messages, /RL-OTHER-1/);
    // An order for the admission's case: the prosecutor's case still holds them.
    const forFirst = await releaseOrderFor(episodeId);
    const r2 = await record(personId, forFirst);
    assert.equal(r2.status, 422, JSON.stringify(r2.body));
    assert.deepEqual(paths(r2.body), ['cases']);
    assert.match(r2.body.error!.fields![0]!.message, /RL-OTHER-1/);
    assert.equal((await counts(w)).releases, before.releases);
    // The prosecutor's case is closed (another officer, by hand): the release goes ahead.
    await w.env.state.db.updateTable('criminal_cases').set({ closed_on: w.today, closure_reason: 'dismissed' }).where('id', '=', other.id).execute();
    const ok = await record(personId, forFirst);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    // A case opened between the recording and the confirmation holds them again.
    const late = await openCase(w, personId, episodeId, 'RL-LATE-1');
    const refused = await api(w, 'POST', `/api/v1/releases/${ok.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: ok.body.version });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.deepEqual(paths(refused.body), ['cases']);
    assert.match(refused.body.error!.fields![0]!.message, /RL-LATE-1/);
    assert.equal((await personState(w, personId)).custody_status, 'in_custody');
    await w.env.state.db.updateTable('criminal_cases').set({ closed_on: w.today, closure_reason: 'other' }).where('id', '=', late.id).execute();
    const done = await api(w, 'POST', `/api/v1/releases/${ok.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: ok.body.version });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(await openCasesOf(w, episodeId), []);
  });

  test('sentence served: needs the current computation, ended, confirmed by a second legal user, and a verified release order', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    await sentenceOpenCases(w, personId, episodeId);
    const orderId = await verifiedReleaseOrder(w, { caseNumber: 'RL-SERVED-ORDER' });
    const served = (extra: Record<string, unknown> = {}) => record(personId, orderId, { reason: 'sentence_served', ...extra });
    const before = await counts(w);

    // Every field at fault is named at once; the sentenced case holds the person until the computation says it is served.
    const at = async (extra: Record<string, unknown> = {}) => {
      const res = await served(extra);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      return { paths: paths(res.body).sort(), fields: res.body.error!.fields! };
    };
    // No sentenced computation (none, or a pretrial one): 422 computation.
    await w.env.state.db.updateTable('sentence_computations').set({ superseded_at: new Date() }).where('person_id', '=', personId).where('superseded_at', 'is', null).execute();
    assert.deepEqual((await at()).paths, ['cases', 'computation']);
    await storeComputation(w, { personId, episodeId, status: 'pretrial', pretrialDays: 200 });
    assert.deepEqual((await at()).paths, ['cases', 'computation']);

    // Ends in the future and not confirmed: 422 plannedAt (naming the date) and computation.
    const future = await sentencedEnding(w, personId, episodeId, -20);
    const r = await at();
    assert.deepEqual(r.paths, ['cases', 'computation', 'plannedAt']);
    assert.match(r.fields.find((f) => f.path === 'plannedAt')!.message, /\d{4}-\d{2}-\d{2}/);
    // Confirmed, but still in the future: 422 plannedAt.
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/sentence-computation/confirm`, w.h.legal3!, { computationId: future })).status, 200);
    assert.deepEqual((await at()).paths, ['cases', 'plannedAt']);

    // Ended, but confirmed by whoever registered the sentence (written behind the API's back): 422 computation.
    const ended = await sentencedEnding(w, personId, episodeId, 1, { confirmedBy: w.users.legal1.id });
    let e = await at();
    assert.deepEqual(e.paths, ['computation']);
    assert.match(e.fields[0]!.message, /registró o verificó/);
    await w.env.state.db.updateTable('sentence_computations').set({ confirmed_by: null, confirmed_at: null }).where('id', '=', ended).execute();
    e = await at();
    assert.deepEqual(e.paths, ['computation']);
    assert.match(e.fields[0]!.message, /confirmado por un segundo usuario/);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/sentence-computation/confirm`, w.h.legal3!, { computationId: ended })).status, 200);

    // Without a release order: 422 orderId (the rule set requires one).
    assert.deepEqual((await at({ orderId: '' })).paths, ['orderId']);
    assert.deepEqual({ ...(await counts(w)), audit_log: 0, judicial_orders: 0, sentence_computations: 0, sentence_orders: 0, criminal_cases: 0 }, { ...before, audit_log: 0, judicial_orders: 0, sentence_computations: 0, sentence_orders: 0, criminal_cases: 0 });

    // Everything in order: recorded; a recompute before the confirmation (new, unconfirmed computation) stops it.
    const ok = await served();
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const recomputed = await sentencedEnding(w, personId, episodeId, 1);
    const stopped = await api(w, 'POST', `/api/v1/releases/${ok.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: ok.body.version });
    assert.equal(stopped.status, 422, JSON.stringify(stopped.body));
    assert.deepEqual(paths(stopped.body), ['computation']);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/sentence-computation/confirm`, w.h.legal3!, { computationId: recomputed })).status, 200);
    // Four eyes still: the recorder cannot confirm the release.
    const self = await api(w, 'POST', `/api/v1/releases/${ok.body.id}/confirm`, w.h.officer!, { propertyReturned: true, version: ok.body.version });
    assert.deepEqual(paths(self.body), ['confirmedBy']);
    const done = await api(w, 'POST', `/api/v1/releases/${ok.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: ok.body.version });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal((await personState(w, personId)).custody_status, 'released');
    // The served cases closed as sentence served; the audit says which computation and rule set decided.
    const cases = await w.env.state.db.selectFrom('criminal_cases').select(['closure_reason']).where('episode_id', '=', episodeId).execute();
    assert.ok(cases.length > 0 && cases.every((k) => k.closure_reason === 'sentence_served'));
    const audit = await w.env.state.db.selectFrom('audit_log').select('after_value').where('action', '=', 'release.confirmed').where('target_id', '=', ok.body.id as string).executeTakeFirstOrThrow();
    assert.equal((audit.after_value as { computationId: string }).computationId, recomputed);
    assert.equal((audit.after_value as { controlRuleSet: string }).controlRuleSet, 'PA-CONTROL/1');
  });
});
