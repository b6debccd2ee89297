// Alerts: raised inside another use case's transaction, addressed by role and centre,
// acknowledged with a note, escalated when overdue (director, then headquarters), closed,
// and configured by type — through the service, the API and the pages, against a real
// database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import { loadActor, type Actor } from '../../platform/access/actor.ts';
import { systemActor } from '../../platform/audit/audit.ts';
import { createViewEnvironment } from '../../platform/http/setup-views.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { formatDateTime } from '../../platform/i18n/i18n.ts';
import type { AppState } from '../../platform/http/context.ts';
import * as alerts from './service.ts';

let env: TestEnv;
const users: Record<string, TestUser> = {};
const tokens: Record<string, Record<string, string>> = {};
let personLJ: string; // a person held at PA-LJ
let personCO: string; // a person held at CO-NES

type Json = Record<string, unknown> & { error?: { code: string; fields?: { path: string; message: string }[] } };

async function api(method: 'GET' | 'POST' | 'PUT', url: string, who: string | Record<string, string>, payload?: unknown) {
  const headers = typeof who === 'string' ? tokens[who]! : who;
  const res = await env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: (res.body ? res.json() : {}) as Json, headers: res.headers };
}

const actorOf = async (name: string): Promise<Actor> => (await loadActor(env.state.db, users[name]!.id, 'token'))!;

async function raise(input: Partial<alerts.RaiseAlertInput> = {}): Promise<string> {
  return env.state.db.transaction().execute((trx) => alerts.raiseAlert(trx, { typeCode: 'medical', facilityCode: 'PA-LJ', summary: 'Dolor torácico al ingreso', raisedBy: null, ...input }, systemActor));
}

async function row(id: string) {
  return env.state.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function auditActions(id: string): Promise<string[]> {
  return (await env.state.db.selectFrom('audit_log').select('action').where('target_type', '=', 'alert').where('target_id', '=', id).orderBy('id').execute()).map((r) => r.action);
}

const mineIds = async (name: string): Promise<string[]> => (await alerts.alertsForActor(env.state.db, await actorOf(name), { limit: 200 })).map((a) => a.id);
const after1s = (d: Date) => new Date(d.getTime() + 1000);

async function insertPerson(number: string, facility: string): Promise<string> {
  const r = await env.state.db
    .insertInto('persons')
    .values({ prisoner_number: number, given_names: 'José', first_surname: 'Pérez', second_surname: 'Rodríguez', sex: 'male', nationality: 'PA', location_facility_code: facility, custody_status: 'in_custody' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

before(async () => {
  env = await startTestApp();
  // Pages for an administrator need a second factor by default; these tests are about alerts.
  await env.state.db.insertInto('role_policies').values({ role: 'admin', mfa_required: false }).execute();
  const specs: [string, Parameters<typeof createUser>[1]][] = [
    ['healthLJ', { username: 'al.health.lj', roles: ['health'], facilities: ['PA-LJ'] }],
    ['healthCO', { username: 'al.health.co', roles: ['health'], facilities: ['CO-NES'] }],
    ['officerLJ', { username: 'al.officer.lj', roles: ['records_officer'], facilities: ['PA-LJ'] }],
    ['directorLJ', { username: 'al.director.lj', roles: ['director'], facilities: ['PA-LJ'] }],
    ['directorCO', { username: 'al.director.co', roles: ['director'], facilities: ['CO-NES'] }],
    ['hq', { username: 'al.director.hq', roles: ['director'], national: true }],
    ['admin', { username: 'al.admin', roles: ['admin'], national: true }],
    ['inspector', { username: 'al.inspector', roles: ['inspector'], national: true }],
    ['statistician', { username: 'al.stats', roles: ['statistician'], national: true }],
  ];
  for (const [name, spec] of specs) {
    users[name] = await createUser(env, spec);
    tokens[name] = await bearerFor(env, users[name]);
  }
  personLJ = await insertPerson('PPL-900001', 'PA-LJ');
  personCO = await insertPerson('PPL-900002', 'CO-NES');
});
after(() => env.close());

describe('raising', () => {
  test('an alert raised in a use case\'s transaction takes its defaults from the type and is audited', async () => {
    const before = Date.now();
    const id = await raise({ personId: personLJ });
    const r = await row(id);
    assert.equal(r.recipient_role, 'health');
    assert.equal(r.severity, 'high');
    assert.equal(r.escalation_level, 0);
    assert.equal(r.facility_code, 'PA-LJ');
    const hours = (r.due_at.getTime() - r.raised_at.getTime()) / 3_600_000;
    assert.equal(hours, 24);
    assert.ok(r.raised_at.getTime() >= before - 1000);
    assert.deepEqual(await auditActions(id), ['alert.raised']);
  });

  test('the person\'s centre is the default; explicit severity, recipient and due time are kept', async () => {
    const due = new Date(Date.now() + 3_600_000);
    const id = await raise({ facilityCode: undefined, personId: personCO, severity: 'critical', recipientRole: 'director', dueAt: due, details: { injuries: 'hematoma en el brazo' } });
    const r = await row(id);
    assert.equal(r.facility_code, 'CO-NES');
    assert.equal(r.severity, 'critical');
    assert.equal(r.recipient_role, 'director');
    assert.equal(r.due_at.getTime(), due.getTime());
    assert.deepEqual(r.details, { injuries: 'hematoma en el brazo' });
  });

  test('it rolls back with the use case that raised it', async () => {
    const n = async () => Number((await sql<{ n: string }>`select count(*) as n from alerts`.execute(env.state.db)).rows[0]!.n);
    const count = await n();
    await assert.rejects(
      env.state.db.transaction().execute(async (trx) => {
        await alerts.raiseAlert(trx, { typeCode: 'medical', facilityCode: 'PA-LJ', summary: 'x', raisedBy: null }, systemActor);
        throw new Error('the admission failed');
      }),
    );
    assert.equal(await n(), count);
  });

  test('an unknown or inactive type, an unknown centre or person, an empty summary: 422 naming the field', async () => {
    const rule = async (input: Partial<alerts.RaiseAlertInput>, path: string) => {
      await assert.rejects(raise(input), (e: { status: number; fields: { path: string }[] }) => {
        assert.equal(e.status, 422);
        assert.equal(e.fields[0]?.path, path);
        return true;
      });
    };
    await rule({ typeCode: 'no_such_type' }, 'typeCode');
    await rule({ facilityCode: 'PA-ZZZ' }, 'facilityCode');
    await rule({ personId: '00000000-0000-4000-8000-000000000000' }, 'personId');
    await rule({ summary: '   ' }, 'summary');
    await rule({ recipientRole: 'warden' }, 'recipientRole');
    await env.state.db.insertInto('alert_types').values({ code: 'retired_type', name_es: 'Antiguo', name_en: 'Old', default_severity: 'low', recipient_role: 'health', acknowledge_within_hours: 1, active: false }).execute();
    await rule({ typeCode: 'retired_type' }, 'typeCode');
  });
});

describe('who sees an alert', () => {
  test('the recipient role at that centre, not other roles nor other centres', async () => {
    const id = await raise();
    assert.ok((await mineIds('healthLJ')).includes(id));
    assert.ok(!(await mineIds('healthCO')).includes(id));
    assert.ok(!(await mineIds('officerLJ')).includes(id));
    assert.ok(!(await mineIds('directorLJ')).includes(id), 'the director only once escalated');
    assert.ok(!(await mineIds('hq')).includes(id));
    const mine = await api('GET', '/api/v1/alerts?mine=true&status=open&limit=200', 'healthLJ');
    assert.equal(mine.status, 200);
    assert.ok((mine.body.items as { id: string }[]).some((a) => a.id === id));
    const other = await api('GET', '/api/v1/alerts?status=open&limit=200', 'healthCO');
    assert.ok(!(other.body.items as { id: string }[]).some((a) => a.id === id), 'another centre\'s alert is outside scope');
    assert.equal((await api('GET', `/api/v1/alerts/${id}`, 'healthCO')).status, 404);
    const one = await api('GET', `/api/v1/alerts/${id}`, 'healthLJ');
    assert.equal(one.status, 200);
    assert.equal(one.body.actionable, true);
    assert.equal(one.body.status, 'open');
    assert.deepEqual((one.body.trail as { action: string }[]).map((e) => e.action), ['raised']);
    // An inspector reads every centre's alerts but acts on none.
    const insp = await api('GET', `/api/v1/alerts/${id}`, 'inspector');
    assert.equal(insp.status, 200);
    assert.equal(insp.body.actionable, false);
  });

  test('most urgent first: severity, then due time', async () => {
    const low = await raise({ severity: 'low', dueAt: new Date(Date.now() + 60_000) });
    const critical = await raise({ severity: 'critical', dueAt: new Date(Date.now() + 7_200_000) });
    const highSoon = await raise({ severity: 'high', dueAt: new Date(Date.now() + 120_000) });
    const highLater = await raise({ severity: 'high', dueAt: new Date(Date.now() + 240_000) });
    const ids = (await mineIds('healthLJ')).filter((x) => [low, critical, highSoon, highLater].includes(x));
    assert.deepEqual(ids, [critical, highSoon, highLater, low]);
  });

  test('lists and reads are audited: one entry per query, one per alert opened', async () => {
    const count = async (action: string) => Number((await env.state.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).where('action', '=', action).executeTakeFirstOrThrow()).n);
    const lists = await count('alert.list');
    await api('GET', '/api/v1/alerts', 'inspector');
    assert.equal(await count('alert.list'), lists + 1);
    const id = await raise();
    await api('GET', `/api/v1/alerts/${id}`, 'inspector');
    assert.ok((await auditActions(id)).includes('alert.read'));
  });

  test('the list filters by centre, person, type and status', async () => {
    const id = await raise({ personId: personLJ, typeCode: 'self_harm_risk', summary: 'Manifestó ideas de autolesión' });
    const r = await api('GET', `/api/v1/alerts?personId=${personLJ}&type=self_harm_risk&facility=PA-LJ&status=open`, 'inspector');
    assert.equal(r.status, 200);
    const items = r.body.items as { id: string; person: { prisonerNumber: string; name: string }; severity: string }[];
    assert.ok(items.some((a) => a.id === id));
    const mineItem = items.find((a) => a.id === id)!;
    assert.equal(mineItem.person.prisonerNumber, 'PPL-900001');
    assert.equal(mineItem.person.name, 'José Pérez Rodríguez');
    assert.equal(mineItem.severity, 'critical');
    const closed = await api('GET', `/api/v1/alerts?personId=${personLJ}&status=closed`, 'inspector');
    assert.ok(!(closed.body.items as { id: string }[]).some((a) => a.id === id));
  });
});

describe('acknowledging', () => {
  test('with a note: the alert leaves the recipient\'s list, and it is audited', async () => {
    const id = await raise();
    const r = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'Valorado por el médico de guardia', version: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'acknowledged');
    assert.equal(r.body.acknowledgementNote, 'Valorado por el médico de guardia');
    assert.equal((r.body.acknowledgedBy as { name: string }).name, 'al.health.lj');
    assert.equal(r.body.version, 2);
    assert.ok(!(await mineIds('healthLJ')).includes(id));
    assert.deepEqual(await auditActions(id), ['alert.raised', 'alert.acknowledged']);
    const again = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'otra vez', version: 2 });
    assert.equal(again.status, 409);
    // Acknowledged alerts never escalate.
    const r0 = await row(id);
    assert.ok(!(await alerts.escalateOverdue(env.state.db, after1s(r0.due_at))).some((e) => e.id === id));
  });

  test('only a user it is addressed to, within scope: 403 for other roles, 404 for other centres', async () => {
    const id = await raise();
    assert.equal((await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'officerLJ', { note: 'Visto', version: 1 })).status, 403);
    assert.equal((await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'directorLJ', { note: 'Visto', version: 1 })).status, 403, 'not yet escalated');
    assert.equal((await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthCO', { note: 'Visto', version: 1 })).status, 404);
    assert.equal((await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'inspector', { note: 'Visto', version: 1 })).status, 403);
    assert.equal((await api('POST', `/api/v1/alerts/${id}/close`, 'officerLJ', { note: 'Visto', version: 1 })).status, 403);
    assert.equal((await row(id)).acknowledged_at, null);
  });

  test('a stale version answers 409; bad input 400 or 422 naming the field', async () => {
    const id = await raise();
    const stale = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'Atendido', version: 7 });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'version_conflict');
    const short = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: '  ok ', version: 1 });
    assert.equal(short.status, 422);
    assert.deepEqual(short.body.error?.fields?.map((f) => f.path), ['note']);
    const missing = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { version: 1 });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.fields?.[0]?.path, 'note');
    const noVersion = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'Atendido' });
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.body.error?.fields?.[0]?.path, 'version');
    const extra = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'Atendido', version: 1, by: 'x' });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error?.fields?.[0]?.path, 'by');
    const long = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'healthLJ', { note: 'x'.repeat(1001), version: 1 });
    assert.equal(long.status, 400);
    assert.equal((await api('POST', '/api/v1/alerts/nope/acknowledge', 'healthLJ', { note: 'Atendido', version: 1 })).status, 400);
    assert.equal((await api('POST', '/api/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge', 'healthLJ', { note: 'Atendido', version: 1 })).status, 404);
    assert.equal((await row(id)).version, 1, 'nothing changed');
  });

  test('closing: with a note, by the recipient; an open alert closed counts as acknowledged; then nothing more', async () => {
    const id = await raise();
    const r = await api('POST', `/api/v1/alerts/${id}/close`, 'healthLJ', { note: 'Trasladado al hospital, ya no aplica', version: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'closed');
    assert.ok(r.body.acknowledgedAt);
    assert.equal(r.body.actionable, false);
    assert.equal((await api('POST', `/api/v1/alerts/${id}/close`, 'healthLJ', { note: 'de nuevo', version: 2 })).status, 409);
    const detail = await api('GET', `/api/v1/alerts/${id}`, 'healthLJ');
    const trail = detail.body.trail as { action: string; note: string | null }[];
    assert.deepEqual(trail.map((e) => e.action), ['raised', 'closed']);
    assert.equal(trail[1]!.note, 'Trasladado al hospital, ya no aplica');
  });

  test('the raising module closes its alerts when the cause is resolved', async () => {
    const id = await raise({ personId: personLJ, typeCode: 'escape_risk' });
    const n = await env.state.db.transaction().execute((trx) => alerts.closeAlertsOf(trx, { typeCode: 'escape_risk', personId: personLJ }, 'Persona liberada', systemActor));
    assert.ok(n >= 1);
    const r = await row(id);
    assert.ok(r.closed_at);
    assert.deepEqual(await auditActions(id), ['alert.raised', 'alert.closed']);
    assert.equal(await env.state.db.transaction().execute((trx) => alerts.closeAlertsOf(trx, { alertId: id }, 'otra vez', systemActor)), 0);
  });
});

describe('escalation', () => {
  test('unacknowledged past due: level 1 for the centre director, then level 2 for headquarters', async () => {
    const id = await raise({ typeCode: 'medical' });
    const r0 = await row(id);
    assert.ok(!(await mineIds('directorLJ')).includes(id));

    // Not yet due: nothing happens.
    assert.ok(!(await alerts.escalateOverdue(env.state.db, new Date(r0.due_at.getTime() - 1000))).some((e) => e.id === id));

    const t1 = after1s(r0.due_at);
    const first = await alerts.escalateOverdue(env.state.db, t1);
    const e1 = first.find((e) => e.id === id);
    assert.ok(e1, 'escalated');
    assert.equal(e1.escalationLevel, 1);
    const r1 = await row(id);
    assert.equal(r1.escalation_level, 1);
    assert.equal(r1.escalated_at!.getTime(), t1.getTime());
    assert.equal(r1.due_at.getTime(), t1.getTime() + 24 * 3_600_000, 'a new due time: the type\'s hours from the escalation');
    assert.equal(r1.version, 2);
    assert.ok((await mineIds('directorLJ')).includes(id), 'the centre director');
    assert.ok(!(await mineIds('directorCO')).includes(id), 'not another centre\'s director');
    assert.ok((await mineIds('healthLJ')).includes(id), 'the recipient keeps it');
    const [entry] = await env.state.db.selectFrom('audit_log').selectAll().where('target_id', '=', id).where('action', '=', 'alert.escalated').execute();
    assert.equal(entry!.actor_name, 'system');
    assert.equal(entry!.actor_id, null);

    const t2 = after1s(r1.due_at);
    await alerts.escalateOverdue(env.state.db, t2);
    const r2 = await row(id);
    assert.equal(r2.escalation_level, 2);
    assert.ok((await mineIds('hq')).includes(id), 'headquarters: a national director');
    assert.ok((await mineIds('directorLJ')).includes(id));

    // Level 2 is the top: it stays there.
    assert.ok(!(await alerts.escalateOverdue(env.state.db, after1s(r2.due_at))).some((e) => e.id === id));
    assert.equal((await row(id)).escalation_level, 2);

    const trail = (await api('GET', `/api/v1/alerts/${id}`, 'hq')).body.trail as { action: string; escalationLevel: number | null }[];
    assert.deepEqual(trail.map((e) => [e.action, e.escalationLevel]), [['raised', 0], ['escalated', 1], ['escalated', 2]]);
  });

  test('run twice at the same instant, an alert escalates once', async () => {
    const id = await raise({ typeCode: 'self_harm_risk' });
    const t = after1s((await row(id)).due_at);
    const first = await alerts.escalateOverdue(env.state.db, t);
    const second = await alerts.escalateOverdue(env.state.db, t);
    assert.ok(first.some((e) => e.id === id));
    assert.ok(!second.some((e) => e.id === id));
    assert.equal((await row(id)).escalation_level, 1);
    const escalations = (await auditActions(id)).filter((a) => a === 'alert.escalated');
    assert.equal(escalations.length, 1);
  });

  test('two runs at once (two servers) escalate an alert once', async () => {
    const id = await raise({ typeCode: 'self_harm_risk' });
    const t = after1s((await row(id)).due_at);
    const [a, b] = await Promise.all([alerts.escalateOverdue(env.state.db, t), alerts.escalateOverdue(env.state.db, t)]);
    assert.equal([...a, ...b].filter((e) => e.id === id).length, 1);
    assert.equal((await row(id)).escalation_level, 1);
  });

  test('the centre director acknowledges at level 1; the escalation changed the version', async () => {
    const id = await raise();
    await alerts.escalateOverdue(env.state.db, after1s((await row(id)).due_at));
    const stale = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'directorLJ', { note: 'Enterado, se avisa a salud', version: 1 });
    assert.equal(stale.status, 409);
    const ok = await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'directorLJ', { note: 'Enterado, se avisa a salud', version: 2 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await api('POST', `/api/v1/alerts/${id}/acknowledge`, 'directorCO', { note: 'Enterado', version: 3 })).status, 404);
  });

  test('headquarters (a national director) is addressed at level 2 only', async () => {
    const id = await raise({ typeCode: 'self_harm_risk' });
    const seen = async () => (await mineIds('hq')).includes(id);
    assert.equal(await seen(), false);
    await alerts.escalateOverdue(env.state.db, after1s((await row(id)).due_at));
    assert.equal(await seen(), false);
    await alerts.escalateOverdue(env.state.db, after1s((await row(id)).due_at));
    assert.equal(await seen(), true);
  });

  test('the background timer escalates every minute', async (t) => {
    const id = await raise({ dueAt: new Date(Date.now() - 60_000) });
    t.mock.timers.enable({ apis: ['setInterval'] });
    const logged: string[] = [];
    const state: AppState = { ...env.state, ready: true };
    const stop = alerts.startAlertEscalation(state, (m) => logged.push(m));
    try {
      t.mock.timers.tick(60_000);
      for (let i = 0; i < 200 && (await row(id)).escalation_level === 0; i++) await new Promise((r) => setImmediate(r));
      assert.equal((await row(id)).escalation_level, 1);
    } finally {
      stop();
      mock.timers.reset();
    }
    assert.ok(logged.some((m) => /escalated/.test(m)));
  });
});

describe('raising by hand through the API', () => {
  test('201 with Idempotency-Key replay; scope and rules named by field', async () => {
    const body = { typeCode: 'escape_risk', facilityCode: 'PA-LJ', summary: 'Se halló un túnel en el pabellón 3', details: 'Reportado por el custodio de turno', personId: personLJ };
    const headers = { ...tokens.officerLJ!, 'idempotency-key': 'raise-1' };
    const first = await api('POST', '/api/v1/alerts', headers, body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.recipientRole, 'director');
    assert.equal(first.body.severity, 'high');
    assert.deepEqual(first.body.details, { text: 'Reportado por el custodio de turno' });
    assert.equal((first.body.raisedBy as { name: string }).name, 'al.officer.lj');
    const replay = await api('POST', '/api/v1/alerts', headers, body);
    assert.equal(replay.status, 201);
    assert.equal(replay.body.id, first.body.id);
    assert.ok((await mineIds('directorLJ')).includes(first.body.id as string));

    const outside = await api('POST', '/api/v1/alerts', 'officerLJ', { ...body, facilityCode: 'CO-NES', personId: undefined });
    assert.equal(outside.status, 422);
    assert.equal(outside.body.error?.fields?.[0]?.path, 'facilityCode');
    const otherPerson = await api('POST', '/api/v1/alerts', 'officerLJ', { ...body, personId: personCO });
    assert.equal(otherPerson.status, 422);
    assert.equal(otherPerson.body.error?.fields?.[0]?.path, 'personId');
    const unknownType = await api('POST', '/api/v1/alerts', 'officerLJ', { ...body, typeCode: 'no_such_type' });
    assert.equal(unknownType.status, 422);
    assert.equal(unknownType.body.error?.fields?.[0]?.path, 'typeCode');
    const missing = await api('POST', '/api/v1/alerts', 'officerLJ', { typeCode: 'escape_risk', facilityCode: 'PA-LJ' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.fields?.[0]?.path, 'summary');
    const wrongType = await api('POST', '/api/v1/alerts', 'officerLJ', { ...body, severity: 'urgent' });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error?.fields?.[0]?.path, 'severity');
    assert.equal((await api('POST', '/api/v1/alerts', 'inspector', body)).status, 403);
    assert.equal((await api('POST', '/api/v1/alerts', {}, body)).status, 401);
  });
});

describe('alert types', () => {
  test('every staff role reads them; only administrators change them, audited', async () => {
    const list = await api('GET', '/api/v1/alert-types', 'statistician');
    assert.equal(list.status, 200);
    const medical = (list.body.items as { code: string; acknowledgeWithinHours: number }[]).find((t) => t.code === 'medical');
    assert.equal(medical?.acknowledgeWithinHours, 24);
    assert.equal((await api('PUT', '/api/v1/alert-types/escape_risk', 'directorLJ', { acknowledgeWithinHours: 6 })).status, 403);

    const changed = await api('PUT', '/api/v1/alert-types/escape_risk', 'admin', { acknowledgeWithinHours: 6, defaultSeverity: 'critical', nameEs: 'Riesgo de evasión' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.acknowledgeWithinHours, 6);
    const entry = await env.state.db.selectFrom('audit_log').selectAll().where('action', '=', 'alert_type.updated').where('target_id', '=', 'escape_risk').executeTakeFirstOrThrow();
    assert.deepEqual(entry.before_value, { nameEs: 'Riesgo de fuga', defaultSeverity: 'high', acknowledgeWithinHours: 12 });
    const id = await raise({ typeCode: 'escape_risk' });
    const r = await row(id);
    assert.equal(r.severity, 'critical');
    assert.equal((r.due_at.getTime() - r.raised_at.getTime()) / 3_600_000, 6);
  });

  test('an inactive type cannot be raised', async () => {
    const off = await api('PUT', '/api/v1/alert-types/separation', 'admin', { active: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    const r = await api('POST', '/api/v1/alerts', 'directorLJ', { typeCode: 'separation', facilityCode: 'PA-LJ', summary: 'Separar a dos internos' });
    assert.equal(r.status, 422);
    assert.equal(r.body.error?.fields?.[0]?.path, 'typeCode');
    assert.equal((await api('PUT', '/api/v1/alert-types/separation', 'admin', { active: true })).status, 200);
    assert.equal((await api('POST', '/api/v1/alerts', 'directorLJ', { typeCode: 'separation', facilityCode: 'PA-LJ', summary: 'Separar a dos internos' })).status, 201);
  });

  test('a new type; bad input named by field; duplicates 409; unknown 404', async () => {
    const body = { code: 'habeas_corpus', nameEs: 'Hábeas corpus recibido', nameEn: 'Habeas corpus received', defaultSeverity: 'high', recipientRole: 'legal', acknowledgeWithinHours: 72 };
    const created = await api('POST', '/api/v1/alert-types', { ...tokens.admin!, 'idempotency-key': 'type-1' }, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.active, true);
    const replay = await api('POST', '/api/v1/alert-types', { ...tokens.admin!, 'idempotency-key': 'type-1' }, body);
    assert.equal(replay.status, 201);
    const dup = await api('POST', '/api/v1/alert-types', 'admin', body);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error?.fields?.[0]?.path, 'code');
    const bad = async (payload: Record<string, unknown>, status: number, path: string) => {
      const r = await api('POST', '/api/v1/alert-types', 'admin', { ...body, code: 'another_type', ...payload });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.error?.fields?.[0]?.path, path);
    };
    await bad({ code: 'Bad-Code' }, 400, 'code');
    await bad({ recipientRole: 'partner' }, 400, 'recipientRole');
    await bad({ acknowledgeWithinHours: 0 }, 400, 'acknowledgeWithinHours');
    await bad({ acknowledgeWithinHours: '24' }, 400, 'acknowledgeWithinHours');
    await bad({ nameEs: '   ' }, 422, 'nameEs');
    await bad({ colour: 'red' }, 400, 'colour');
    assert.equal((await api('PUT', '/api/v1/alert-types/no_such_type', 'admin', { active: false })).status, 404);
    assert.equal((await api('PUT', '/api/v1/alert-types/medical', 'admin', { nameEn: ' ' })).status, 422);
    assert.equal((await api('POST', '/api/v1/alert-types', 'directorLJ', body)).status, 403);
    const id = await raise({ typeCode: 'pretrial_limit' });
    assert.equal((await row(id)).recipient_role, 'legal');
  });
});

describe('pages', () => {
  let health: Session;
  before(async () => {
    health = await signIn(env, users.healthLJ!);
  });

  const form = (s: Session, fields: Record<string, string>) => ({
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });

  test('the list shows my alerts with severity and overdue; acknowledging from it with a note', async () => {
    const overdue = await raise({ summary: 'Fiebre alta sin valorar', dueAt: new Date(Date.now() - 60_000), severity: 'critical' });
    const page = await env.app.inject({ url: '/alerts', headers: { cookie: health.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Fiebre alta sin valorar/);
    assert.match(page.body, /Vencida/);
    assert.match(page.body, /govuk-tag--red" data-severity="critical"/);
    assert.match(page.body, new RegExp(`action="/alerts/${overdue}/acknowledge"`));
    assert.match(page.body, /name="_csrf" value="[^"]+"/);

    const short = await env.app.inject({ method: 'POST', url: `/alerts/${overdue}/acknowledge`, ...form(health, { note: 'x', version: '1', back: '/alerts?show=mine&status=open' }) });
    assert.equal(short.statusCode, 422);
    assert.match(short.body, /govuk-error-summary/);
    assert.match(short.body, new RegExp(`href="#note-${overdue}"`));

    const ok = await env.app.inject({ method: 'POST', url: `/alerts/${overdue}/acknowledge`, ...form(health, { note: 'Valorada en enfermería', version: '1', back: '/alerts?show=mine&status=open' }) });
    assert.equal(ok.statusCode, 302);
    assert.equal(ok.headers.location, '/alerts?show=mine&status=open&done=acknowledged');
    const after = await env.app.inject({ url: String(ok.headers.location), headers: { cookie: health.cookie } });
    assert.doesNotMatch(after.body, /Fiebre alta sin valorar/);
    assert.match(after.body, /Se acusó recibo/);
    // A "back" pointing elsewhere is ignored (no open redirect).
    const id2 = await raise();
    const evil = await env.app.inject({ method: 'POST', url: `/alerts/${id2}/acknowledge`, ...form(health, { note: 'Atendida', version: '1', back: '//evil.example/alerts' }) });
    assert.equal(evil.headers.location, '/alerts?done=acknowledged');
  });

  test('the alert page shows the trail; closing from it; a conflict is shown on the form', async () => {
    const id = await raise({ summary: 'Requiere dieta especial' });
    await alerts.escalateOverdue(env.state.db, after1s((await row(id)).due_at));
    const page = await env.app.inject({ url: `/alerts/${id}`, headers: { cookie: health.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Historial/);
    assert.match(page.body, /Escalada a la dirección del centro/);
    const stale = await env.app.inject({ method: 'POST', url: `/alerts/${id}/close`, ...form(health, { note: 'Ya tiene la dieta', version: '1', back: `/alerts/${id}` }) });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /Otra persona modificó este registro/);
    const ok = await env.app.inject({ method: 'POST', url: `/alerts/${id}/close`, ...form(health, { note: 'Ya tiene la dieta', version: '2', back: `/alerts/${id}` }) });
    assert.equal(ok.statusCode, 302);
    assert.equal(ok.headers.location, `/alerts/${id}?done=closed`);
    const closed = await env.app.inject({ url: `/alerts/${id}?done=closed`, headers: { cookie: health.cookie } });
    assert.match(closed.body, /Ya tiene la dieta/);
    assert.match(closed.body, /Cerrada/);
    assert.equal((await env.app.inject({ url: '/alerts/not-a-uuid', headers: { cookie: health.cookie } })).statusCode, 404);
  });

  test('raising by hand from the page, with a prisoner number', async () => {
    const officer = await signIn(env, users.officerLJ!);
    const empty = await env.app.inject({ method: 'POST', url: '/alerts', ...form(officer, { typeCode: '', facilityCode: '', summary: '' }) });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /href="#typeCode"/);
    assert.match(empty.body, /href="#summary"/);
    const unknown = await env.app.inject({ method: 'POST', url: '/alerts', ...form(officer, { typeCode: 'escape_risk', facilityCode: 'PA-LJ', summary: 'Amenazó con fugarse', prisonerNumber: 'PPL-900002' }) });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.body, /href="#prisonerNumber"/);
    const ok = await env.app.inject({ method: 'POST', url: '/alerts', ...form(officer, { typeCode: 'escape_risk', facilityCode: 'PA-LJ', summary: 'Amenazó con fugarse', prisonerNumber: 'ppl-900001' }) });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 500));
    const id = /^\/alerts\/([0-9a-f-]{36})\?done=raised$/.exec(String(ok.headers.location))?.[1];
    assert.ok(id);
    assert.equal((await row(id)).person_id, personLJ);
  });

  test('administrators configure the types on their page', async () => {
    const admin = await signIn(env, users.admin!);
    const page = await env.app.inject({ url: '/admin/alert-types?edit=medical', headers: { cookie: admin.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /action="\/admin\/alert-types\/medical"/);
    const fields = { nameEs: 'Atención médica', nameEn: 'Medical', defaultSeverity: 'high', recipientRole: 'health', acknowledgeWithinHours: '12', active: 'yes' };
    const bad = await env.app.inject({ method: 'POST', url: '/admin/alert-types/medical', ...form(admin, { ...fields, acknowledgeWithinHours: 'doce' }) });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /href="#edit-acknowledgeWithinHours"/);
    const ok = await env.app.inject({ method: 'POST', url: '/admin/alert-types/medical', ...form(admin, fields) });
    assert.equal(ok.statusCode, 302);
    assert.equal((await env.state.db.selectFrom('alert_types').select('acknowledge_within_hours').where('code', '=', 'medical').executeTakeFirstOrThrow()).acknowledge_within_hours, 12);
    const created = await env.app.inject({ method: 'POST', url: '/admin/alert-types', ...form(admin, { ...fields, code: 'hunger_strike', nameEs: 'Huelga de hambre', nameEn: 'Hunger strike' }) });
    assert.equal(created.statusCode, 302);
    const dup = await env.app.inject({ method: 'POST', url: '/admin/alert-types', ...form(admin, { ...fields, code: 'hunger_strike' }) });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /href="#new-code"/);
    await env.app.inject({ method: 'POST', url: '/admin/alert-types/medical', ...form(admin, { ...fields, acknowledgeWithinHours: '24' }) });
    assert.equal((await env.app.inject({ url: '/admin/alert-types', headers: { cookie: health.cookie } })).statusCode, 403);
  });

  test('the home-page partial lists the alerts addressed to the user', async () => {
    const id = await raise({ summary: 'Control de glucosa pendiente' });
    const actor = await actorOf('healthLJ');
    const homeAlerts = await alerts.homeAlertsFor(env.state.db, actor);
    assert.ok(homeAlerts.some((a) => a.id === id));
    const render = (a: Actor, list: alerts.AlertView[], lang: 'es' | 'en' = 'es') =>
      createViewEnvironment().renderString('{% include "alerts/views/_home-alerts.njk" %}', {
        homeAlerts: list,
        lang,
        t: translator(lang),
        actor: a,
        can: (p: string) => a.permissions.has(p as never),
        fmtDateTime: (d: string) => formatDateTime(lang, d, 'America/Panama'),
      });
    const html = render(actor, homeAlerts);
    assert.match(html, /Alertas pendientes para usted/);
    assert.match(html, /Control de glucosa pendiente/);
    assert.match(html, new RegExp(`href="/alerts/${id}"`));
    assert.match(render(actor, homeAlerts, 'en'), /Alerts waiting for you/);
    // Users who do not act on alerts get nothing, and the partial shows nothing.
    const inspector = await actorOf('inspector');
    assert.deepEqual(await alerts.homeAlertsFor(env.state.db, inspector), []);
    assert.equal(render(inspector, []).trim(), '');
  });
});
