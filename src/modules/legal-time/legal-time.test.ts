// The engine fed from the records: a verified sentence gives a stored computation that the
// contract endpoint returns exactly as `compute-sentence` computes it; an unverified order
// changes nothing; house arrest moves the start date back day for day; an approved redemption
// record moves the end date; every move is logged with its cause and audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runComputeSentence } from '../sentence/cli.ts';
import { computeSentence } from '../sentence/engine.ts';
import type { SentencedResult } from '../sentence/types.ts';
import { signIn } from '../../../test/helpers/app.ts';
import { recomputeSentence } from './recompute.ts';
import { withoutTrace } from './stored-result.ts';
import { addDays, api, computationOf, heldSince, legalCounts, registerLegal, sentenceBody, setUpLegalWorld, verifiedLegal, verify, type World } from './test-support.ts';

let w: World;
before(async () => {
  w = await setUpLegalWorld();
});
after(async () => {
  await w.env.close();
});

test('an unverified sentence changes nothing; once verified, the contract endpoint returns the stored input and exactly the engine\'s result', async () => {
  const p = await heldSince(w, '2024-01-10');
  const admitted = (await computationOf(w, p.personId))!;
  assert.equal(admitted.status, 'pretrial', 'the admission computed the pretrial time');
  const order = await registerLegal(w, 'sentence', sentenceBody(p, { years: 5, months: 2, days: 3 }));
  assert.equal(order.body.kind, 'sentence');
  assert.equal((order.body.details as { years: number }).years, 5);
  assert.equal(order.body.effective, false);
  assert.equal((await computationOf(w, p.personId))!.id, admitted.id, 'an unverified order computes nothing');
  assert.equal((await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-computation`, w.h.legal1!)).status, 404);

  const v = await verify(w, order);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  const r = await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-computation`, w.h.legal1!);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { input, result } = r.body as unknown as { input: { custody: unknown[]; sentences: { id: string }[] }; result: SentencedResult };
  assert.deepEqual(Object.keys(r.body).sort(), ['input', 'result']);
  assert.deepEqual(input.custody, [{ from: '2024-01-10', to: null, kind: 'prison' }]);
  assert.equal(input.sentences[0]!.id, order.id, 'sentence ids are the order ids');
  // Exactly what the command prints for that input.
  const cli = await runComputeSentence(JSON.stringify(input));
  assert.equal(cli.exitCode, 0);
  assert.deepEqual(result, JSON.parse(cli.stdout));
  assert.deepEqual(result, computeSentence(input));
  assert.equal(result.startDate, '2024-01-10');
  assert.equal(result.dates.expiry, '2029-03-12'); // 5 y 2 m 3 d from 2024-01-10, minus one day

  // The first computation logs each date it set, with the cause, and is audited.
  const changes = await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-date-changes`, w.h.legal1!);
  assert.equal(changes.status, 200);
  const items = changes.body.items as { field: string; oldDate: string | null; newDate: string; cause: string }[];
  assert.ok(items.some((c) => c.field === 'expiry_date' && c.oldDate === null && c.newDate === '2029-03-12' && c.cause === `order.verify sentence ${order.id}`));
  const audits = await w.env.state.db.selectFrom('audit_log').select(['action', 'details']).where('person_id', '=', p.personId).where('action', '=', 'sentence.recompute').execute();
  assert.equal(audits.length, 2, 'one at the admission (pretrial), one at the verification');

  // The person page shows the dates in Spanish, with the trace one click away.
  const session = await signIn(w.env, w.users.legal1);
  const page = await w.env.app.inject({ method: 'GET', url: `/persons/${p.personId}`, headers: { cookie: session.cookie, 'accept-language': 'es' } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /data-testid="legal-time-section"/);
  assert.match(page.body, /Fecha de cumplimiento de la pena/);
  assert.match(page.body, /data-testid="expiry">[^<]*2029/);
  assert.match(page.body, /data-testid="legal-time-trace"/);
  assert.match(page.body, /CP art\. 53/);
});

test('registering house arrest (verified) moves the start date back day for day', async () => {
  const p = await heldSince(w, '2023-03-01');
  await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 2 }));
  const before = (await computationOf(w, p.personId))!;
  assert.equal(before.start_date, '2023-03-01');
  assert.equal(before.expiry_date, '2025-02-28');

  // 59 days of house arrest (1 January to 28 February 2023) just before the arrest.
  const house = await registerLegal(w, 'provisional_custody', { caseId: p.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2023-01-05', custodyKind: 'house_arrest', from: '2023-01-01', to: '2023-02-28' });
  assert.equal((await computationOf(w, p.personId))!.id, before.id, 'unverified: the computation is untouched');
  const v = await verify(w, house);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  const afterC = (await computationOf(w, p.personId))!;
  assert.notEqual(afterC.id, before.id);
  assert.equal(afterC.start_date, addDays('2023-03-01', -59));
  assert.equal(afterC.expiry_date, addDays('2025-02-28', -59), '59 days of house arrest credited day for day');
  const input = afterC.input as { custody: unknown[] };
  assert.deepEqual(input.custody, [
    { from: '2023-01-01', to: '2023-02-28', kind: 'house_arrest' },
    { from: '2023-03-01', to: null, kind: 'prison' },
  ]);
  const moved = await w.env.state.db.selectFrom('sentence_date_changes').selectAll().where('computation_id', '=', afterC.id).orderBy('field').execute();
  assert.deepEqual(
    moved.map((m) => [m.field, m.old_date, m.new_date, m.cause]),
    [
      ['expiry_date', '2025-02-28', '2024-12-31', `order.verify provisional_custody ${house.id}`],
      ['one_third_date', before.one_third_date, afterC.one_third_date, `order.verify provisional_custody ${house.id}`],
      ['start_date', '2023-03-01', '2023-01-01', `order.verify provisional_custody ${house.id}`],
      ['two_thirds_date', before.two_thirds_date, afterC.two_thirds_date, `order.verify provisional_custody ${house.id}`],
    ],
  );
  const superseded = await w.env.state.db.selectFrom('sentence_computations').select('superseded_at').where('id', '=', before.id).executeTakeFirstOrThrow();
  assert.ok(superseded.superseded_at, 'the old computation is kept, superseded');
});

test('approving a redemption record recomputes and moves the end date, audited with the cause', async () => {
  const p = await heldSince(w, '2023-02-01');
  await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 4 }));
  const before = (await computationOf(w, p.personId))!;
  const db = w.env.state.db;
  const record = await db
    .insertInto('redemption_records')
    .values({ person_id: p.personId, episode_id: p.episodeId, facility_code: 'PA-LJ', activity_kind: 'work', programme: 'Panadería', period_from: '2024-01-01', period_to: '2024-03-31', days: 80, certified_by: w.users.legal1.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recomputeSentence(db, { personId: p.personId, cause: 'redemption.certified', actorId: w.users.legal1.id });
  const projected = (await computationOf(w, p.personId))!;
  assert.equal(projected.expiry_date, before.expiry_date, 'a certified record is only projected');
  assert.equal((projected.result as SentencedResult).projectedRedemption, 40);

  await db.updateTable('redemption_records').set({ status: 'approved', decided_by: w.users.legal2.id, decided_at: new Date(), decision_reference: 'Resolución 12-2024', decision_date: '2024-04-15' }).where('id', '=', record.id).execute();
  await recomputeSentence(db, { personId: p.personId, cause: 'redemption.approved', actorId: w.users.legal2.id });
  const approved = (await computationOf(w, p.personId))!;
  assert.equal(approved.expiry_date, addDays(before.expiry_date!, -40), '80 days of work redeem 40 days');
  assert.equal((approved.result as SentencedResult).credits.redemption, 40);
  const moved = await db.selectFrom('sentence_date_changes').selectAll().where('computation_id', '=', approved.id).where('field', '=', 'expiry_date').executeTakeFirstOrThrow();
  assert.equal(moved.cause, 'redemption.approved');
  assert.equal(moved.changed_by, w.users.legal2.id);
  const audit = await db.selectFrom('audit_log').select(['action', 'actor_id', 'details', 'after_value']).where('target_id', '=', approved.id).executeTakeFirstOrThrow();
  assert.equal(audit.action, 'sentence.recompute');
  assert.equal(audit.actor_id, w.users.legal2.id);
  assert.equal((audit.details as { cause: string }).cause, 'redemption.approved');

  // Nothing changed: recomputing again stores nothing new.
  await recomputeSentence(db, { personId: p.personId, cause: 'manual', actorId: null });
  assert.equal((await computationOf(w, p.personId))!.id, approved.id);
});

test('a verified reduction, measures and a consecutive sentence all reach the input; the stored result equals the engine\'s', async () => {
  const p = await heldSince(w, '2022-05-10');
  const first = await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 3, orderDate: '2023-01-10' }));
  const second = await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 1, months: 6, relation: 'consecutive', consecutiveTo: first, orderDate: '2023-06-10' }));
  await verifiedLegal(w, 'reduction', { caseId: p.caseId, issuingAuthority: 'Órgano Ejecutivo', days: 90, decreeNumber: 'DE 270', decreeDate: '2025-04-01' });
  await verifiedLegal(w, 'measure', { caseId: p.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2022-01-10', measureKind: 'periodic_reporting', appearances: 23 });
  await verifiedLegal(w, 'measure', { caseId: p.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2022-01-10', measureKind: 'territorial_restriction', from: '2022-01-10', to: '2022-05-09' });
  const c = (await computationOf(w, p.personId))!;
  const input = c.input as { sentences: { id: string; relation: string; consecutiveTo?: string }[]; measures: unknown[]; reductions: unknown[] };
  assert.deepEqual(input.sentences.map((s) => [s.id, s.relation, s.consecutiveTo]), [
    [first, 'first', undefined],
    [second, 'consecutive', first],
  ]);
  assert.deepEqual(input.reductions, [{ days: 90, reference: 'DE 270 (2025-04-01)' }]);
  assert.equal(input.measures.length, 2);
  const result = c.result as SentencedResult;
  assert.deepEqual(result.credits, { measures: 4 + 24, redemption: 0, reductions: 90 });
  // Stored: every figure of the engine's result; the trace is derived again on reading.
  assert.deepEqual(result, withoutTrace(computeSentence(c.input)));
  assert.equal('trace' in result, false);
  assert.equal(c.rule_set_id, 'PA-2007/1');
});

test('the section, the endpoints and recomputation follow scope and permissions', async () => {
  const p = await heldSince(w, '2024-06-01');
  await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 1 }));
  // Colón's records officer does not reach a person held at La Joya: 404 like a missing one.
  assert.equal((await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-computation`, w.h.officerColon!)).status, 404);
  // The duty officer lacks legal.read.
  assert.equal((await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-computation`, w.h.duty!)).status, 403);
  assert.equal((await api(w, 'POST', `/api/v1/persons/${p.personId}/sentence-computation/recompute`, w.h.officer!)).status, 403);
  const r = await api(w, 'POST', `/api/v1/persons/${p.personId}/sentence-computation/recompute`, w.h.legal1!);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const reads = await w.env.state.db.selectFrom('audit_log').select('action').where('person_id', '=', p.personId).where('action', 'in', ['sentence_computation.read', 'sentence_date_changes.read']).execute();
  assert.equal(reads.length, 0, 'the failed reads wrote nothing');
  await api(w, 'GET', `/api/v1/persons/${p.personId}/sentence-computation`, w.h.inspector!);
  const read = await w.env.state.db.selectFrom('audit_log').select(['action', 'actor_id']).where('person_id', '=', p.personId).where('action', '=', 'sentence_computation.read').executeTakeFirstOrThrow();
  assert.equal(read.actor_id, w.users.inspector.id);
  const counts = await legalCounts(w);
  assert.ok(counts.sentence_computations! >= 1);
});

test('an escape ends custody and a recapture reopens it: each recomputes, logged with its cause', async () => {
  const p = await heldSince(w, '2025-01-06');
  await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 3 }));
  const before = (await computationOf(w, p.personId))!;
  assert.equal(before.expiry_date, '2028-01-05');
  const now = Date.now();
  const esc = await api(w, 'POST', `/api/v1/persons/${p.personId}/escape`, w.h.officer!, { at: new Date(now - 20 * 60_000).toISOString(), circumstances: 'Evasión durante el traslado al patio' });
  assert.equal(esc.status, 201, JSON.stringify(esc.body));
  const escaped = (await computationOf(w, p.personId))!;
  const custody = (escaped.input as { custody: { to: string | null }[] }).custody;
  assert.notEqual(custody[custody.length - 1]!.to, null, 'custody ends on the day of the escape');
  assert.equal(escaped.expiry_date, null, 'no end date while the term cannot be completed');
  assert.equal(escaped.cause, 'absence.escape');
  const back = await api(w, 'POST', `/api/v1/absences/${esc.body.id as string}/recapture`, w.h.officer!, { at: new Date(now - 5 * 60_000).toISOString() });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  const recaptured = (await computationOf(w, p.personId))!;
  assert.equal(recaptured.expiry_date, '2028-01-05', 'recaptured the same day: no day lost');
  const causes = await w.env.state.db.selectFrom('sentence_date_changes').select(['field', 'cause', 'old_date', 'new_date']).where('person_id', '=', p.personId).where('field', '=', 'expiry_date').orderBy('changed_at').execute();
  assert.deepEqual(
    causes.slice(1).map((c) => [c.cause, c.old_date, c.new_date]),
    [
      ['absence.escape', '2028-01-05', null],
      ['absence.recaptured', null, '2028-01-05'],
    ],
  );
});

test('records the engine would refuse are a 422 naming the engine\'s field, and nothing is stored', async () => {
  const p = await heldSince(w, '2024-02-01');
  await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 2 }));
  const db = w.env.state.db;
  const before = (await computationOf(w, p.personId))!;
  // An escape recorded afterwards covers the days of an approved redemption record.
  await db.insertInto('absences').values({ episode_id: p.episodeId, person_id: p.personId, facility_code: 'PA-LJ', kind: 'escape', reason: 'prueba', out_at: new Date('2024-05-01T15:00:00Z'), back_at: new Date('2024-07-01T15:00:00Z') }).execute();
  await db
    .insertInto('redemption_records')
    .values({ person_id: p.personId, episode_id: p.episodeId, facility_code: 'PA-LJ', activity_kind: 'work', programme: 'Panadería', period_from: '2024-05-10', period_to: '2024-05-31', days: 10, certified_by: w.users.legal1.id })
    .execute();
  await assert.rejects(recomputeSentence(db, { personId: p.personId, cause: 'test', actorId: null }), (e: unknown) => {
    const err = e as { status: number; fields: { path: string }[] };
    assert.equal(err.status, 422);
    assert.equal(err.fields[0]!.path, 'computation.activities[0].from');
    return true;
  });
  assert.equal((await computationOf(w, p.personId))!.id, before.id);
});

test('a person not held is left alone', async () => {
  await recomputeSentence(w.env.state.db, { personId: '00000000-0000-4000-8000-000000000000', cause: 'test', actorId: null });
});
