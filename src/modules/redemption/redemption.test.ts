// The redemption ledger through its API: entry refused (naming the field, nothing stored)
// exactly where the sentence engine would refuse the record; the Junta Técnica's evaluation and
// the judge's decision with four eyes and versions; an approval recomputing the sentence and
// moving its end date; a programme's month all or nothing; a centre's pending list in scope.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, paths, admitHeld, counts, currentComputation, daysAgo, noonOf, recordBody, sentence, setUpRedemptionWorld, type Held, type RedemptionWorld } from './test-support.ts';
import { constraintViolation } from './service.ts';

let w: RedemptionWorld;
before(async () => {
  w = await setUpRedemptionWorld();
});
after(() => w.env.close());

const create = (who: string, body: unknown) => api(w, 'POST', '/api/v1/redemption-records', w.h[who]!, body);

/** A request that must be refused with `status`, naming `path`, storing nothing. */
async function refused(who: string, body: unknown, status: number, path: string) {
  const before = await counts(w);
  const r = await create(who, body);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.ok(paths(r.body).includes(path), `expected ${path} in ${JSON.stringify(r.body)}`);
  assert.deepEqual(await counts(w), before, 'nothing stored');
  return r;
}

describe('entry: what the engine would refuse is refused, nothing stored', () => {
  let p: Held;
  before(async () => {
    p = await admitHeld(w, 200);
  });

  test('a valid work record is certified by whoever enters it, and shows as projected', async () => {
    const r = await create('programmes', recordBody(p, { from: daysAgo(w, 100), to: daysAgo(w, 91), days: 8 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.status, 'certified');
    assert.equal(r.body.counts, false);
    assert.equal((r.body.certifiedBy as { username: string }).username, 'programas.lj');
    assert.equal(r.body.facilityCode, 'PA-LJ');
    const ledger = await api(w, 'GET', `/api/v1/persons/${p.personId}/redemption-records`, w.h.legal1!);
    assert.equal(ledger.status, 200);
    const totals = ledger.body.totals as { approved: { activityDays: number }; projected: { activityDays: number; creditDays: number } };
    assert.equal(totals.approved.activityDays, 0);
    assert.deepEqual(totals.projected, { records: 1, activityDays: 8, creditDays: 4 });
    const audit = await w.env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', r.body.id as string).execute();
    assert.deepEqual(audit.map((a) => a.action), ['redemption.certified']);
  });

  test('days beyond the period\'s length', async () => {
    await refused('programmes', recordBody(p, { from: daysAgo(w, 80), to: daysAgo(w, 71), days: 11 }), 422, 'days');
  });

  test('teaching hours beyond 24 a day, days for teaching, hours for work', async () => {
    await refused('programmes', recordBody(p, { kind: 'teaching', from: daysAgo(w, 80), to: daysAgo(w, 79), hours: 49 }), 422, 'hours');
    await refused('programmes', recordBody(p, { kind: 'teaching', from: daysAgo(w, 80), to: daysAgo(w, 79), days: 2 }), 422, 'days');
    await refused('programmes', recordBody(p, { from: daysAgo(w, 80), to: daysAgo(w, 79), hours: 8 }), 422, 'hours');
    const ok = await create('programmes', recordBody(p, { kind: 'teaching', from: daysAgo(w, 80), to: daysAgo(w, 79), hours: 48 }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.activityDays, 6);
  });

  test('a period overlapping another non-refused record of the person', async () => {
    const r = await refused('programmes', recordBody(p, { kind: 'study', programme: 'Bachillerato', from: daysAgo(w, 95), to: daysAgo(w, 85), days: 5 }), 422, 'from');
    assert.match(r.body.error!.message, /Taller de carpinter/);
  });

  test('a period outside custody (before the arrest)', async () => {
    await refused('programmes', recordBody(p, { from: daysAgo(w, 210), to: daysAgo(w, 195), days: 5 }), 422, 'from');
  });

  test('a period ending after today, ending before it starts, or longer than a year', async () => {
    await refused('programmes', recordBody(p, { from: daysAgo(w, 5), to: daysAgo(w, -1), days: 5 }), 422, 'to');
    await refused('programmes', recordBody(p, { from: daysAgo(w, 5), to: daysAgo(w, 10), days: 1 }), 422, 'to');
    await refused('programmes', recordBody(p, { from: daysAgo(w, 400), to: daysAgo(w, 10), days: 1 }), 422, 'to');
  });

  test('dates out of range or not dates', async () => {
    await refused('programmes', recordBody(p, { from: '1900-01-01', to: daysAgo(w, 10), days: 1 }), 422, 'from');
    await refused('programmes', recordBody(p, { from: '2026-02-30', to: daysAgo(w, 10), days: 1 }), 400, 'from');
    await refused('programmes', recordBody(p, { from: daysAgo(w, 12), to: daysAgo(w, 10), days: 0 }), 400, 'days');
  });

  test('a person outside the caller\'s centres, unknown, or not held', async () => {
    await refused('programmesColon', recordBody(p, { from: daysAgo(w, 12), to: daysAgo(w, 10), days: 1 }), 422, 'personId');
    await refused('programmes', recordBody({ ...p, personId: '00000000-0000-4000-8000-000000000000' }, { from: daysAgo(w, 12), to: daysAgo(w, 10), days: 1 }), 422, 'personId');
  });

  test('the days of an escape are outside custody', async () => {
    const q = await admitHeld(w, 150);
    const esc = await api(w, 'POST', `/api/v1/persons/${q.personId}/escape`, w.h.officer!, { at: noonOf(daysAgo(w, 60)), circumstances: 'Se evadió durante el traslado al taller' });
    assert.equal(esc.status, 201, JSON.stringify(esc.body));
    const back = await api(w, 'POST', `/api/v1/absences/${esc.body.id}/recapture`, w.h.officer!, { at: noonOf(daysAgo(w, 50)) });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    await refused('programmes', recordBody(q, { from: daysAgo(w, 58), to: daysAgo(w, 52), days: 3 }), 422, 'from');
    // The day of the escape and the day of the recapture count; the days between do not.
    await refused('programmes', recordBody(q, { from: daysAgo(w, 65), to: daysAgo(w, 59), days: 3 }), 422, 'from');
    const ok = await create('programmes', recordBody(q, { from: daysAgo(w, 66), to: daysAgo(w, 60), days: 5 }));
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  test('the exclusion constraint stands behind the check, and its violation is the same 422', async () => {
    const db = w.env.state.db;
    const row = await db.selectFrom('redemption_records').selectAll().where('person_id', '=', p.personId).where('status', '<>', 'refused').executeTakeFirstOrThrow();
    const { id: _id, certified_at: _c, version: _v, status: _s, ...copy } = row;
    void _id;
    void _c;
    void _v;
    void _s;
    const e = await db
      .insertInto('redemption_records')
      .values({ ...copy, programme: 'Copia' })
      .execute()
      .then(() => null, (err: unknown) => err);
    assert.equal((e as { code?: string } | null)?.code, '23P01');
    const mapped = constraintViolation(e, 'from') as { status: number; fields: { path: string }[] };
    assert.equal(mapped.status, 422);
    assert.deepEqual(mapped.fields.map((f) => f.path), ['from']);
  });

  test('users without redemption.write cannot enter records', async () => {
    const r = await create('board', recordBody(p, { from: daysAgo(w, 12), to: daysAgo(w, 10), days: 1 }));
    assert.equal(r.status, 403);
  });
});

describe('evaluation and decision', () => {
  let p: Held;
  let rec: { id: string; version: number };
  before(async () => {
    p = await admitHeld(w, 300);
    await sentence(w, p, { years: 2 });
    const r = await create('legal1', recordBody(p, { from: daysAgo(w, 120), to: daysAgo(w, 31), days: 60 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    rec = { id: r.body.id as string, version: r.body.version as number };
  });

  test('a decision needs a prior evaluation', async () => {
    const r = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal2!, { decision: 'approved', reference: 'Res. 12-2026', date: w.today, version: rec.version });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['evaluation']);
  });

  test('the evaluation sends the version read (409 otherwise), once', async () => {
    const stale = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/evaluate`, w.h.board!, { evaluation: 'favourable', note: 'Acta 7-2026', version: rec.version + 1 });
    assert.equal(stale.status, 409);
    const noNote = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/evaluate`, w.h.board!, { evaluation: 'favourable', note: '   ', version: rec.version });
    assert.equal(noNote.status, 422);
    assert.deepEqual(paths(noNote.body), ['note']);
    const ok = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/evaluate`, w.h.board!, { evaluation: 'favourable', note: 'Acta 7-2026 de la Junta Técnica', version: rec.version });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'evaluated');
    assert.equal(ok.body.evaluation, 'favourable');
    const again = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/evaluate`, w.h.board!, { evaluation: 'favourable', note: 'otra vez', version: ok.body.version });
    assert.equal(again.status, 409);
    rec.version = ok.body.version as number;
  });

  test('whoever certified the record may not record the decision (four eyes)', async () => {
    const before = await counts(w);
    const r = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal1!, { decision: 'approved', reference: 'Res. 12-2026', date: w.today, version: rec.version });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['decidedBy']);
    assert.deepEqual(await counts(w), before);
  });

  test('a decision dated after today or before the period ends is refused', async () => {
    const future = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal2!, { decision: 'approved', reference: 'Res. 12-2026', date: daysAgo(w, -1), version: rec.version });
    assert.equal(future.status, 422);
    assert.deepEqual(paths(future.body), ['date']);
    const early = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal2!, { decision: 'approved', reference: 'Res. 12-2026', date: daysAgo(w, 40), version: rec.version });
    assert.equal(early.status, 422);
    assert.deepEqual(paths(early.body), ['date']);
  });

  test('certified → evaluated → approved moves the end date, audited, in the same transaction', async () => {
    const beforeComp = await currentComputation(w, p.personId);
    assert.ok(beforeComp, 'the sentence was computed');
    const projected = beforeComp.result as { credits: { redemption: number }; projectedRedemption: number };
    assert.equal(projected.credits.redemption, 0);
    assert.equal(projected.projectedRedemption, 30, 'the pending record is projected');

    const r = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal2!, { decision: 'approved', reference: 'Res. JC-12-2026', date: w.today, note: 'Aprobado', version: rec.version });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'approved');
    assert.equal(r.body.counts, true);

    const afterComp = (await currentComputation(w, p.personId))!;
    assert.notEqual(afterComp.id, beforeComp.id, 'a new computation');
    const result = afterComp.result as { credits: { redemption: number }; projectedRedemption: number };
    assert.equal(result.credits.redemption, 30);
    assert.equal(result.projectedRedemption, 0);
    const moved = (Date.parse(beforeComp.expiry_date!) - Date.parse(afterComp.expiry_date!)) / 86_400_000;
    assert.equal(moved, 30, `expiry ${beforeComp.expiry_date} → ${afterComp.expiry_date}`);
    const change = await w.env.state.db.selectFrom('sentence_date_changes').selectAll().where('computation_id', '=', afterComp.id).where('field', '=', 'expiry_date').executeTakeFirstOrThrow();
    assert.equal(change.cause, 'redemption.approved');
    const audit = (await w.env.state.db.selectFrom('audit_log').select(['action', 'actor_id', 'details']).where('person_id', '=', p.personId).where('action', 'in', ['redemption.approved', 'sentence.recompute']).execute()).filter(
      (a) => a.action === 'redemption.approved' || (a.details as { cause?: string } | null)?.cause === 'redemption.approved',
    );
    assert.deepEqual(audit.map((a) => a.action).sort(), ['redemption.approved', 'sentence.recompute']);
    assert.ok(audit.every((a) => a.actor_id === w.users.legal2.id));

    const ledger = await api(w, 'GET', `/api/v1/persons/${p.personId}/redemption-records`, w.h.board!);
    assert.equal((ledger.body.computation as { redemption: number }).redemption, 30);
    assert.deepEqual((ledger.body.totals as { approved: unknown }).approved, { records: 1, activityDays: 60, creditDays: 30 });

    const twice = await api(w, 'POST', `/api/v1/redemption-records/${rec.id}/decide`, w.h.legal2!, { decision: 'refused', reference: 'Res. 13-2026', date: w.today, version: r.body.version });
    assert.equal(twice.status, 409);
  });

  test('a refusal takes the record out of the projection and frees its period', async () => {
    const r = await create('programmes', recordBody(p, { kind: 'study', programme: 'Bachillerato (MEDUCA)', from: daysAgo(w, 20), to: daysAgo(w, 11), days: 10 }));
    assert.equal(r.status, 201);
    assert.equal(((await currentComputation(w, p.personId))!.result as { projectedRedemption: number }).projectedRedemption, 5);
    const ev = await api(w, 'POST', `/api/v1/redemption-records/${r.body.id}/evaluate`, w.h.board!, { evaluation: 'unfavourable', note: 'Inasistencias', version: r.body.version });
    const d = await api(w, 'POST', `/api/v1/redemption-records/${r.body.id}/decide`, w.h.legal1!, { decision: 'refused', reference: 'Res. JC-14-2026', date: w.today, version: ev.body.version });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.equal(d.body.status, 'refused');
    const comp = (await currentComputation(w, p.personId))!;
    assert.equal((comp.result as { projectedRedemption: number }).projectedRedemption, 0);
    assert.equal(comp.cause, 'redemption.refused');
    const again = await create('programmes', recordBody(p, { kind: 'study', programme: 'Bachillerato (MEDUCA)', from: daysAgo(w, 20), to: daysAgo(w, 11), days: 8 }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
});

describe('a programme\'s month in bulk: all or nothing', () => {
  let a: Held;
  let b: Held;
  let month: string;
  let monthDays: number;
  before(async () => {
    a = await admitHeld(w, 120);
    b = await admitHeld(w, 120);
    // The last complete month.
    const d = new Date(`${w.today.slice(0, 7)}-01T12:00:00Z`);
    d.setUTCDate(0);
    month = d.toISOString().slice(0, 7);
    monthDays = d.getUTCDate();
  });

  const bulk = (who: string, rows: unknown[], extra: Record<string, unknown> = {}) =>
    api(w, 'POST', '/api/v1/redemption-records/bulk', w.h[who]!, { facilityCode: 'PA-LJ', programme: 'Panadería', kind: 'work', month, rows, ...extra });

  test('any bad row refuses the whole list, naming every row and field', async () => {
    const before = await counts(w);
    const r = await bulk('programmes', [
      { prisonerNumber: a.prisonerNumber, days: 20 },
      { prisonerNumber: b.prisonerNumber, days: monthDays + 1 },
      { prisonerNumber: 'PPL-999999', days: 3 },
      { prisonerNumber: a.prisonerNumber, days: 2, from: `${month}-02`, to: `${month}-03` },
    ]);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(paths(r.body), ['rows[1].days', 'rows[2].prisonerNumber', 'rows[3].from']);
    assert.deepEqual(await counts(w), before, 'nothing stored');
  });

  test('a centre outside the caller\'s scope, a month not over', async () => {
    const r = await bulk('programmesColon', [{ prisonerNumber: a.prisonerNumber, days: 2 }], { facilityCode: 'PA-LJ' });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['facilityCode']);
    const later = await bulk('programmes', [{ prisonerNumber: a.prisonerNumber, days: 2 }], { month: daysAgo(w, -40).slice(0, 7) });
    assert.equal(later.status, 422);
    assert.deepEqual(paths(later.body), ['month']);
    const lastDay = daysAgo(w, -1).slice(8) === '01';
    if (!lastDay) {
      const current = await bulk('programmes', [{ prisonerNumber: a.prisonerNumber, days: 2 }], { month: w.today.slice(0, 7) });
      assert.equal(current.status, 422);
      assert.deepEqual(paths(current.body), ['rows[0].to']);
    }
  });

  test('a good list is stored in one go, one record per row, certified', async () => {
    const r = await bulk('programmes', [
      { prisonerNumber: a.prisonerNumber, days: 20 },
      { prisonerNumber: b.prisonerNumber.replace('PPL-', ''), days: 18, from: `${month}-05` },
    ]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, 2);
    const items = r.body.items as { personId: string; from: string; to: string; status: string; programme: string }[];
    assert.deepEqual(items.map((i) => [i.personId, i.from, i.to, i.status]), [
      [a.personId, `${month}-01`, `${month}-${String(monthDays)}`, 'certified'],
      [b.personId, `${month}-05`, `${month}-${String(monthDays)}`, 'certified'],
    ]);
    // The same month again overlaps.
    const again = await bulk('programmes', [{ prisonerNumber: a.prisonerNumber, days: 1 }]);
    assert.equal(again.status, 422);
    assert.deepEqual(paths(again.body), ['rows[0].from']);
  });

  test('the centre\'s pending list, evaluated and decided in bulk, all or nothing', async () => {
    const list = await api(w, 'GET', '/api/v1/facilities/PA-LJ/redemption-records/pending', w.h.board!);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const toEvaluate = list.body.toEvaluate as { id: string; version: number; personId: string }[];
    const ours = toEvaluate.filter((x) => x.personId === a.personId || x.personId === b.personId);
    assert.equal(ours.length, 2);
    const elsewhere = await api(w, 'GET', '/api/v1/facilities/PA-LJ/redemption-records/pending', w.h.boardColon!);
    assert.equal(elsewhere.status, 404);

    const stale = await api(w, 'POST', '/api/v1/redemption-records/evaluations', w.h.board!, { items: [{ id: ours[0]!.id, version: ours[0]!.version }, { id: ours[1]!.id, version: ours[1]!.version + 5 }], evaluation: 'favourable', note: 'Acta 9-2026' });
    assert.equal(stale.status, 409);
    assert.deepEqual(paths(stale.body), ['items[1].version']);
    const untouched = await api(w, 'GET', `/api/v1/redemption-records/${ours[0]!.id}`, w.h.board!);
    assert.equal(untouched.body.status, 'certified');

    const ok = await api(w, 'POST', '/api/v1/redemption-records/evaluations', w.h.board!, { items: ours.map((x) => ({ id: x.id, version: x.version })), evaluation: 'favourable', note: 'Acta 9-2026' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const evaluated = ok.body.items as { id: string; version: number; status: string }[];
    assert.deepEqual(evaluated.map((x) => x.status), ['evaluated', 'evaluated']);

    // programmes certified them: legal1 may decide; the decision covers both.
    const d = await api(w, 'POST', '/api/v1/redemption-records/decisions', w.h.legal1!, { items: evaluated.map((x) => ({ id: x.id, version: x.version })), decision: 'approved', reference: 'Res. JC-20-2026', date: w.today });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual((d.body.items as { status: string }[]).map((x) => x.status), ['approved', 'approved']);
  });
});
