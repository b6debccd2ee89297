// The legal orders' bad input: every refusal is a 4xx naming the field, and nothing is stored
// (no order, no detail row, no computation, no date change). Also: the four-eyes rule, the
// sentence.verify permission, verification refused when it would count a day twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { legalOrderPaths, type LegalOrderKind } from './legal-schemas.ts';
import { addDays, api, computationOf, heldSince, legalCounts, registerLegal, sentenceBody, setUpLegalWorld, verifiedLegal, verify, type HeldPerson, type World } from '../legal-time/test-support.ts';
import { todayIn } from '../../platform/time.ts';

let w: World;
let p: HeldPerson;
let firstSentence: string;
before(async () => {
  w = await setUpLegalWorld();
  p = await heldSince(w, '2024-01-10');
  firstSentence = await verifiedLegal(w, 'sentence', sentenceBody(p, { years: 6, orderDate: '2025-02-01' }));
});
after(async () => {
  await w.env.close();
});

const paths = (b: { error?: { fields?: { path: string }[] } }) => (b.error?.fields ?? []).map((f) => f.path);

/** Posts a bad order and checks the status, the field named and that nothing was stored. */
async function refused(kind: LegalOrderKind, body: Record<string, unknown>, status: number, field: string) {
  const before = await legalCounts(w);
  const r = await api(w, 'POST', `/api/v1/orders/${legalOrderPaths[kind]}`, w.h.legal1!, body);
  assert.equal(r.status, status, `${kind} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
  if (field) assert.ok(paths(r.body).some((f) => f === field || f.endsWith(`/${field}`) || f.endsWith(`.${field}`)), `expected the field ${field}, got ${JSON.stringify(r.body)}`);
  assert.deepEqual(await legalCounts(w), before, 'nothing stored');
  return r;
}

test('a sentence of zero length is refused naming the field', async () => {
  await refused('sentence', sentenceBody(p, { years: 0, months: 0, days: 0 }), 422, 'years');
});

test('a consecutive-to reference to an unknown or a later sentence is refused', async () => {
  await refused('sentence', sentenceBody(p, { relation: 'consecutive', consecutiveTo: '00000000-0000-4000-8000-000000000000' }), 422, 'consecutiveTo');
  await refused('sentence', sentenceBody(p, { relation: 'consecutive', consecutiveTo: firstSentence, orderDate: '2025-01-15' }), 422, 'consecutiveTo');
  await refused('sentence', sentenceBody(p, { relation: 'consecutive' }), 422, 'consecutiveTo');
  // Another person's sentence is unknown for this one.
  const other = await heldSince(w, '2024-02-01');
  const theirs = await verifiedLegal(w, 'sentence', sentenceBody(other, { years: 1 }));
  await refused('sentence', sentenceBody(p, { relation: 'consecutive', consecutiveTo: theirs, orderDate: '2025-06-01' }), 422, 'consecutiveTo');
});

test('dates out of range are refused: in the future, before 1950, malformed, an end before the start', async () => {
  const tomorrow = addDays(todayIn(w.env.settings.timeZone), 1);
  await refused('sentence', sentenceBody(p, { orderDate: tomorrow }), 422, 'orderDate');
  await refused('sentence', sentenceBody(p, { orderDate: '1949-12-31' }), 422, 'orderDate');
  await refused('sentence', sentenceBody(p, { orderDate: '2025-02-30' }), 400, 'orderDate');
  await refused('sentence', sentenceBody(p, { years: 101 }), 400, 'years');
  const house = { caseId: p.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2023-06-01', custodyKind: 'house_arrest' };
  await refused('provisional_custody', { ...house, from: '2023-06-01', to: '2023-05-01' }, 422, 'to');
  await refused('provisional_custody', { ...house, from: '1940-01-01', to: '2023-05-01' }, 422, 'from');
  await refused('provisional_custody', { ...house, from: '2023-06-01', to: tomorrow }, 422, 'to');
  await refused('reduction', { caseId: p.caseId, issuingAuthority: 'Órgano Ejecutivo', days: 30, decreeNumber: 'DE 1', decreeDate: tomorrow }, 422, 'decreeDate');
  await refused('reduction', { caseId: p.caseId, issuingAuthority: 'Órgano Ejecutivo', days: 0, decreeNumber: 'DE 1', decreeDate: '2025-01-01' }, 400, 'days');
  await refused('measure', { caseId: p.caseId, issuingAuthority: 'Juzgado', orderDate: '2023-01-01', measureKind: 'periodic_reporting' }, 422, 'appearances');
});

test('custody that overlaps custody already counted is refused, at registration and at verification', async () => {
  const house = { caseId: p.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2023-06-01', custodyKind: 'house_arrest' };
  // Overlaps the episode (arrested 2024-01-10, still held).
  await refused('provisional_custody', { ...house, from: '2023-12-01', to: '2024-01-10' }, 422, 'from');
  // Two pending orders for the same days: the second is refused.
  const a = await registerLegal(w, 'provisional_custody', { ...house, from: '2023-10-01', to: '2023-10-31' });
  await refused('provisional_custody', { ...house, custodyKind: 'hospital', from: '2023-10-31', to: '2023-11-05' }, 422, 'from');
  // A territorial restriction never overlaps custody.
  await refused('measure', { caseId: p.caseId, issuingAuthority: 'Juzgado', orderDate: '2023-01-01', measureKind: 'territorial_restriction', from: '2023-10-15', to: '2023-11-15' }, 422, 'from');
  await refused('measure', { caseId: p.caseId, issuingAuthority: 'Juzgado', orderDate: '2023-01-01', measureKind: 'territorial_restriction', from: '2024-02-01', to: '2024-03-01' }, 422, 'from');
  const v = await verify(w, a);
  assert.equal(v.status, 200);
  // An earlier episode that is not earlier, or unknown, is refused.
  await refused('custody_credit', { caseId: p.caseId, issuingAuthority: 'Juzgado', orderDate: '2024-02-01', sourceEpisodeId: p.episodeId }, 422, 'sourceEpisodeId');
  await refused('custody_credit', { caseId: p.caseId, issuingAuthority: 'Juzgado', orderDate: '2024-02-01', sourceEpisodeId: '00000000-0000-4000-8000-000000000000' }, 422, 'sourceEpisodeId');
});

test('an order verified by its registrant is refused; a sentence needs sentence.verify; an unknown case is refused', async () => {
  const o = await registerLegal(w, 'reduction', { caseId: p.caseId, issuingAuthority: 'Órgano Ejecutivo', days: 30, decreeNumber: 'DE 271', decreeDate: '2025-04-01' });
  const before = await legalCounts(w);
  const self = await verify(w, o, 'legal1');
  assert.equal(self.status, 422);
  assert.deepEqual(paths(self.body), ['verifiedBy']);
  const s = await registerLegal(w, 'sentence', sentenceBody(p, { years: 1, orderDate: '2025-03-01' }));
  // The director verifies orders, but not sentences.
  const director = await verify(w, s, 'director');
  assert.equal(director.status, 403);
  assert.deepEqual(await legalCounts(w), { ...before, judicial_orders: before.judicial_orders! + 1, sentence_orders: before.sentence_orders! + 1 });
  await refused('reduction', { caseId: '00000000-0000-4000-8000-000000000000', issuingAuthority: 'Órgano Ejecutivo', days: 30, decreeNumber: 'DE 1', decreeDate: '2025-01-01' }, 422, 'caseId');
  // Colón's officer does not reach a case of La Joya.
  const r = await api(w, 'POST', `/api/v1/orders/${legalOrderPaths.reduction}`, w.h.officerColon!, { caseId: p.caseId, issuingAuthority: 'Órgano Ejecutivo', days: 30, decreeNumber: 'DE 1', decreeDate: '2025-01-01' });
  assert.equal(r.status, 422);
  assert.deepEqual(paths(r.body), ['caseId']);
});

test('a consecutive sentence cannot be verified before the one it follows; rejection changes nothing', async () => {
  const q = await heldSince(w, '2024-05-01');
  const admitted = (await computationOf(w, q.personId))!.id; // the pretrial computation made at admission
  const base = await registerLegal(w, 'sentence', sentenceBody(q, { years: 2, orderDate: '2025-01-01' }));
  const next = await registerLegal(w, 'sentence', sentenceBody(q, { years: 1, relation: 'consecutive', consecutiveTo: base.id, orderDate: '2025-02-01' }));
  const early = await verify(w, next);
  assert.equal(early.status, 422);
  assert.deepEqual(paths(early.body), ['consecutiveTo']);
  assert.equal((await computationOf(w, q.personId))!.id, admitted, 'a refused verification changes nothing');
  const rej = await api(w, 'POST', `/api/v1/orders/${base.id}/reject`, w.h.legal2!, { reason: 'El tribunal no reconoce la sentencia', version: base.version });
  assert.equal(rej.status, 200);
  assert.equal((await computationOf(w, q.personId))!.id, admitted, 'a rejected order changes nothing');
});

test('orders can be listed by kind for a person, with their details', async () => {
  const r = await api(w, 'GET', `/api/v1/orders?personId=${p.personId}&kind=sentence&status=verified`, w.h.legal1!);
  assert.equal(r.status, 200);
  const items = r.body.items as { id: string; caseId: string; details: { years: number } }[];
  assert.ok(items.some((o) => o.id === firstSentence && o.details.years === 6 && o.caseId === p.caseId));
});

test('verification refuses custody that has come to overlap custody counted since registration', async () => {
  const q = await heldSince(w, '2024-03-01');
  const o = await registerLegal(w, 'provisional_custody', { caseId: q.caseId, issuingAuthority: 'Juzgado de Garantías', orderDate: '2024-01-01', custodyKind: 'house_arrest', from: '2024-01-01', to: '2024-02-15' });
  // The arrest is corrected to an earlier day: the house arrest now overlaps the episode.
  await w.env.state.db.updateTable('custody_episodes').set({ arrested_at: new Date('2024-02-10T15:00:00Z') }).where('id', '=', q.episodeId).execute();
  const before = await legalCounts(w);
  const v = await verify(w, o);
  assert.equal(v.status, 422, JSON.stringify(v.body));
  assert.deepEqual(paths(v.body), ['from']);
  assert.deepEqual(await legalCounts(w), before);
  const row = await w.env.state.db.selectFrom('judicial_orders').select('status').where('id', '=', o.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'registered');
});
