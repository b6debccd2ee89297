// Legal time use cases: the stored computation of a person (the contract endpoint), the
// history of its dates, a recomputation on request, and what the person page's section shows.
// Each starts with the access check; a person outside the caller's centres answers 404; reads
// of a person's file are audited in the same transaction.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { todayIn } from '../../platform/time.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import type { SentenceInput, SentenceResult } from '../sentence/types.ts';
import { recomputeSentence } from './recompute.ts';
import { auditTargetType } from './repository.ts';
import { fullResult, type StoredResult } from './stored-result.ts';

export interface Deps {
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

export interface StoredComputation {
  input: SentenceInput;
  result: SentenceResult;
}

export interface ComputationMeta {
  id: string;
  status: 'sentenced' | 'pretrial';
  asOf: string;
  ruleSetId: string;
  cause: string;
  computedAt: string;
  computedBy: { id: string; username: string; displayName: string } | null;
  confirmedBy: { id: string; username: string; displayName: string } | null;
  confirmedAt: string | null;
}

async function currentOf(db: Kysely<Database>, personId: string) {
  return db
    .selectFrom('sentence_computations as c')
    .leftJoin('users as u', 'u.id', 'c.computed_by')
    .leftJoin('users as v', 'v.id', 'c.confirmed_by')
    .select(['c.id', 'c.status', 'c.as_of', 'c.rule_set_id', 'c.input', 'c.result', 'c.cause', 'c.computed_at', 'c.computed_by', 'u.username as computed_by_username', 'u.display_name as computed_by_name', 'c.confirmed_by', 'v.username as confirmed_by_username', 'v.display_name as confirmed_by_name', 'c.confirmed_at', 'c.episode_id'])
    .where('c.person_id', '=', personId)
    .where('c.superseded_at', 'is', null)
    .executeTakeFirst();
}

type CurrentRow = NonNullable<Awaited<ReturnType<typeof currentOf>>>;

function metaOf(r: CurrentRow): ComputationMeta {
  return {
    id: r.id,
    status: r.status,
    asOf: r.as_of,
    ruleSetId: r.rule_set_id,
    cause: r.cause,
    computedAt: new Date(r.computed_at).toISOString(),
    computedBy: r.computed_by ? { id: r.computed_by, username: r.computed_by_username ?? '', displayName: r.computed_by_name ?? '' } : null,
    confirmedBy: r.confirmed_by ? { id: r.confirmed_by, username: r.confirmed_by_username ?? '', displayName: r.confirmed_by_name ?? '' } : null,
    confirmedAt: r.confirmed_at ? new Date(r.confirmed_at).toISOString() : null,
  };
}

/**
 * The person's stored computation: the engine input built from the records and the result the
 * engine gave for it — exactly what `npx custodia compute-sentence` prints for that input.
 * 404 when the person has no computation with a verified sentence (or is out of scope).
 */
export async function getSentenceComputation(deps: Deps, caller: Caller, personId: string): Promise<StoredComputation> {
  requireAccess(caller.actor, 'legal.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId);
    const row = await currentOf(trx, person.id);
    if (!row || row.status !== 'sentenced') throw notFound();
    await recordAudit(trx, caller.audit, { action: 'sentence_computation.read', targetType: auditTargetType, targetId: row.id, facilityCode: person.location_facility_code, personId: person.id });
    const input = row.input as SentenceInput;
    return { input, result: fullResult(input, row.rule_set_id, row.result as StoredResult) };
  });
}

export interface DateChangeView {
  id: string;
  computationId: string;
  field: 'start_date' | 'one_third_date' | 'two_thirds_date' | 'expiry_date' | 'pretrial_alert_date';
  oldDate: string | null;
  newDate: string | null;
  cause: string;
  changedAt: string;
  changedBy: { id: string; username: string; displayName: string } | null;
}

async function dateChangesOf(db: Kysely<Database>, personId: string, limit: number): Promise<DateChangeView[]> {
  const rows = await db
    .selectFrom('sentence_date_changes as d')
    .leftJoin('users as u', 'u.id', 'd.changed_by')
    .select(['d.id', 'd.computation_id', 'd.field', 'd.old_date', 'd.new_date', 'd.cause', 'd.changed_at', 'd.changed_by', 'u.username', 'u.display_name'])
    .where('d.person_id', '=', personId)
    .orderBy('d.changed_at', 'desc')
    .orderBy('d.field')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    computationId: r.computation_id,
    field: r.field,
    oldDate: r.old_date,
    newDate: r.new_date,
    cause: r.cause,
    changedAt: new Date(r.changed_at).toISOString(),
    changedBy: r.changed_by ? { id: r.changed_by, username: r.username ?? '', displayName: r.display_name ?? '' } : null,
  }));
}

/** Every move of the person's dates, newest first, with its cause (the read is audited). */
export async function getDateChanges(deps: Deps, caller: Caller, personId: string, opts: { limit?: number | undefined } = {}): Promise<{ items: DateChangeView[] }> {
  requireAccess(caller.actor, 'legal.read');
  const limit = Math.min(Math.max(opts.limit ?? 200, 1), 1000);
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId);
    const items = await dateChangesOf(trx, person.id, limit);
    await recordAudit(trx, caller.audit, { action: 'sentence_date_changes.read', targetType: auditTargetType, facilityCode: person.location_facility_code, personId: person.id, details: { returned: items.length } });
    return { items };
  });
}

/**
 * Recomputes the person's computation now from the records (after a correction the system
 * could not notice, or to bring it to today). 422 when the person is not held.
 */
export async function recomputeNow(deps: Deps, caller: Caller, personId: string): Promise<{ computation: ComputationMeta | null }> {
  requireAccess(caller.actor, 'legal.write');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId);
    const held = await trx.selectFrom('custody_episodes').select('id').where('person_id', '=', person.id).where('released_at', 'is', null).executeTakeFirst();
    if (!held) throw new AppError(422, 'rule_violation', 'legalTime.errors.notHeld', {}, [{ path: 'personId', key: 'legalTime.errors.notHeld' }]);
    await recomputeSentence(trx, { personId: person.id, cause: 'manual', actorId: caller.actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
    const row = await currentOf(trx, person.id);
    return { computation: row ? metaOf(row) : null };
  });
}

// ---- the person page's section ----

export interface LegalOrderRow {
  id: string;
  kind: string;
  status: 'registered' | 'verified' | 'rejected';
  orderDate: string;
  caseNumber: string;
  issuingAuthority: string;
  registeredBy: string;
}

export interface CaseChoice {
  id: string;
  caseNumber: string;
  authorityName: string;
  stage: string;
  closedOn: string | null;
  hasSentence: boolean;
}

export interface SectionData {
  personId: string;
  held: boolean;
  today: string;
  computation: (ComputationMeta & { result: SentenceResult; input: SentenceInput }) | null;
  /** Sentence orders of the computation, with their case (for the trace of what was counted). */
  sentenceCases: Record<string, string>;
  changes: DateChangeView[];
  orders: LegalOrderRow[];
  cases: CaseChoice[];
  /** Open cases without a verified sentence: the person is pretrial in these. */
  pretrialCases: CaseChoice[];
}

const legalKinds = ['sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit'] as const;

/** What the section shows; the person is already read (and scope-checked, audited) by the page. */
export async function sectionData(deps: Deps, personId: string, currentEpisodeId: string | null): Promise<SectionData> {
  const db = deps.db;
  const [current, changes, orders, cases] = await Promise.all([
    currentOf(db, personId),
    dateChangesOf(db, personId, 30),
    db
      .selectFrom('judicial_orders as o')
      .innerJoin('users as u', 'u.id', 'o.registered_by')
      .select(['o.id', 'o.kind', 'o.status', 'o.order_date', 'o.case_number', 'o.issuing_authority', 'u.display_name'])
      .where('o.person_id', '=', personId)
      .where('o.kind', 'in', [...legalKinds])
      .orderBy('o.registered_at', 'desc')
      .limit(100)
      .execute(),
    currentEpisodeId
      ? db
          .selectFrom('criminal_cases as k')
          .select([
            'k.id',
            'k.case_number',
            'k.authority_name',
            'k.stage',
            'k.closed_on',
            (eb) =>
              eb
                .exists(eb.selectFrom('sentence_orders as s').innerJoin('judicial_orders as o', 'o.id', 's.order_id').select('s.order_id').whereRef('s.case_id', '=', 'k.id').where('o.status', '=', 'verified'))
                .as('has_sentence'),
          ])
          .where('k.episode_id', '=', currentEpisodeId)
          .orderBy('k.opened_at')
          .execute()
      : [],
  ]);
  const caseChoices: CaseChoice[] = cases.map((k) => ({ id: k.id, caseNumber: k.case_number, authorityName: k.authority_name, stage: k.stage, closedOn: k.closed_on, hasSentence: Boolean(k.has_sentence) }));
  const sentenceCases: Record<string, string> = {};
  for (const o of orders) if (o.kind === 'sentence') sentenceCases[o.id] = o.case_number;
  return {
    personId,
    held: currentEpisodeId !== null,
    today: todayIn(deps.settings.timeZone),
    computation:
      current && current.episode_id === currentEpisodeId
        ? { ...metaOf(current), result: fullResult(current.input as SentenceInput, current.rule_set_id, current.result as StoredResult), input: current.input as SentenceInput }
        : null,
    sentenceCases,
    changes,
    orders: orders.map((o) => ({ id: o.id, kind: o.kind, status: o.status, orderDate: o.order_date, caseNumber: o.case_number, issuingAuthority: o.issuing_authority, registeredBy: o.display_name })),
    cases: caseChoices,
    pretrialCases: caseChoices.filter((k) => k.closedOn === null && !k.hasSentence),
  };
}
