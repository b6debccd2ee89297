// Recomputing sentences from the records. Whenever an input changes (an order verified, an
// escape or recapture, a hospital stay, a redemption decision) the caller calls
// recomputeSentence inside its own transaction: the input is rebuilt from the records, run
// through the engine, and — if anything changed — stored as the person's new current
// computation (the old one superseded, never deleted), with every moved date logged in
// sentence_date_changes and the audit log with its cause. recomputeAll does the same for
// everyone held, reading each table once for the whole population.
//
// What counts as a change: a different input (apart from its date), rule set or date → a new
// computation. The same records on a later day change no date: a single person's recomputation
// brings the current computation to the new day in place; the run of everyone leaves it.
// The trace is not stored (see stored-result.ts).
import { sql, type Kysely, type Transaction } from 'kysely';
import { recordAudit, type AuditActor, type AuditEvent } from '../../platform/audit/audit.ts';
import { recordAuditMany } from './audit-many.ts';
import type { Database, DateField } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/http/errors.ts';
import { todayIn } from '../../platform/time.ts';
import { tryComputeSentence } from '../sentence/engine.ts';
import type { SentenceResult, SentenceValidationError } from '../sentence/types.ts';
import { withoutTrace, type StoredResult } from './stored-result.ts';
import { buildSentenceInput, type BuiltInput, type SentenceRecords } from './build-input.ts';
import type { EpisodeSelection } from './custody-periods.ts';
import * as repo from './repository.ts';
import { sameJson } from './same-json.ts';
import { serviceTimeZone } from './service-time-zone.ts';

export interface RecomputeArgs {
  personId: string;
  /** Why: e.g. "order.verify:sentence <orderId>", "absence.escape", "redemption.decide". */
  cause: string;
  actorId: string | null;
  /** The caller's audit identity (request id, address); by default the user named by actorId. */
  audit?: AuditActor | undefined;
  /** Default: today in the service's time zone. */
  asOf?: string | undefined;
  timeZone?: string | undefined;
}

export const dateFields: readonly DateField[] = ['start_date', 'one_third_date', 'two_thirds_date', 'expiry_date', 'pretrial_alert_date'];
type Dates = Record<DateField, string | null>;

export function datesOf(result: SentenceResult | StoredResult): Dates {
  if (result.status === 'pretrial') {
    return { start_date: result.startDate, one_third_date: null, two_thirds_date: null, expiry_date: null, pretrial_alert_date: result.pretrialAlertDate };
  }
  return { start_date: result.startDate, one_third_date: result.dates.oneThird, two_thirds_date: result.dates.twoThirds, expiry_date: result.dates.expiry, pretrial_alert_date: null };
}

interface Computed {
  records: SentenceRecords;
  built: BuiltInput;
  /** The engine's result without its trace (stored-result.ts). */
  result: StoredResult;
}

type Attempt = { ok: true; computed: Computed } | { ok: false; records: SentenceRecords; error: SentenceValidationError } | null;

function compute(records: SentenceRecords, asOf: string): Attempt {
  const built = buildSentenceInput(records, asOf);
  if (built === null) return null;
  // The trace is not stored (stored-result.ts): the engine skips it here.
  const r = tryComputeSentence(built.input, { ruleSetId: built.ruleSetId, trace: false });
  if (!r.ok) return { ok: false, records, error: r.error };
  return { ok: true, computed: { records, built, result: withoutTrace(r.result) } };
}

/** Whether two inputs hold the same records (everything but the date of the computation). */
function sameRecords(a: unknown, b: unknown): boolean {
  const { asOf: _a, ...x } = a as Record<string, unknown>;
  const { asOf: _b, ...y } = b as Record<string, unknown>;
  void _a;
  void _b;
  return sameJson(x, y);
}

type Plan =
  | { kind: 'new'; c: Computed; old: repo.CurrentComputationRow | undefined; moved: { field: DateField; old: string | null; new: string | null }[] }
  | { kind: 'refresh'; c: Computed; old: repo.CurrentComputationRow }
  | { kind: 'same' };

/**
 * What to write for one person. `refresh`: when only the date of the computation changed,
 * bring the current one to it in place (a single person's recomputation); the daily run of
 * everyone leaves those alone (their dates cannot have moved) instead of rewriting them all.
 */
function plan(c: Computed, old: repo.CurrentComputationRow | undefined, refresh: boolean): Plan {
  const dates = datesOf(c.result);
  const moved = dateFields.filter((f) => (old ? old[f] : null) !== dates[f]).map((f) => ({ field: f, old: old ? old[f] : null, new: dates[f] }));
  if (!old || old.episode_id !== c.records.episodeId || moved.length > 0 || old.rule_set_id !== c.built.ruleSetId || !sameRecords(old.input, c.built.input)) {
    return { kind: 'new', c, old, moved };
  }
  if (refresh && old.as_of !== c.built.input.asOf) return { kind: 'refresh', c, old };
  return { kind: 'same' };
}

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

async function auditActorFor(db: Kysely<Database>, actorId: string | null): Promise<AuditActor> {
  if (!actorId) return { actorId: null, actorName: 'system' };
  const u = await db.selectFrom('users').select('username').where('id', '=', actorId).executeTakeFirst();
  return { actorId, actorName: u?.username ?? 'system' };
}

const CHUNK = 2000;
function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

interface WriteOptions {
  cause: string;
  actorId: string | null;
  /** Log the dates a first computation sets (one person's recomputation does; the run of everyone does not). */
  logFirstDates: boolean;
}

/** Writes the plans: supersede and insert new computations, log moved dates, refresh in place. */
async function writePlans(db: Kysely<Database>, plans: Plan[], o: WriteOptions): Promise<Map<string, string>> {
  const news = plans.filter((p): p is Extract<Plan, { kind: 'new' }> => p.kind === 'new');
  const refreshes = plans.filter((p): p is Extract<Plan, { kind: 'refresh' }> => p.kind === 'refresh');
  const newIds = new Map<string, string>(); // person → new computation id
  const now = new Date();

  for (const part of chunks(news.filter((p) => p.old !== undefined), 5000)) {
    await db.updateTable('sentence_computations').set({ superseded_at: now }).where('id', 'in', part.map((p) => p.old!.id)).execute();
  }
  // Many rows per statement as one JSON document (one parameter): the input and the result go
  // in as JSON values, parsed once by the database.
  for (const part of chunks(news, 4000)) {
    const doc = JSON.stringify(
      part.map((p) => {
        const d = datesOf(p.c.result);
        return [p.c.records.personId, p.c.records.episodeId, p.c.built.status, p.c.built.input.asOf, p.c.built.ruleSetId, p.c.built.input, p.c.result, d.start_date, d.one_third_date, d.two_thirds_date, d.expiry_date, d.pretrial_alert_date];
      }),
    );
    const rows = await sql<{ id: string; person_id: string }>`insert into sentence_computations (person_id, episode_id, status, as_of, rule_set_id, input, result,
        start_date, one_third_date, two_thirds_date, expiry_date, pretrial_alert_date, cause, computed_at, computed_by)
      select (r->>0)::uuid, (r->>1)::uuid, r->>2, (r->>3)::date, r->>4, r->5, r->6,
        (r->>7)::date, (r->>8)::date, (r->>9)::date, (r->>10)::date, (r->>11)::date, ${o.cause}, ${now}, ${o.actorId}::uuid
      from jsonb_array_elements(${doc}::jsonb) r
      returning id, person_id`.execute(db);
    for (const r of rows.rows) newIds.set(r.person_id, r.id);
  }
  const changes = news.filter((p) => p.old !== undefined || o.logFirstDates).flatMap((p) => p.moved.map((m) => [p.c.records.personId, newIds.get(p.c.records.personId)!, m.field, m.old, m.new]));
  for (const part of chunks(changes, 20000)) {
    await sql`insert into sentence_date_changes (person_id, computation_id, field, old_date, new_date, cause, changed_at, changed_by)
      select (r->>0)::uuid, (r->>1)::uuid, r->>2, (r->>3)::date, (r->>4)::date, ${o.cause}, ${now}, ${o.actorId}::uuid
      from jsonb_array_elements(${JSON.stringify(part)}::jsonb) r`.execute(db);
  }

  for (const part of chunks(refreshes)) {
    const values = sql.join(part.map((p) => sql`(${p.old.id}::uuid, ${p.c.built.input.asOf}::date, ${JSON.stringify(p.c.built.input)}::jsonb, ${JSON.stringify(p.c.result)}::jsonb)`));
    await sql`update sentence_computations s set as_of = v.as_of, input = v.input, result = v.result, computed_at = ${now}, computed_by = ${o.actorId}
      from (values ${values}) as v(id, as_of, input, result) where s.id = v.id`.execute(db);
  }
  return newIds;
}

function invalidComputation(error: SentenceValidationError): AppError {
  const e = new AppError(422, 'computation_invalid', 'legalTime.errors.computationInvalid', { path: error.path }, [
    { path: `computation.${error.path}`, key: 'legalTime.errors.computationInvalid', params: { path: error.path }, localized: error.messages },
  ]);
  e.localized = error.messages;
  return e;
}

/**
 * Recomputes one person's sentence (or pretrial days) from the records, inside the caller's
 * transaction. A no-op for a person not held. When the records would give the engine an
 * invalid input (say a redemption record now falls in an escape), nothing is stored and a 422
 * naming the engine's field (`computation.<path>`) aborts the caller's change.
 */
export async function recomputeSentence(db: Kysely<Database>, args: RecomputeArgs): Promise<void> {
  const timeZone = args.timeZone ?? serviceTimeZone();
  const asOf = args.asOf ?? todayIn(timeZone);
  await inTransaction(db, async (trx) => {
    const episodeId = await repo.openEpisodeOf(trx, args.personId);
    if (!episodeId) return;
    const selection: EpisodeSelection = { episodeIds: [episodeId] };
    await repo.lockOne(trx, episodeId);
    const records = (await repo.loadSentenceRecords(trx, selection, timeZone)).get(episodeId);
    if (!records) return;
    const attempt = compute(records, asOf);
    if (attempt === null) return;
    if (!attempt.ok) throw invalidComputation(attempt.error);
    const old = (await repo.currentComputations(trx, selection)).get(args.personId);
    const p = plan(attempt.computed, old, true);
    if (p.kind === 'same') return;
    const ids = await writePlans(trx, [p], { cause: args.cause, actorId: args.actorId, logFirstDates: true });
    const audit = args.audit ?? (await auditActorFor(trx, args.actorId));
    const after = datesOf(attempt.computed.result);
    await recordAudit(trx, audit, {
      action: p.kind === 'new' ? 'sentence.recompute' : 'sentence.refresh',
      targetType: repo.auditTargetType,
      targetId: p.kind === 'new' ? ids.get(args.personId)! : p.old.id,
      facilityCode: records.facilityCode,
      personId: args.personId,
      before: p.old ? { computationId: p.old.id, asOf: p.old.as_of, ...pick(p.old) } : null,
      after: { status: attempt.computed.built.status, asOf, ruleSetId: attempt.computed.built.ruleSetId, ...after },
      details: { cause: args.cause, moved: p.kind === 'new' ? p.moved.map((m) => m.field) : [] },
    });
  });
}

const pick = (r: repo.CurrentComputationRow): Dates => Object.fromEntries(dateFields.map((f) => [f, r[f]])) as Dates;

// ---- everyone at once ----

export interface RecomputeAllOptions {
  /** Default: today in the service's time zone. */
  asOf?: string | undefined;
  cause?: string | undefined;
  actorId?: string | null | undefined;
  audit?: AuditActor | undefined;
  timeZone?: string | undefined;
}

export interface RecomputeSummary {
  asOf: string;
  /** People held (open episodes) read. */
  held: number;
  sentenced: number;
  pretrial: number;
  /** New computations stored (first ones included). */
  stored: number;
  /** Computations brought to the new date in place (never by the run of everyone). */
  refreshed: number;
  /** Nothing changed but the date: the current computation stays (its dates still hold). */
  unchanged: number;
  /** Dates moved from an earlier computation (each logged in sentence_date_changes and audited). */
  datesMoved: number;
  /** People computed for the first time (their dates are in the run's audit entry, not logged one by one). */
  first: number;
  /** People whose records the engine refused (nothing stored for them). */
  failed: { personId: string; path: string; message: string }[];
  timings: { loadMs: number; computeMs: number; storeMs: number; totalMs: number };
}

/**
 * Recomputes everyone held, as of `asOf`: each table read once for the whole population, the
 * computations written in multi-row statements. One audit entry for the run, plus one per
 * person whose dates moved from an earlier computation. Runs in one transaction.
 */
export async function recomputeAll(db: Kysely<Database>, opts: RecomputeAllOptions = {}): Promise<RecomputeSummary> {
  const timeZone = opts.timeZone ?? serviceTimeZone();
  const asOf = opts.asOf ?? todayIn(timeZone);
  const cause = opts.cause ?? 'recompute-all';
  const actorId = opts.actorId ?? null;
  const t0 = performance.now();
  return inTransaction(db, async (trx) => {
    const selection: EpisodeSelection = { held: true };
    await repo.lockAll(trx);
    const [records, current] = await Promise.all([repo.loadSentenceRecords(trx, selection, timeZone), repo.currentComputations(trx, selection)]);
    const t1 = performance.now();
    const plans: Plan[] = [];
    const failed: RecomputeSummary['failed'] = [];
    let sentenced = 0;
    let pretrial = 0;
    for (const r of records.values()) {
      const attempt = compute(r, asOf);
      if (attempt === null) continue;
      if (!attempt.ok) {
        failed.push({ personId: r.personId, path: attempt.error.path, message: attempt.error.message });
        continue;
      }
      if (attempt.computed.built.status === 'sentenced') sentenced++;
      else pretrial++;
      plans.push(plan(attempt.computed, current.get(r.personId), false));
    }
    const t2 = performance.now();
    const ids = await writePlans(trx, plans, { cause, actorId, logFirstDates: false });
    const audit = opts.audit ?? (await auditActorFor(trx, actorId));
    let datesMoved = 0;
    let first = 0;
    const events: AuditEvent[] = [];
    for (const p of plans) {
      if (p.kind !== 'new') continue;
      if (p.old === undefined) first++;
      // Moves of a date already computed are each logged and audited; first computations are in the run's entry.
      if (p.old === undefined || p.moved.length === 0) continue;
      datesMoved += p.moved.length;
      events.push({
        action: 'sentence.recompute',
        targetType: repo.auditTargetType,
        targetId: ids.get(p.c.records.personId)!,
        facilityCode: p.c.records.facilityCode,
        personId: p.c.records.personId,
        before: { computationId: p.old.id, asOf: p.old.as_of, ...pick(p.old) },
        after: { status: p.c.built.status, asOf, ruleSetId: p.c.built.ruleSetId, ...datesOf(p.c.result) },
        details: { cause, moved: p.moved.map((m) => m.field) },
      });
    }
    await recordAuditMany(trx, audit, events);
    const stored = plans.filter((p) => p.kind === 'new').length;
    const refreshed = plans.filter((p) => p.kind === 'refresh').length;
    const t3 = performance.now();
    const summary: RecomputeSummary = {
      asOf,
      held: records.size,
      sentenced,
      pretrial,
      stored,
      refreshed,
      unchanged: plans.length - stored - refreshed,
      datesMoved,
      first,
      failed,
      timings: { loadMs: Math.round(t1 - t0), computeMs: Math.round(t2 - t1), storeMs: Math.round(t3 - t2), totalMs: Math.round(t3 - t0) },
    };
    await recordAudit(trx, audit, {
      action: 'sentence.recompute_all',
      targetType: repo.auditTargetType,
      details: { cause, asOf, held: summary.held, sentenced, pretrial, stored, first, refreshed, unchanged: summary.unchanged, datesMoved, failed: failed.length },
    });
    return summary;
  });
}
