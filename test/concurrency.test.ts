// Concurrency, on PGlite and on PostgreSQL (where the test pool has 10 connections, so that
// requests sent together truly race inside the database):
//  - two users saving the same record from the same version: one save wins, the other gets
//    409 — never a silent overwrite (a person's identity, an order's verification, a
//    transfer's decision), whether the saves come one after the other or at the same moment;
//  - two transfers of one person requested at once: exactly one is recorded, the other 409;
//  - two admissions of one person at once (a returning person on two orders, or a new person
//    submitted twice on one order): exactly one admits, the other 409; with one
//    Idempotency-Key, both answers are the one admission.
// Each race is run several times: a lost race that happens to pass once must not hide a bug.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createUser, bearerFor, usingPostgres } from './helpers/app.ts';
import { admissionBody, api, newPerson, registeredOrder, verifiedOrder } from '../src/modules/admission/test-support.ts';
import { admitPerson, setUpMovementWorld, type MovementWorld } from '../src/modules/movements/test-support.ts';
import { release } from '../src/modules/persons/test-support.ts';

const rounds = 4;
let w: MovementWorld;

before(async () => {
  w = await setUpMovementWorld();
  // A third legal officer and a second director of La Joya: two deciders besides the registrar
  // and the requester.
  w.h.legal3 = await bearerFor(w.env, await createUser(w.env, { username: 'legal.tres', roles: ['legal'] }));
  w.h.director2 = await bearerFor(w.env, await createUser(w.env, { username: 'direccion2.lj', roles: ['director'], facilities: ['PA-LJ'] }));
  doc = (await w.env.app.inject({ url: '/api/openapi.json' })).json() as typeof doc;
});
after(() => w?.env.close());

type Res = Awaited<ReturnType<typeof api>>;
const statuses = (rs: Res[]): number[] => rs.map((r) => r.status).sort();

/**
 * Exactly one success (the given status); every other answer is one of the allowed refusals
 * (409 for a stale version; 409 or 422 where the loser's rule check sees the winner's record),
 * documented for the operation, with the error object.
 */
function oneWins(rs: Res[], success: number, what: string, op: string, refusals: number[] = [409]): Res {
  const winners = rs.filter((r) => r.status === success);
  assert.equal(winners.length, 1, `${what}: ${JSON.stringify(rs.map((r) => [r.status, r.body]))}`);
  const documented = Object.keys(doc.paths[op.split(' ')[1]!]?.[op.split(' ')[0]!.toLowerCase()]?.responses ?? {});
  for (const r of rs.filter((x) => x !== winners[0])) {
    assert.ok(refusals.includes(r.status), `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(documented.includes(String(r.status)), `${op} does not document ${r.status}`);
    assert.equal(typeof r.body.error?.code, 'string');
    assert.ok(r.body.error!.message.length > 0);
  }
  return winners[0]!;
}
let doc: { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

const patch = (url: string, headers: Record<string, string>, payload: unknown) =>
  w.env.app.inject({ method: 'PATCH', url, headers, payload: payload as object }).then((res) => ({ status: res.statusCode, body: (res.body ? res.json() : {}) as Res['body'], headers: res.headers }));

describe('two users saving the same record: the second save gets 409', () => {
  test('a person\'s identity, saved one after the other from the same version', async () => {
    const { personId } = await admitPerson(w);
    const read = await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!);
    const version = read.body.version as number;
    const first = await patch(`/api/v1/persons/${personId}/identity`, w.h.officer!, { version, reason: 'Cédula a la vista', changes: { givenNames: 'Primera Versión' } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await patch(`/api/v1/persons/${personId}/identity`, w.h.officer2!, { version, reason: 'Dato de la familia', changes: { givenNames: 'Segunda Versión' } });
    assert.equal(second.status, 409, JSON.stringify(second.body));
    const now = await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!);
    assert.equal(now.body.givenNames, 'Primera Versión');
    assert.equal(now.body.version, version + 1);
  });

  test('a person\'s identity, saved by two users at the same moment', async () => {
    for (let i = 0; i < rounds; i++) {
      const { personId } = await admitPerson(w);
      const version = (await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!)).body.version as number;
      const names = ['Versión Uno', 'Versión Dos', 'Versión Tres'];
      const rs = await Promise.all(
        names.map((givenNames, k) => patch(`/api/v1/persons/${personId}/identity`, k % 2 ? w.h.officer2! : w.h.officer!, { version, reason: `Corrección ${k}`, changes: { givenNames } })),
      );
      const winner = oneWins(rs, 200, `round ${i}`, 'PATCH /api/v1/persons/{id}/identity');
      const now = await api(w, 'GET', `/api/v1/persons/${personId}`, w.h.officer!);
      assert.equal(now.body.givenNames, winner.body.givenNames, 'the stored name is the winner\'s');
      assert.equal(now.body.version, version + 1);
      const corrections = await w.env.state.db.selectFrom('person_corrections').select(['field', 'new_value']).where('person_id', '=', personId).execute();
      assert.equal(corrections.length, 1, `one correction kept, not ${corrections.length}: ${JSON.stringify(corrections)}`);
      assert.equal(JSON.stringify(corrections[0]!.new_value), JSON.stringify(winner.body.givenNames), 'the correction kept is the winner\'s');
    }
  });

  test('an order: verified and rejected by two legal officers at the same moment', async () => {
    for (let i = 0; i < rounds; i++) {
      const order = await registeredOrder(w);
      const rs = await Promise.all([
        api(w, 'POST', `/api/v1/orders/${order.id}/verify`, w.h.legal2!, { method: 'telephone', note: 'Confirmado con la secretaría', version: order.version }),
        api(w, 'POST', `/api/v1/orders/${order.id}/reject`, w.h.legal3!, { reason: 'El juzgado no la reconoce', version: order.version }),
      ]);
      const winner = oneWins(rs, 200, `round ${i}`, 'POST /api/v1/orders/{id}/verify');
      const row = await w.env.state.db.selectFrom('judicial_orders').select(['status', 'verified_by', 'rejected_by', 'version']).where('id', '=', order.id).executeTakeFirstOrThrow();
      assert.equal(row.status, winner.body.status, 'the stored decision is the winner\'s');
      assert.ok(!(row.verified_by && row.rejected_by), 'never both verified and rejected');
      assert.equal(row.version, order.version + 1);
    }
  });

  test('a transfer: authorized and refused by two directors at the same moment', async () => {
    for (let i = 0; i < rounds; i++) {
      const { personId } = await admitPerson(w);
      const t = await api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      const version = t.body.version as number;
      const rs = await Promise.all([
        api(w, 'POST', `/api/v1/transfers/${t.body.id}/authorize`, w.h.director!, { note: 'Autorizado por la dirección', version }),
        api(w, 'POST', `/api/v1/transfers/${t.body.id}/refuse`, w.h.director2!, { note: 'No hay cupo en el destino', version }),
      ]);
      const winner = oneWins(rs, 200, `round ${i}`, 'POST /api/v1/transfers/{id}/authorize');
      const row = await w.env.state.db.selectFrom('transfers').select(['status', 'authorized_by', 'version']).where('id', '=', t.body.id as string).executeTakeFirstOrThrow();
      assert.equal(row.status, winner.body.status, 'the stored decision is the winner\'s');
      assert.equal(row.version, version + 1);
    }
  });
});

describe('two transfers of one person requested at once: exactly one', () => {
  test('to two destinations, by two officers', async () => {
    for (let i = 0; i < rounds; i++) {
      const { personId, episodeId } = await admitPerson(w);
      const rs = await Promise.all([
        api(w, 'POST', '/api/v1/transfers', w.h.officer!, { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar' }),
        api(w, 'POST', '/api/v1/transfers', w.h.officer2!, { personId, toFacilityCode: 'PA-NLJ', reason: 'Seguridad' }),
        api(w, 'POST', '/api/v1/transfers', w.h.officerNational!, { personId, toFacilityCode: 'PA-LJT', reason: 'Audiencia' }),
      ]);
      const winner = oneWins(rs, 201, `round ${i}`, 'POST /api/v1/transfers', [409, 422]);
      const active = await w.env.state.db.selectFrom('transfers').select(['id', 'to_facility_code']).where('episode_id', '=', episodeId).execute();
      assert.deepEqual(active.map((a) => a.id), [winner.body.id], 'one transfer recorded, the winner\'s');
    }
  });
});

describe('two admissions of one person at once: exactly one', () => {
  const episodesOf = async (personId: string) => (await w.env.state.db.selectFrom('custody_episodes').select(['id', 'released_at']).where('person_id', '=', personId).execute());

  test('a returning person, on two orders, by two officers', async () => {
    for (let i = 0; i < rounds; i++) {
      const { personId } = await admitPerson(w);
      await release(w.env, personId);
      const [o1, o2] = [await verifiedOrder(w, { personId }), await verifiedOrder(w, { personId })];
      const body = (orderId: string) => ({ ...admissionBody(orderId), person: undefined, personId });
      const rs = await Promise.all([api(w, 'POST', '/api/v1/admissions', w.h.officer!, body(o1)), api(w, 'POST', '/api/v1/admissions', w.h.officer2!, body(o2))]);
      oneWins(rs, 201, `round ${i}`, 'POST /api/v1/admissions', [409, 422]);
      const open = (await episodesOf(personId)).filter((e) => e.released_at === null);
      assert.equal(open.length, 1, 'one open custody episode');
    }
  });

  test('a new person submitted twice on one order (a double click without Idempotency-Key)', async () => {
    for (let i = 0; i < rounds; i++) {
      const orderId = await verifiedOrder(w);
      const body = admissionBody(orderId, { person: newPerson({ sex: 'male' }) });
      const rs = await Promise.all([api(w, 'POST', '/api/v1/admissions', w.h.officer!, body), api(w, 'POST', '/api/v1/admissions', w.h.officer2!, body)]);
      const winner = oneWins(rs, 201, `round ${i}`, 'POST /api/v1/admissions', [409, 422]);
      const episodes = await w.env.state.db.selectFrom('custody_episodes').select('person_id').where('admission_order_id', '=', orderId).execute();
      assert.deepEqual(episodes.map((e) => e.person_id), [winner.body.personId]);
      // The loser's person was rolled back with its admission: no orphan file with that name.
      const named = await w.env.state.db.selectFrom('persons').select('id').where('given_names', '=', body.person.givenNames).execute();
      assert.equal(named.length, 1, `one person file, not ${named.length}`);
    }
  });

  test('the same request sent twice at once with one Idempotency-Key: one admission, both answers name it', async () => {
    for (let i = 0; i < rounds; i++) {
      const orderId = await verifiedOrder(w);
      const body = admissionBody(orderId, { person: newPerson({ sex: 'male' }) });
      const headers = { ...w.h.officer!, 'idempotency-key': `concurrency-${i}-${Date.now()}` };
      const rs = await Promise.all([api(w, 'POST', '/api/v1/admissions', headers, body), api(w, 'POST', '/api/v1/admissions', headers, body)]);
      assert.deepEqual(statuses(rs), [201, 201], JSON.stringify(rs.map((r) => r.body)));
      assert.equal(rs[0]!.body.personId, rs[1]!.body.personId);
      assert.equal(rs[0]!.body.episodeId, rs[1]!.body.episodeId);
      const n = (await sql<{ n: number }>`select count(*)::int as n from custody_episodes where admission_order_id = ${orderId}`.execute(w.env.state.db)).rows[0]!.n;
      assert.equal(n, 1);
    }
  });
});

test('the races ran on the database under test', () => {
  // On PostgreSQL the test pool holds several connections (true parallel transactions); on
  // PGlite one connection serializes them, and the rules must hold all the same.
  assert.equal(w.env.state.dbKind, usingPostgres ? 'postgresql' : 'pglite');
});
