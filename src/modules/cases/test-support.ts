// Shared set-up of the cases tests: the movements tests' world (centres with reception units,
// records officers at La Joya, La Joyita and Colón, legal officers, directors, a duty officer,
// an inspector) plus an administrator (offence.manage), helpers to admit a person and open a
// case, and row counts. Used only by the *.test.ts files beside it.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser } from '../../../test/helpers/app.ts';
import { api, type Json } from '../admission/test-support.ts';
import { admitPerson, setUpMovementWorld, type MovementWorld } from '../movements/test-support.ts';
import { caseTables } from './repository.ts';

export { api, paths, type Json } from '../admission/test-support.ts';
export { admitPerson, minutesAgo } from '../movements/test-support.ts';
export type CaseWorld = MovementWorld;

export async function setUpCaseWorld(): Promise<CaseWorld> {
  const w = await setUpMovementWorld();
  const admin = await createUser(w.env, { username: 'admin.catalogo', roles: ['admin'] });
  w.h.admin = await bearerFor(w.env, admin);
  const partner = await createUser(w.env, { username: 'socio.judicial', roles: ['partner'] });
  w.h.partner = await bearerFor(w.env, partner);
  return w;
}

let seq = 0;
export const caseNumber = (): string => `CP-2026-${String(++seq).padStart(5, '0')}`;

export function caseBody(extra: Record<string, unknown> = {}) {
  return {
    authorityKind: 'court',
    authorityName: 'Juzgado de Garantías del Primer Circuito Judicial de Panamá',
    caseNumber: caseNumber(),
    judgeName: 'Hon. Lizbeth Tejada',
    defenceKind: 'public_defender',
    defenceName: 'Lcda. Mariela Ortega',
    stage: 'investigation',
    charges: [{ offenceCode: 'ROBO-AGR', counts: 2 }, { offenceCode: 'ARMA-POSESION' }],
    ...extra,
  };
}

/** A person admitted to La Joya an hour ago with a second case opened by the officer; returns the ids. */
export async function personWithCase(w: CaseWorld, extra: Record<string, unknown> = {}): Promise<{ personId: string; episodeId: string; caseId: string; body: Json }> {
  const p = await admitPerson(w);
  const r = await api(w, 'POST', `/api/v1/persons/${p.personId}/cases`, w.h.officer!, caseBody(extra));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { personId: p.personId, episodeId: p.episodeId, caseId: r.body.id as string, body: r.body };
}

/** Row counts of every table the cases module writes. */
export async function counts(w: CaseWorld): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of caseTables) out[t] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(w.env.state.db)).rows[0]!.n;
  return out;
}

export async function auditActions(w: CaseWorld, targetId: string): Promise<string[]> {
  return (await w.env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', targetId).orderBy('id').execute()).map((a) => a.action);
}
