// Criminal cases and their charges through the API, on both databases: the admission opens the
// case of its commitment order; cases are opened, changed with the version read (409 when
// stale), closed, charged and un-charged; bad input answers 4xx naming the field with nothing
// stored; people outside the caller's centres answer 404; openCasesOf() lists what still holds
// the person.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { todayIn } from '../../platform/time.ts';
import { openCasesOf } from './service.ts';
import { admitPerson, api, auditActions, caseBody, counts, paths, personWithCase, setUpCaseWorld, type CaseWorld } from './test-support.ts';

let w: CaseWorld;
before(async () => {
  w = await setUpCaseWorld();
});
after(() => w.env.close());

type Charge = { id: string; offenceCode: string; counts: number; attempted: boolean; withdrawnAt: string | null; nameEs: string };
type Case = { id: string; caseNumber: string; stage: string; open: boolean; version: number; authorityKind: string; authorityName: string; charges: Charge[]; episodeOpen: boolean };
const today = () => todayIn(w.env.settings.timeZone);

describe('the admission opens the case of its commitment order', () => {
  test('authority and case number from the order, stage from the legal status, audited', async () => {
    const p = await admitPerson(w);
    const list = await api(w, 'GET', `/api/v1/persons/${p.personId}/cases`, w.h.legal1!);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const items = list.body.items as Case[];
    assert.equal(items.length, 1);
    const order = await w.env.state.db.selectFrom('custody_episodes as e').innerJoin('judicial_orders as o', 'o.id', 'e.admission_order_id').select(['o.case_number', 'o.issuing_authority']).where('e.id', '=', p.episodeId).executeTakeFirstOrThrow();
    assert.equal(items[0]!.caseNumber, order.case_number);
    assert.equal(items[0]!.authorityName, order.issuing_authority);
    assert.equal(items[0]!.authorityKind, 'court');
    assert.equal(items[0]!.stage, 'investigation');
    assert.equal(items[0]!.open, true);
    assert.deepEqual(await auditActions(w, items[0]!.id), ['case.opened']);
    assert.deepEqual(
      (await openCasesOf(w.env.state.db, p.episodeId)).map((c) => c.caseNumber),
      [order.case_number],
    );
  });
});

describe('cases and charges', () => {
  test('open a case with charges; read it; change it with the version read; 409 when stale', async () => {
    const { personId, caseId, body } = await personWithCase(w);
    const created = body as unknown as Case;
    assert.equal(created.stage, 'investigation');
    assert.deepEqual(created.charges.map((c) => [c.offenceCode, c.counts, c.attempted]), [['ROBO-AGR', 2, false], ['ARMA-POSESION', 1, false]]);
    assert.equal(created.charges[0]!.nameEs, 'Robo agravado');

    const read = await api(w, 'GET', `/api/v1/cases/${caseId}`, w.h.director!);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(read.body.hearings, []);

    const change = { ...caseBody({ caseNumber: created.caseNumber, stage: 'trial', defenceKind: 'private_lawyer', defenceName: 'Lcdo. Rubén Arosemena' }), charges: undefined, version: created.version };
    const updated = await api(w, 'PUT', `/api/v1/cases/${caseId}`, w.h.legal1!, change);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.stage, 'trial');
    assert.equal(updated.body.defenceName, 'Lcdo. Rubén Arosemena');
    const before = await counts(w);
    const stale = await api(w, 'PUT', `/api/v1/cases/${caseId}`, w.h.legal1!, { ...change, stage: 'appeal' });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'version_conflict');
    assert.deepEqual(await counts(w), before);

    // The person now has two open cases (the admission's and this one).
    const list = await api(w, 'GET', `/api/v1/persons/${personId}/cases`, w.h.legal1!);
    assert.equal((list.body.items as Case[]).filter((c) => c.open).length, 2);
    assert.deepEqual(await auditActions(w, caseId), ['case.opened', 'case.read', 'case.updated']);
  });

  test('bad input: 4xx naming the field, nothing stored', async () => {
    const p = await admitPerson(w);
    const url = `/api/v1/persons/${p.personId}/cases`;
    const before = await counts(w);
    const cases: [Record<string, unknown>, number, string[]][] = [
      [caseBody({ caseNumber: '  ' }), 422, ['caseNumber']],
      [caseBody({ authorityName: '' }), 400, ['authorityName']],
      [caseBody({ stage: 'sentenced' }), 400, ['stage']],
      [caseBody({ authorityKind: 'police' }), 400, ['authorityKind']],
      [caseBody({ defenceKind: 'private_lawyer', defenceName: null }), 422, ['defenceName']],
      [caseBody({ charges: [{ offenceCode: 'ROBO' }, { offenceCode: 'NO-EXISTE' }] }), 422, ['charges[1].offenceCode']],
      [caseBody({ charges: [{ offenceCode: 'ROBO', counts: 0 }] }), 400, ['charges[0].counts']],
      [caseBody({ charges: [{ offenceCode: 'robo agravado' }] }), 400, ['charges[0].offenceCode']],
      [caseBody({ judgeName: 'x'.repeat(201) }), 400, ['judgeName']],
      [caseBody({ color: 'azul' }), 400, ['color']],
    ];
    for (const [body, status, fields] of cases) {
      const r = await api(w, 'POST', url, w.h.officer!, body);
      assert.equal(r.status, status, `${fields.join()}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), fields);
    }
    // The same number at the same kind of authority in the same episode: 409 naming it.
    const first = await api(w, 'POST', url, w.h.officer!, caseBody({ caseNumber: 'DUP-1' }));
    assert.equal(first.status, 201);
    const after1 = await counts(w);
    const dup = await api(w, 'POST', url, w.h.officer!, caseBody({ caseNumber: 'DUP-1' }));
    assert.equal(dup.status, 409);
    assert.deepEqual(paths(dup.body), ['caseNumber']);
    assert.deepEqual(await counts(w), after1);
    // At a prosecutor's office the same number is another case.
    assert.equal((await api(w, 'POST', url, w.h.officer!, caseBody({ caseNumber: 'DUP-1', authorityKind: 'prosecutor', authorityName: 'Fiscalía Metropolitana' }))).status, 201);
    assert.ok(before.criminal_cases! < (await counts(w)).criminal_cases!);
  });

  test('charges: add from the catalogue, withdraw (kept, marked), 409 when withdrawn twice', async () => {
    const { caseId, body } = await personWithCase(w);
    const added = await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, w.h.legal1!, { offenceCode: 'HOM-AGRAVADO', attempted: true, version: body.version });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const charge = (added.body.charges as Charge[]).find((c) => c.offenceCode === 'HOM-AGRAVADO')!;
    assert.equal(charge.attempted, true);
    const stale = await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, w.h.legal1!, { offenceCode: 'HURTO', version: body.version });
    assert.equal(stale.status, 409);
    const withdrawn = await api(w, 'POST', `/api/v1/cases/${caseId}/charges/${charge.id}/withdraw`, w.h.legal1!, {});
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
    assert.ok((withdrawn.body.charges as Charge[]).find((c) => c.id === charge.id)!.withdrawnAt);
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/charges/${charge.id}/withdraw`, w.h.legal1!, {})).status, 409);
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/charges/00000000-0000-4000-8000-000000000000/withdraw`, w.h.legal1!, {})).status, 404);
  });

  test('close: reason and date (not future, not before the admission), then nothing changes; openCasesOf drops it', async () => {
    const { episodeId, caseId, body } = await personWithCase(w);
    const url = `/api/v1/cases/${caseId}/close`;
    const before = await counts(w);
    const tomorrow = new Date(Date.parse(`${today()}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const future = await api(w, 'POST', url, w.h.legal1!, { reason: 'dismissed', closedOn: tomorrow, version: body.version });
    assert.equal(future.status, 422);
    assert.deepEqual(paths(future.body), ['closedOn']);
    const early = await api(w, 'POST', url, w.h.legal1!, { reason: 'dismissed', closedOn: '2020-01-01', version: body.version });
    assert.equal(early.status, 422);
    assert.deepEqual(paths(early.body), ['closedOn']);
    const badOrder = await api(w, 'POST', url, w.h.legal1!, { reason: 'dismissed', closedOn: today(), closureOrderId: '00000000-0000-4000-8000-000000000000', version: body.version });
    assert.equal(badOrder.status, 422);
    assert.deepEqual(paths(badOrder.body), ['closureOrderId']);
    const badReason = await api(w, 'POST', url, w.h.legal1!, { reason: 'pardoned', closedOn: today(), version: body.version });
    assert.equal(badReason.status, 400);
    assert.deepEqual(paths(badReason.body), ['reason']);
    assert.deepEqual(await counts(w), before);

    const closed = await api(w, 'POST', url, w.h.legal1!, { reason: 'dismissed', closedOn: today(), version: body.version });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.open, false);
    assert.equal(closed.body.closureReason, 'dismissed');
    assert.ok(!(await openCasesOf(w.env.state.db, episodeId)).some((c) => c.id === caseId));
    assert.equal((await openCasesOf(w.env.state.db, episodeId)).length, 1); // the admission's case still holds the person
    const again = await api(w, 'PUT', `/api/v1/cases/${caseId}`, w.h.legal1!, { ...caseBody(), charges: undefined, version: closed.body.version });
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'case_closed');
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, w.h.legal1!, { offenceCode: 'HURTO' })).status, 409);
  });
});

describe('access and scope', () => {
  test('a person outside the caller\'s centres answers 404 everywhere; legal.read to read, case.write to write', async () => {
    const { personId, caseId, body } = await personWithCase(w);
    const colon = w.h.officerColon!;
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}/cases`, colon)).status, 404);
    assert.equal((await api(w, 'GET', `/api/v1/cases/${caseId}`, colon)).status, 404);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/cases`, colon, caseBody())).status, 404);
    assert.equal((await api(w, 'PUT', `/api/v1/cases/${caseId}`, colon, { ...caseBody(), charges: undefined, version: body.version })).status, 404);
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/close`, colon, { reason: 'other', closedOn: today(), version: body.version })).status, 404);
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, colon, { offenceCode: 'HURTO' })).status, 404);
    assert.equal((await api(w, 'GET', '/api/v1/cases/00000000-0000-4000-8000-000000000000', w.h.legal1!)).status, 404);
    // The duty officer reads people but not their cases; the inspector reads cases, writes nothing.
    assert.equal((await api(w, 'GET', `/api/v1/persons/${personId}/cases`, w.h.duty!)).status, 403);
    assert.equal((await api(w, 'GET', `/api/v1/cases/${caseId}`, w.h.inspector!)).status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/cases`, w.h.inspector!, caseBody())).status, 403);
  });

  test('a person released has no open episode: 422 naming personId', async () => {
    const { personId } = await personWithCase(w);
    await w.env.state.db.updateTable('custody_episodes').set({ released_at: new Date(), release_reason: 'court_order' }).where('person_id', '=', personId).execute();
    await w.env.state.db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', personId).execute();
    const r = await api(w, 'POST', `/api/v1/persons/${personId}/cases`, w.h.officer!, caseBody());
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['personId']);
  });
});
