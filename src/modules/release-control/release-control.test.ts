// Release control through the API and the daily control, on both databases: the red list and
// its critical alert (raised once, closed by the release or an explanation), another case as
// the automatic explanation, the pretrial list and its thresholds (each alert once), the
// confirmation of a computation by a second legal user, and the control rule set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitPerson, api, paths, verifiedReleaseOrder } from '../movements/test-support.ts';
import { runReleaseControl } from './service.ts';
import { controlRuleSetInForce, controlRuleSets, getControlRuleSet, pretrialThresholds } from './rule-sets.ts';
import { allAlerts, openAlerts, openCase, openCasesOf, sentenceOpenCases, sentencedEnding, setUpControlWorld, shift, storeComputation, verifiedSentence, type ControlWorld } from './test-support.ts';
import { alertsForActor } from '../alerts/service.ts';
import { loadActor } from '../../platform/access/actor.ts';

let w: ControlWorld;
before(async () => {
  w = await setUpControlWorld();
});
after(() => w.env.close());

const run = () => runReleaseControl(w.env.state.db, { today: w.today });
type Item = { personId: string; state?: string; days?: number; level?: string | null; thresholdsReached?: number[]; cases?: { caseNumber: string }[]; holdingCases?: { caseNumber: string }[]; alertId?: string | null };
const board = async (who = 'director') => {
  const r = await api(w, 'GET', '/api/v1/facilities/PA-LJ/release-control', w.h[who]!);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as { overdue: Item[]; due: Item[]; soon: Item[]; twoThirds: { total: number; items: Item[] } };
};
const onRedList = async (personId: string) => (await board()).overdue.find((i) => i.personId === personId);

async function homeAlertsOf(username: 'director' | 'directorNational', personId: string) {
  const actor = await loadActor(w.env.state.db, w.users[username].id, 'token');
  return (await alertsForActor(w.env.state.db, actor!, { limit: 200 })).filter((a) => a.personId === personId);
}

describe('the control rule set', () => {
  test('versioned, frozen, each parameter with its legal basis', () => {
    const rs = controlRuleSetInForce(w.today);
    assert.equal(rs.id, 'PA-CONTROL/1');
    assert.equal(getControlRuleSet('PA-CONTROL/1'), rs);
    assert.ok(Object.isFrozen(rs) && Object.isFrozen(rs.values) && Object.isFrozen(rs.parameters.pretrialAlertDays));
    assert.deepEqual(pretrialThresholds(rs), [
      { level: 'limit', days: 365 },
      { level: 'escalation', days: 1095 },
    ]);
    assert.equal(rs.values.releaseOrderRequired, true);
    assert.equal(rs.parameters.pretrialEscalationDays.interpretive, true);
    for (const p of Object.values(rs.parameters)) assert.ok(p.legalBasis && p.description.es && p.description.en, p.name);
    assert.throws(() => {
      (rs.values as { pretrialAlertDays: number }).pretrialAlertDays = 1;
    });
    assert.equal(Object.keys(controlRuleSets).length, 1);
  });

  test('the API lists it', async () => {
    const r = await api(w, 'GET', '/api/v1/release-control/rule-sets', w.h.inspector!);
    assert.equal(r.status, 200);
    const list = r.body as unknown as { id: string; parameters: { name: string; value: unknown; legalBasis: string }[] }[];
    assert.equal(list[0]!.id, 'PA-CONTROL/1');
    const p = list[0]!.parameters.find((x) => x.name === 'pretrialAlertDays')!;
    assert.equal(p.value, 365);
    assert.equal(p.legalBasis, 'CPP arts. 12 ¶2, 237');
  });
});

describe('the red list', () => {
  test('a person held past the end date is on it, raises one critical alert to the director and headquarters, and leaves it when released', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    const sentencedIn = await sentenceOpenCases(w, personId, episodeId);
    const orderId = await verifiedReleaseOrder(w, { caseNumber: 'RC-RED-1' });
    const computationId = await sentencedEnding(w, personId, episodeId, 5);

    const item = await onRedList(personId);
    assert.ok(item, 'on the red list');
    assert.equal(item.state, 'unexplained');
    assert.equal((item as unknown as { daysOverdue: number }).daysOverdue, 5);
    const red = await api(w, 'GET', '/api/v1/release-control/red-list', w.h.directorNational!);
    assert.ok((red.body.items as Item[]).some((i) => i.personId === personId));
    // Another centre's staff do not see it.
    const colon = await api(w, 'GET', '/api/v1/release-control/red-list', w.h.officerColon!);
    assert.ok(!(colon.body.items as Item[]).some((i) => i.personId === personId));
    assert.equal((await api(w, 'GET', '/api/v1/facilities/PA-LJ/release-control', w.h.officerColon!)).status, 404);

    // The daily control raises the critical alert once, however often it runs.
    const first = await run();
    assert.ok(first.overdueAlerts >= 1);
    await run();
    const alerts = await openAlerts(w, personId, 'release_overdue');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.severity, 'critical');
    assert.equal(alerts[0]!.recipient_role, 'director');
    assert.equal(alerts[0]!.facility_code, 'PA-LJ');
    assert.equal((await onRedList(personId))!.alertId, alerts[0]!.id);
    // On both dashboards: the centre's director and headquarters.
    assert.equal((await homeAlertsOf('director', personId)).length, 1);
    assert.equal((await homeAlertsOf('directorNational', personId)).length, 1);
    // Closing it by hand does not make the cause go away: the next run raises it again.
    await w.env.state.db.updateTable('alerts').set({ closed_at: new Date() }).where('id', '=', alerts[0]!.id).execute();
    await run();
    assert.equal((await openAlerts(w, personId, 'release_overdue')).length, 1);

    // Released for sentence served: confirmed computation, verified release order.
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/sentence-computation/confirm`, w.h.legal3!, { computationId })).status, 200);
    const rec = await api(w, 'POST', '/api/v1/releases', w.h.officer!, { personId, orderId, reason: 'sentence_served' });
    assert.equal(rec.status, 201, JSON.stringify(rec.body));
    // Recorded, not yet confirmed: still held, still red.
    assert.ok(await onRedList(personId));
    const ok = await api(w, 'POST', `/api/v1/releases/${rec.body.id}/confirm`, w.h.officer2!, { propertyReturned: true, version: rec.body.version });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await onRedList(personId), undefined);
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), []);
    await run();
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), []);
    // The served cases were closed by the release.
    assert.deepEqual(await openCasesOf(w, episodeId), []);
    const closed = await w.env.state.db.selectFrom('criminal_cases').select(['case_number', 'closure_reason']).where('episode_id', '=', episodeId).execute();
    assert.deepEqual(closed.map((k) => k.case_number).sort(), [...sentencedIn].sort());
    assert.ok(closed.every((k) => k.closure_reason === 'sentence_served'));
  });

  test('an explanation (at least 10 characters) takes the person off the red alert; the list shows it', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await sentenceOpenCases(w, personId, episodeId);
    const computationId = await sentencedEnding(w, personId, episodeId, 2);
    await run();
    assert.equal((await openAlerts(w, personId, 'release_overdue')).length, 1);

    const short = await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.director!, { explanation: 'boleta  ' });
    assert.equal(short.status, 422, JSON.stringify(short.body));
    assert.deepEqual(paths(short.body), ['explanation']);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.officer!, { explanation: 'La boleta de libertad viene en camino' })).status, 403);
    assert.equal((await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.officerColon!, { explanation: 'La boleta de libertad viene en camino' })).status, 403);
    const stale = await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.director!, { explanation: 'La boleta de libertad viene en camino', computationId: '00000000-0000-4000-8000-000000000000' });
    assert.equal(stale.status, 409);

    const ok = await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.director!, { explanation: 'La boleta de libertad viene en camino desde el Juzgado', computationId });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.alertsClosed, 1);
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), []);
    const item = await onRedList(personId);
    assert.equal(item?.state, 'explained');
    await run();
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), [], 'an explained person raises no new alert');
    assert.equal((await homeAlertsOf('director', personId)).length, 0);

    // A recompute (a new computation, still overdue) needs a new explanation.
    await sentencedEnding(w, personId, episodeId, 1);
    assert.equal((await onRedList(personId))?.state, 'unexplained');
    await run();
    assert.equal((await openAlerts(w, personId, 'release_overdue')).length, 1);
    // Recomputed to end in the future: off the list, the alert closes.
    await sentencedEnding(w, personId, episodeId, -10);
    assert.equal(await onRedList(personId), undefined);
    await run();
    assert.deepEqual(await openAlerts(w, personId, 'release_overdue'), []);
    const notOverdue = await api(w, 'POST', `/api/v1/persons/${personId}/overdue-explanations`, w.h.legal1!, { explanation: 'Una explicación sin objeto' });
    assert.equal(notOverdue.status, 422);
    assert.deepEqual(paths(notOverdue.body), ['personId']);
  });

  test('another open case holding the person is the automatic explanation, shown on the list', async () => {
    const { personId, episodeId } = await admitPerson(w);
    await sentenceOpenCases(w, personId, episodeId);
    const served = await openCase(w, personId, episodeId, 'RC-SERVED-1');
    await verifiedSentence(w, personId, served.id, served.caseNumber);
    await openCase(w, personId, episodeId, 'RC-PENDING-1', 'prosecutor');
    await sentencedEnding(w, personId, episodeId, 3);
    const item = await onRedList(personId);
    assert.equal(item?.state, 'held_by_case');
    assert.deepEqual(item.holdingCases!.map((k) => k.caseNumber), ['RC-PENDING-1']);
    await run();
    assert.deepEqual(await allAlerts(w, personId, 'release_overdue'), []);
  });
});

describe('releases due and the two-thirds agenda', () => {
  test('due today raises release_due to the legal office once; coming soon and two thirds are listed', async () => {
    const a = await admitPerson(w);
    await sentencedEnding(w, a.personId, a.episodeId, 0);
    const b = await admitPerson(w);
    await sentencedEnding(w, b.personId, b.episodeId, -12);
    const bo = await board('legalLJ');
    assert.ok(bo.due.some((i) => i.personId === a.personId));
    assert.ok(bo.soon.some((i) => i.personId === b.personId));
    assert.ok(bo.twoThirds.items.some((i) => i.personId === b.personId));
    assert.ok(!bo.overdue.some((i) => i.personId === a.personId), 'due today is not overdue');
    await run();
    await run();
    const due = await allAlerts(w, a.personId, 'release_due');
    assert.equal(due.length, 1);
    assert.equal(due[0]!.recipient_role, 'legal');
    assert.deepEqual(await allAlerts(w, b.personId, 'release_due'), []);
  });
});

describe('the pretrial list', () => {
  test('longest first, with cases and alert date; each threshold raises its alert once, to the director and the legal office', async () => {
    const short = await admitPerson(w);
    await storeComputation(w, { personId: short.personId, episodeId: short.episodeId, status: 'pretrial', pretrialDays: 30 });
    const year = await admitPerson(w);
    const yearCase = await openCase(w, year.personId, year.episodeId, 'RC-PRE-1');
    await storeComputation(w, { personId: year.personId, episodeId: year.episodeId, status: 'pretrial', asOf: shift(w.today, -10), pretrialDays: 390 });
    const long = await admitPerson(w);
    await storeComputation(w, { personId: long.personId, episodeId: long.episodeId, status: 'pretrial', pretrialDays: 1100 });

    const r = await api(w, 'GET', '/api/v1/facilities/PA-LJ/pretrial?limit=500', w.h.legalLJ!);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const items = r.body.items as Item[];
    const ids = items.map((i) => i.personId).filter((id) => [short.personId, year.personId, long.personId].includes(id));
    assert.deepEqual(ids, [long.personId, year.personId, short.personId], 'longest first');
    const y = items.find((i) => i.personId === year.personId)!;
    assert.equal(y.days, 400, 'stored pretrialDays plus the days since the computation');
    assert.equal((y as unknown as { alertDate: string }).alertDate, shift(w.today, -35), 'the stored alert date: the 365th custody day');
    assert.equal(y.level, 'limit');
    assert.ok(y.cases!.some((k) => k.caseNumber === yearCase.caseNumber));
    assert.equal(items.find((i) => i.personId === long.personId)!.level, 'escalation');
    assert.equal(items.find((i) => i.personId === short.personId)!.level, null);
    assert.equal((await api(w, 'GET', '/api/v1/facilities/PA-LJ/pretrial', w.h.officerColon!)).status, 404);
    assert.equal((await api(w, 'GET', '/api/v1/facilities/PA-LJ/pretrial', w.h.duty!)).status, 403);

    await run();
    const once = await allAlerts(w, year.personId, 'pretrial_limit');
    assert.deepEqual(once.map((a) => a.recipient_role).sort(), ['director', 'legal'], 'exactly one alert per recipient');
    assert.deepEqual(await allAlerts(w, short.personId, 'pretrial_limit'), []);
    const both = await allAlerts(w, long.personId, 'pretrial_limit');
    assert.equal(both.length, 4, 'two thresholds, two recipients');
    assert.equal(both.filter((a) => a.severity === 'critical').length, 2);
    // Idempotent: another run (or the next day) raises nothing new, even after the alert is closed.
    await w.env.state.db.updateTable('alerts').set({ closed_at: new Date() }).where('id', '=', once[0]!.id).execute();
    const again = await run();
    assert.equal((await allAlerts(w, year.personId, 'pretrial_limit')).length, 2);
    assert.equal((await allAlerts(w, long.personId, 'pretrial_limit')).length, 4);
    assert.equal(again.pretrialAlerts, 0);
    // The centre's director and the legal office see it on their dashboards.
    assert.equal((await homeAlertsOf('director', long.personId)).filter((a) => a.typeCode === 'pretrial_limit').length, 2);
  });
});

describe('confirming the computation', () => {
  test('by a legal user other than the registrant and the verifier of the sentence; a recompute needs a new confirmation', async () => {
    const { personId, episodeId } = await admitPerson(w);
    const k = await openCase(w, personId, episodeId, 'RC-CONF-1');
    await verifiedSentence(w, personId, k.id, k.caseNumber);
    const first = await sentencedEnding(w, personId, episodeId, -100);
    const url = `/api/v1/persons/${personId}/sentence-computation/confirm`;

    for (const who of ['legal1', 'legal2']) {
      const r = await api(w, 'POST', url, w.h[who]!, { computationId: first });
      assert.equal(r.status, 422, `${who}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), ['confirmedBy']);
    }
    assert.equal((await api(w, 'POST', url, w.h.officer!, { computationId: first })).status, 403);
    assert.equal((await api(w, 'POST', url, w.h.director!, { computationId: first })).status, 403);
    assert.equal((await api(w, 'POST', url, w.h.legal3!, { computationId: '00000000-0000-4000-8000-000000000000' })).status, 409);
    const garbage = await api(w, 'POST', url, w.h.legal3!, { computationId: 'el-último' });
    assert.equal(garbage.status, 422);
    assert.deepEqual(paths(garbage.body), ['computationId']);

    const ok = await api(w, 'POST', url, w.h.legal3!, { computationId: first });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((ok.body.computation as { confirmedBy: { id: string } }).confirmedBy.id, w.users.legal3.id);
    assert.equal((await api(w, 'POST', url, w.h.legalLJ!, { computationId: first })).status, 409, 'already confirmed');
    const audit = await w.env.state.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'sentence_computation.confirmed').where('target_id', '=', first).execute();
    assert.deepEqual(audit.map((a) => a.actor_id), [w.users.legal3.id]);

    const check = await api(w, 'GET', `/api/v1/persons/${personId}/release-check`, w.h.officer!);
    assert.equal(check.status, 200, JSON.stringify(check.body));
    assert.equal((check.body.computation as { confirmedBy: { id: string } | null }).confirmedBy?.id, w.users.legal3.id);
    assert.deepEqual((check.body.excludedConfirmers as string[]).sort(), [w.users.legal1.id, w.users.legal2.id].sort());

    // A recompute stores a new computation: unconfirmed, the old id is stale.
    const second = await sentencedEnding(w, personId, episodeId, -90);
    const after = await api(w, 'GET', `/api/v1/persons/${personId}/release-check`, w.h.legal3!);
    assert.equal((after.body.computation as { id: string; confirmedBy: unknown }).id, second);
    assert.equal((after.body.computation as { confirmedBy: unknown }).confirmedBy, null);
    assert.equal(after.body.canConfirm, true);
    assert.equal((await api(w, 'POST', url, w.h.legal3!, { computationId: first })).status, 409);
    assert.equal((await api(w, 'POST', url, w.h.legal3!, { computationId: second })).status, 200);

    // A pretrial computation has nothing to confirm.
    const p = await admitPerson(w);
    const pre = await storeComputation(w, { personId: p.personId, episodeId: p.episodeId, status: 'pretrial', pretrialDays: 10 });
    const r = await api(w, 'POST', `/api/v1/persons/${p.personId}/sentence-computation/confirm`, w.h.legal3!, { computationId: pre });
    assert.equal(r.status, 422);
    assert.deepEqual(paths(r.body), ['computationId']);
    const none = await admitPerson(w);
    await w.env.state.db.updateTable('sentence_computations').set({ superseded_at: new Date() }).where('person_id', '=', none.personId).where('superseded_at', 'is', null).execute();
    assert.equal((await api(w, 'POST', `/api/v1/persons/${none.personId}/sentence-computation/confirm`, w.h.legal3!, { computationId: pre })).status, 404);
  });
});
