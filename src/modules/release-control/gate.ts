// What a release must satisfy besides the movements rules (a verified release order addressed
// to the centre, two officers): checked when the release is recorded and again when it is
// confirmed, inside the movement's transaction.
//
// - Every release: no case may still hold the person. Each open criminal case of the episode
//   must be the case of the release order (closed by the release), or be fully served (it has
//   a verified sentence and the current computation ends on or before the release date);
//   otherwise 422 naming the case.
// - A release for sentence served: the current computation is a sentence computation of this
//   episode, ends on or before the release date, is confirmed by a legal user who neither
//   registered nor verified a sentence order of the person, and — where the control rule set
//   says so (default yes) — rests on a verified release order.
import { sql, type Kysely } from 'kysely';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { CaseClosureReason, Database, ReleaseReason } from '../../platform/db/schema.ts';
import { unprocessable, type FieldError } from '../../platform/http/errors.ts';
import * as repo from './repository.ts';
import { controlRuleSetInForce } from './rule-sets.ts';

export interface GateOrder {
  id: string;
  case_id: string | null;
  case_number: string;
  authority_kind: 'court' | 'prosecutor';
}

export interface GateInput {
  personId: string;
  episodeId: string;
  reason: ReleaseReason | string;
  /** The civil date of the release (planned, or confirmed) in the service's time zone. */
  releaseDate: string;
  /** The verified release order, or null when the release rests on the computation alone. */
  order: GateOrder | null;
  /** The request field holding the release date (plannedAt when recording, releasedAt when confirming). */
  datePath: string;
}

export interface CaseToClose {
  id: string;
  caseNumber: string;
  closureReason: CaseClosureReason;
}

export interface GateOutcome {
  /** The control rule set that decided (in force on the release date). */
  ruleSetId: string;
  computationId: string | null;
  /** Cases the release ends: the release order's case and cases fully served. */
  casesToClose: CaseToClose[];
}

/** Whether the release needs a verified release order (every reason but sentence served when the rule set allows it). */
export function releaseOrderRequired(reason: string, releaseDate: string): boolean {
  return reason !== 'sentence_served' || controlRuleSetInForce(releaseDate).values.releaseOrderRequired;
}

/** Whether an open case is the one the release order names (its case id, or the same case number and authority kind). */
export function isOrderCase(k: { id: string; case_number: string; authority_kind: string }, order: GateOrder | null): boolean {
  if (!order) return false;
  if (order.case_id) return order.case_id === k.id;
  return order.case_number.trim().toUpperCase() === k.case_number.trim().toUpperCase() && order.authority_kind === k.authority_kind;
}

/** How the release order's case closes, by the reason of the release. */
export function closureFor(reason: string): CaseClosureReason {
  if (reason === 'sentence_served') return 'sentence_served';
  if (reason === 'court_order' || reason === 'bail' || reason === 'conditional_release') return 'detention_lifted';
  return 'other';
}

/**
 * Checks the release; throws 422 with every field at fault (computation, the date path,
 * orderId, one `cases` entry per case still holding the person). Writes nothing.
 */
export async function checkRelease(db: Kysely<Database>, input: GateInput): Promise<GateOutcome> {
  const rules = controlRuleSetInForce(input.releaseDate);
  const fields: FieldError[] = [];
  const c = await repo.currentComputation(db, input.personId);
  const comp = c && c.episode_id === input.episodeId ? c : undefined;
  if (input.reason === 'sentence_served') {
    if (!comp || comp.status !== 'sentenced' || !comp.expiry_date) {
      fields.push({ path: 'computation', key: 'releaseControl.gate.noComputation' });
    } else {
      if (comp.expiry_date > input.releaseDate) fields.push({ path: input.datePath, key: 'releaseControl.gate.beforeExpiry', params: { expiry: comp.expiry_date } });
      if (!comp.confirmed_by) fields.push({ path: 'computation', key: 'releaseControl.gate.notConfirmed' });
      else if ((await repo.sentenceOrderSignatories(db, input.personId, input.episodeId)).has(comp.confirmed_by)) {
        fields.push({ path: 'computation', key: 'releaseControl.gate.confirmedBySignatory' });
      }
    }
    if (rules.values.releaseOrderRequired && !input.order) fields.push({ path: 'orderId', key: 'releaseControl.gate.orderRequired' });
  }
  const served = comp?.status === 'sentenced' && comp.expiry_date !== null && comp.expiry_date <= input.releaseDate;
  const casesToClose: CaseToClose[] = [];
  for (const k of await repo.openCasesOfEpisodes(db, [input.episodeId])) {
    if (isOrderCase(k, input.order)) casesToClose.push({ id: k.id, caseNumber: k.case_number, closureReason: closureFor(input.reason) });
    else if (k.sentenced && served) casesToClose.push({ id: k.id, caseNumber: k.case_number, closureReason: 'sentence_served' });
    else fields.push({ path: 'cases', key: 'releaseControl.gate.caseHolds', params: { caseNumber: k.case_number, authority: k.authority_name } });
  }
  if (fields.length) throw unprocessable('releaseControl.gate.refused', fields);
  return { ruleSetId: rules.id, computationId: comp?.id ?? null, casesToClose };
}

/** Closes the cases a confirmed release ends (in the release's transaction), each audited. */
export async function closeReleasedCases(db: Kysely<Database>, audit: AuditActor, args: { personId: string; facilityCode: string; releaseDate: string; orderId: string | null; releaseId: string; cases: CaseToClose[] }): Promise<number> {
  let closed = 0;
  for (const k of args.cases) {
    const r = await db
      .updateTable('criminal_cases')
      .set({ closed_on: args.releaseDate, closure_reason: k.closureReason, closure_order_id: args.orderId, version: sql`version + 1` })
      .where('id', '=', k.id)
      .where('closed_on', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) continue;
    closed++;
    // As when a case is closed by hand (cases module): its scheduled hearings are cancelled.
    const cancelled = await db
      .updateTable('court_hearings')
      .set({ status: 'cancelled', outcome: 'Caso cerrado por excarcelación / case closed by release', version: sql`version + 1` })
      .where('case_id', '=', k.id)
      .where('status', '=', 'scheduled')
      .returning('id')
      .execute();
    await recordAudit(db, audit, {
      action: 'case.closed',
      targetType: 'criminal_case',
      targetId: k.id,
      facilityCode: args.facilityCode,
      personId: args.personId,
      after: { closedOn: args.releaseDate, closureReason: k.closureReason, closureOrderId: args.orderId, byRelease: args.releaseId, hearingsCancelled: cancelled.map((h) => h.id) },
    });
  }
  return closed;
}
