// Court hearings through the API, on both databases: scheduled per case, postponed (a new
// hearing replaces the old) and cancelled with the version read; the daily list of a centre
// holds the people held there with a hearing that day; "take to court" records the court
// absence through the movements service (court_out) and links it; the return ends it
// (court_return) and records the hearing as held; people no longer held leave the lists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { localToIso } from '../admission/local-time.ts';
import { todayIn } from '../../platform/time.ts';
import { api, counts, minutesAgo, paths, personWithCase, setUpCaseWorld, type CaseWorld } from './test-support.ts';

let w: CaseWorld;
before(async () => {
  w = await setUpCaseWorld();
});
after(() => w.env.close());

type Hearing = { id: string; caseId: string; personId: string; status: string; scheduledAt: string; court: string; absenceId: string | null; outcome: string | null; version: number; held: boolean };
const tz = () => w.env.settings.timeZone;
/** Today (or `days` from today) at hh:mm where the centres are. */
const dayAt = (days: number, hhmm: string): string => {
  const day = new Date(Date.parse(`${todayIn(tz())}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  return localToIso(`${day}T${hhmm}`, tz())!;
};
const courtList = async (who = 'officer', code = 'PA-LJ', date?: string) => api(w, 'GET', `/api/v1/facilities/${code}/court-list${date ? `?date=${date}` : ''}`, w.h[who]!);
const movementKinds = async (personId: string) =>
  (await w.env.state.db.selectFrom('movements').select('kind').where('person_id', '=', personId).orderBy('occurred_at').orderBy('recorded_at').execute()).map((m) => m.kind);

async function schedule(caseId: string, scheduledAt: string, extra: Record<string, unknown> = {}): Promise<Hearing> {
  const r = await api(w, 'POST', `/api/v1/cases/${caseId}/hearings`, w.h.legal1!, { scheduledAt, purpose: 'Audiencia de revisión de medida cautelar', ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as unknown as Hearing;
}

describe('scheduling', () => {
  test('court defaults to the case\'s court; bad input 4xx naming the field, nothing stored', async () => {
    const { caseId } = await personWithCase(w);
    const h = await schedule(caseId, dayAt(3, '09:30'));
    assert.equal(h.court, 'Juzgado de Garantías del Primer Circuito Judicial de Panamá');
    assert.equal(h.status, 'scheduled');
    const before = await counts(w);
    const url = `/api/v1/cases/${caseId}/hearings`;
    const bad: [Record<string, unknown>, number, string][] = [
      [{ scheduledAt: 'mañana', purpose: 'Audiencia' }, 400, 'scheduledAt'],
      [{ scheduledAt: dayAt(-60, '09:00'), purpose: 'Audiencia' }, 422, 'scheduledAt'],
      [{ scheduledAt: dayAt(2000, '09:00'), purpose: 'Audiencia' }, 422, 'scheduledAt'],
      [{ scheduledAt: dayAt(1, '09:00'), purpose: '   ' }, 422, 'purpose'],
      [{ scheduledAt: dayAt(1, '09:00') }, 400, 'purpose'],
    ];
    for (const [body, status, path] of bad) {
      const r = await api(w, 'POST', url, w.h.legal1!, body);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), [path]);
    }
    assert.deepEqual(await counts(w), before);
    // A case at a prosecutor's office has no default court.
    const { caseId: fiscal } = await personWithCase(w, { authorityKind: 'prosecutor', authorityName: 'Fiscalía Metropolitana de Drogas' });
    const noCourt = await api(w, 'POST', `/api/v1/cases/${fiscal}/hearings`, w.h.legal1!, { scheduledAt: dayAt(1, '10:00'), purpose: 'Audiencia de imputación' });
    assert.equal(noCourt.status, 422);
    assert.deepEqual(paths(noCourt.body), ['court']);
    // Outside the caller's centres: 404.
    assert.equal((await api(w, 'POST', url, w.h.officerColon!, { scheduledAt: dayAt(1, '10:00'), purpose: 'Audiencia' })).status, 404);
  });

  test('postpone (the old kept as postponed, a new one scheduled) and cancel, with the version read', async () => {
    const { caseId } = await personWithCase(w);
    const h = await schedule(caseId, dayAt(5, '10:00'));
    const stale = await api(w, 'POST', `/api/v1/hearings/${h.id}/postpone`, w.h.legal1!, { scheduledAt: dayAt(12, '10:00'), version: h.version + 1 });
    assert.equal(stale.status, 409);
    const next = await api(w, 'POST', `/api/v1/hearings/${h.id}/postpone`, w.h.legal1!, { scheduledAt: dayAt(12, '10:00'), reason: 'Inasistencia del defensor', version: h.version });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.notEqual(next.body.id, h.id);
    assert.equal(next.body.status, 'scheduled');
    const old = await api(w, 'GET', `/api/v1/hearings/${h.id}`, w.h.officer!);
    assert.equal(old.body.status, 'postponed');
    assert.equal(old.body.outcome, 'Inasistencia del defensor');
    assert.equal((await api(w, 'POST', `/api/v1/hearings/${h.id}/cancel`, w.h.legal1!, { reason: 'x', version: old.body.version })).status, 409);
    const cancelled = await api(w, 'POST', `/api/v1/hearings/${next.body.id}/cancel`, w.h.legal1!, { reason: 'El tribunal la suspendió', version: next.body.version });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    const upcoming = await api(w, 'GET', '/api/v1/hearings?facility=PA-LJ', w.h.officer!);
    assert.ok(!(upcoming.body.items as Hearing[]).some((x) => x.caseId === caseId));
  });
});

describe('the daily list and taking people to court', () => {
  test('take to court writes court_out through the movements service; the return writes court_return and records the hearing held', async () => {
    const { personId, caseId } = await personWithCase(w);
    // Now: today's list, whatever the hour.
    const h = await schedule(caseId, new Date().toISOString());
    const list = await courtList();
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.date, todayIn(tz()));
    const row = (list.body.items as Hearing[]).find((x) => x.id === h.id);
    assert.ok(row, 'on today\'s list');
    assert.equal(row.held, true);
    // Not on another centre's list, nor for a user of another centre.
    assert.ok(!((await courtList('officerLJT', 'PA-LJT')).body.items as Hearing[]).some((x) => x.id === h.id));
    assert.equal((await courtList('officerColon')).status, 404);

    // The duty officer (custody.move) takes the person.
    const taken = await api(w, 'POST', `/api/v1/hearings/${h.id}/take`, w.h.duty!, { outAt: minutesAgo(1), version: h.version });
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.status, 'taken');
    assert.ok(taken.body.absenceId);
    const absence = await w.env.state.db.selectFrom('absences').selectAll().where('id', '=', taken.body.absenceId as string).executeTakeFirstOrThrow();
    assert.equal(absence.kind, 'court');
    assert.equal(absence.destination, h.court);
    assert.deepEqual(await movementKinds(personId), ['admission', 'court_out']);
    // Taken twice: 409, nothing written.
    const before = await counts(w);
    assert.equal((await api(w, 'POST', `/api/v1/hearings/${h.id}/take`, w.h.duty!, {})).status, 409);
    assert.deepEqual(await counts(w), before);
    // Still on the list, as out at court.
    assert.equal(((await courtList()).body.items as Hearing[]).find((x) => x.id === h.id)?.status, 'taken');

    const back = await api(w, 'POST', `/api/v1/hearings/${h.id}/return`, w.h.duty!, { outcome: 'Se mantuvo la detención provisional' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.status, 'held');
    assert.equal(back.body.outcome, 'Se mantuvo la detención provisional');
    assert.ok(back.body.backAt);
    assert.deepEqual(await movementKinds(personId), ['admission', 'court_out', 'court_return']);
  });

  test('a return recorded through the movements flow: the hearing stays taken until its outcome is recorded', async () => {
    const { personId, caseId } = await personWithCase(w);
    const h = await schedule(caseId, new Date().toISOString());
    const taken = await api(w, 'POST', `/api/v1/hearings/${h.id}/take`, w.h.officer!, {});
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal((await api(w, 'POST', `/api/v1/absences/${taken.body.absenceId}/return`, w.h.duty!, {})).status, 200);
    const seen = (await api(w, 'GET', `/api/v1/hearings/${h.id}`, w.h.officer!)).body;
    assert.equal(seen.status, 'taken');
    assert.ok(seen.backAt);
    const held = await api(w, 'POST', `/api/v1/hearings/${h.id}/held`, w.h.legal1!, { outcome: 'Se fijó fecha de audiencia intermedia', version: seen.version });
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal(held.body.status, 'held');
    assert.deepEqual(await movementKinds(personId), ['admission', 'court_out', 'court_return']);
  });

  test('people no longer held leave the lists; a closed case\'s hearings are cancelled', async () => {
    const a = await personWithCase(w);
    const ha = await schedule(a.caseId, new Date().toISOString());
    await w.env.state.db.updateTable('custody_episodes').set({ released_at: new Date(), release_reason: 'court_order' }).where('id', '=', a.episodeId).execute();
    await w.env.state.db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', a.personId).execute();
    assert.ok(!((await courtList()).body.items as Hearing[]).some((x) => x.id === ha.id));
    assert.ok(!((await api(w, 'GET', '/api/v1/hearings', w.h.officer!)).body.items as Hearing[]).some((x) => x.id === ha.id));
    assert.equal((await api(w, 'POST', `/api/v1/hearings/${ha.id}/take`, w.h.officer!, {})).status, 409);

    const b = await personWithCase(w);
    const hb = await schedule(b.caseId, dayAt(2, '11:00'));
    const closed = await api(w, 'POST', `/api/v1/cases/${b.caseId}/close`, w.h.legal1!, { reason: 'detention_lifted', closedOn: todayIn(tz()), version: (b.body.version as number) });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal((await api(w, 'GET', `/api/v1/hearings/${hb.id}`, w.h.officer!)).body.status, 'cancelled');
    assert.equal((await api(w, 'POST', `/api/v1/cases/${b.caseId}/hearings`, w.h.legal1!, { scheduledAt: dayAt(3, '09:00'), purpose: 'Audiencia' })).status, 409);
  });

  test('permissions: custody.move takes, hearing.write schedules; a bad date on the list is named', async () => {
    const { caseId } = await personWithCase(w);
    const h = await schedule(caseId, dayAt(1, '09:00'));
    assert.equal((await api(w, 'POST', `/api/v1/hearings/${h.id}/take`, w.h.legal1!, {})).status, 403); // legal has no custody.move
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/hearings`, w.h.duty!, { scheduledAt: dayAt(1, '09:00'), purpose: 'x' })).status, 403);
    const bad = await courtList('officer', 'PA-LJ', '2026-02-30');
    assert.equal(bad.status, 400);
    assert.deepEqual(paths(bad.body), ['date']);
    const tomorrow = await courtList('officer', 'PA-LJ', dayAt(1, '12:00').slice(0, 10));
    assert.equal(tomorrow.status, 200);
  });
});
