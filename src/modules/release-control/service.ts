// Release control (issue 6, items 4 and 7): per centre, every day, who is held without
// sentence and for how long, whose release is due today or soon, who reached two thirds (the
// Junta Técnica's agenda), and the RED LIST — anyone still held after the end date of the
// sentence, a critical alert to the director and headquarters until released or explained.
// Plus the confirmation of a computation by a second legal user, which a release for sentence
// served needs (gate.ts).
//
// Every list reads the stored computations (legal-time writes them); nothing is recomputed.
// "Today" is the date in the service's time zone. Each use case starts with its access check,
// runs in one transaction and audits in it.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, systemActor, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import type { AppState } from '../../platform/http/context.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { todayIn } from '../../platform/time.ts';
import { dayNumber, toIsoDate } from '../sentence/dates.ts';
import { closeAlertsOf, raiseAlert } from '../alerts/service.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import * as repo from './repository.ts';
import { controlRuleSetInForce, controlRuleSets, pretrialThresholds, type ControlRuleSet, type PretrialLevel } from './rule-sets.ts';
import { isOrderCase, releaseOrderRequired } from './gate.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Pick<Settings, 'timeZone'>;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const systemT = translator('es');
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const explanationMin = 10;
export const explanationMax = 2000;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

const addDays = (date: string, n: number): string => toIsoDate(dayNumber(date) + n);
const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);
const nameOf = (r: { given_names: string; first_surname: string; second_surname: string | null }) => [r.given_names, r.first_surname, r.second_surname].filter(Boolean).join(' ');

export const todayOf = (deps: Pick<Deps, 'settings'>): string => todayIn(deps.settings.timeZone);

// ---- views ----

export interface UserRef {
  id: string;
  displayName: string;
}

export interface CaseView {
  id: string;
  caseNumber: string;
  authorityKind: 'court' | 'prosecutor';
  authorityName: string;
  stage: string;
  sentenced: boolean;
}

const caseView = (k: repo.CaseRow): CaseView => ({ id: k.id, caseNumber: k.case_number, authorityKind: k.authority_kind, authorityName: k.authority_name, stage: k.stage, sentenced: k.sentenced });

export interface PersonRef {
  personId: string;
  prisonerNumber: string;
  name: string;
  facilityCode: string | null;
}

export interface SentencedItem extends PersonRef {
  episodeId: string;
  computationId: string;
  asOf: string;
  startDate: string | null;
  oneThirdDate: string | null;
  twoThirdsDate: string | null;
  expiryDate: string | null;
  ruleSetId: string;
  confirmedBy: UserRef | null;
  confirmedAt: string | null;
  pendingReleaseId: string | null;
}

function sentencedItem(r: repo.SentencedRow): SentencedItem {
  return {
    personId: r.person_id,
    prisonerNumber: r.prisoner_number,
    name: nameOf(r),
    facilityCode: r.location_facility_code,
    episodeId: r.episode_id,
    computationId: r.computation_id,
    asOf: r.as_of,
    startDate: r.start_date,
    oneThirdDate: r.one_third_date,
    twoThirdsDate: r.two_thirds_date,
    expiryDate: r.expiry_date,
    ruleSetId: r.rule_set_id,
    confirmedBy: r.confirmed_by ? { id: r.confirmed_by, displayName: r.confirmed_by_name ?? '' } : null,
    confirmedAt: r.confirmed_at ? r.confirmed_at.toISOString() : null,
    pendingReleaseId: r.pending_release_id,
  };
}

export type OverdueState = 'unexplained' | 'explained' | 'held_by_case';

export interface ExplanationView {
  id: string;
  computationId: string;
  explanation: string;
  explainedBy: UserRef;
  explainedAt: string;
}

export interface OverdueItem extends SentencedItem {
  daysOverdue: number;
  state: OverdueState;
  explanation: ExplanationView | null;
  /** Open cases without a verified sentence: they hold the person (the automatic explanation). */
  holdingCases: CaseView[];
  alertId: string | null;
}

export interface TwoThirdsItem extends SentencedItem {
  reached: boolean;
  daysSinceTwoThirds: number;
}

export interface PretrialItem extends PersonRef {
  episodeId: string;
  computationId: string;
  startDate: string | null;
  days: number;
  alertDate: string | null;
  level: PretrialLevel | null;
  thresholdsReached: number[];
  cases: CaseView[];
}

export interface ThresholdView {
  level: PretrialLevel;
  days: number;
}

// ---- reading ----

/** A centre the caller reaches, or 404 (unknown and out of scope alike). */
async function facilityInScope(db: Kysely<Database>, actor: Actor, code: string) {
  if (!inScope(actor, code)) throw notFound();
  const f = await repo.facility(db, code);
  if (!f) throw notFound();
  return f;
}

/** The centres of the caller's scope (reference data, not audited). */
export async function facilitiesInScope(deps: Deps, actor: Actor) {
  requireAccess(actor, 'legal.read');
  return repo.facilities(deps.db, facilityScope(actor));
}

const clampLimit = (n: number | undefined, def: number, max: number) => Math.min(Math.max(Math.trunc(n ?? def) || def, 1), max);
const clampOffset = (n: number | undefined) => Math.min(Math.max(Math.trunc(n ?? 0) || 0, 0), 1_000_000);

function levelOf(rs: ControlRuleSet, days: number, alertDate: string | null, today: string): { level: PretrialLevel | null; reached: number[] } {
  const reached: number[] = [];
  let level: PretrialLevel | null = null;
  for (const t of pretrialThresholds(rs)) {
    // The limit's date is the stored computation's (the engine's pretrialAlertDate); the others count days.
    const hit = t.level === 'limit' && alertDate ? alertDate <= today : days >= t.days;
    if (hit) {
      reached.push(t.days);
      level = t.level;
    }
  }
  return { level, reached };
}

export interface PretrialList {
  facilityCode: string;
  facilityName: string;
  asOf: string;
  ruleSetId: string;
  thresholds: ThresholdView[];
  total: number;
  withoutComputation: number;
  items: PretrialItem[];
}

/** Everyone held without sentence at a centre, longest in provisional detention first. One audit entry per query. */
export async function pretrialList(deps: Deps, caller: Caller, code: string, q: { limit?: number | undefined; offset?: number | undefined } = {}): Promise<PretrialList> {
  requireAccess(caller.actor, 'legal.read');
  const today = todayOf(deps);
  const rs = controlRuleSetInForce(today);
  const limit = clampLimit(q.limit, 50, 500);
  const offset = clampOffset(q.offset);
  return inTransaction(deps.db, async (trx) => {
    const f = await facilityInScope(trx, caller.actor, code);
    const { rows, total } = await repo.pretrialPage(trx, code, today, limit, offset);
    const cases = await repo.openCasesOfEpisodes(trx, rows.map((r) => r.episode_id));
    const withoutComputation = await repo.heldWithoutComputation(trx, code);
    const items = rows.map((r): PretrialItem => {
      const days = Number(r.days);
      const { level, reached } = levelOf(rs, days, r.pretrial_alert_date, today);
      return {
        personId: r.person_id,
        prisonerNumber: r.prisoner_number,
        name: nameOf(r),
        facilityCode: r.location_facility_code,
        episodeId: r.episode_id,
        computationId: r.computation_id,
        startDate: r.start_date,
        days,
        alertDate: r.pretrial_alert_date,
        level,
        thresholdsReached: reached,
        cases: cases.filter((k) => k.episode_id === r.episode_id).map(caseView),
      };
    });
    await recordAudit(trx, caller.audit, {
      action: 'release_control.pretrial_list',
      targetType: 'facility',
      targetId: code,
      facilityCode: code,
      details: { asOf: today, limit, offset, total, returned: items.length },
    });
    return { facilityCode: f.code, facilityName: f.name, asOf: today, ruleSetId: rs.id, thresholds: pretrialThresholds(rs), total, withoutComputation, items };
  });
}

/** Overdue rows with their explanation, holding cases and open red alert. */
async function overdueItems(db: Kysely<Database>, rows: repo.SentencedRow[], today: string): Promise<OverdueItem[]> {
  const explanations = await repo.explanationsOf(db, rows.map((r) => r.computation_id));
  const cases = await repo.openCasesOfEpisodes(db, rows.map((r) => r.episode_id));
  const alerts = await repo.openAlertsOf(db, 'release_overdue', rows.map((r) => r.person_id));
  return rows.map((r): OverdueItem => {
    const x = explanations.find((e) => e.computation_id === r.computation_id);
    const holding = cases.filter((k) => k.episode_id === r.episode_id && !k.sentenced).map(caseView);
    return {
      ...sentencedItem(r),
      daysOverdue: r.expiry_date ? daysBetween(r.expiry_date, today) : 0,
      state: x ? 'explained' : holding.length ? 'held_by_case' : 'unexplained',
      explanation: x ? { id: x.id, computationId: x.computation_id, explanation: x.explanation, explainedBy: { id: x.explained_by, displayName: x.explained_by_name }, explainedAt: x.explained_at.toISOString() } : null,
      holdingCases: holding,
      alertId: alerts.find((a) => a.person_id === r.person_id)?.id ?? null,
    };
  });
}

export interface ControlBoard {
  facilityCode: string;
  facilityName: string;
  asOf: string;
  ruleSetId: string;
  releaseDueLookaheadDays: number;
  overdue: OverdueItem[];
  due: SentencedItem[];
  soon: SentencedItem[];
  twoThirds: { total: number; limit: number; offset: number; items: TwoThirdsItem[] };
}

/** A centre's daily release control: the red list, releases due today and soon, the two-thirds agenda (paged). */
export async function controlBoard(deps: Deps, caller: Caller, code: string, q: { limit?: number | undefined; offset?: number | undefined } = {}): Promise<ControlBoard> {
  requireAccess(caller.actor, 'legal.read');
  const today = todayOf(deps);
  const rs = controlRuleSetInForce(today);
  const limit = clampLimit(q.limit, 50, 500);
  const offset = clampOffset(q.offset);
  return inTransaction(deps.db, async (trx) => {
    const f = await facilityInScope(trx, caller.actor, code);
    const scope = [code];
    const overdue = await overdueItems(trx, await repo.overdueRows(trx, scope, today), today);
    const due = (await repo.expiringRows(trx, scope, today, today)).map(sentencedItem);
    const soon = (await repo.expiringRows(trx, scope, addDays(today, 1), addDays(today, rs.values.releaseDueLookaheadDays))).map(sentencedItem);
    const tt = await repo.twoThirdsPage(trx, code, today, addDays(today, rs.values.twoThirdsLookaheadDays), limit, offset);
    const twoThirds = tt.rows.map((r): TwoThirdsItem => ({ ...sentencedItem(r), reached: r.two_thirds_date! <= today, daysSinceTwoThirds: daysBetween(r.two_thirds_date!, today) }));
    await recordAudit(trx, caller.audit, {
      action: 'release_control.board',
      targetType: 'facility',
      targetId: code,
      facilityCode: code,
      details: { asOf: today, overdue: overdue.length, due: due.length, soon: soon.length, twoThirds: tt.total, limit, offset },
    });
    return {
      facilityCode: f.code,
      facilityName: f.name,
      asOf: today,
      ruleSetId: rs.id,
      releaseDueLookaheadDays: rs.values.releaseDueLookaheadDays,
      overdue,
      due,
      soon,
      twoThirds: { total: tt.total, limit, offset, items: twoThirds },
    };
  });
}

export interface RedList {
  asOf: string;
  items: OverdueItem[];
}

/** The red list across the caller's centres (headquarters: every centre). One audit entry per query. */
export async function redList(deps: Deps, caller: Caller): Promise<RedList> {
  requireAccess(caller.actor, 'legal.read');
  const today = todayOf(deps);
  return inTransaction(deps.db, async (trx) => {
    const items = await overdueItems(trx, await repo.overdueRows(trx, facilityScope(caller.actor), today), today);
    await recordAudit(trx, caller.audit, { action: 'release_control.red_list', targetType: 'facility', details: { asOf: today, returned: items.length } });
    return { asOf: today, items };
  });
}

export interface ComputationView {
  id: string;
  episodeId: string;
  status: 'sentenced' | 'pretrial';
  asOf: string;
  ruleSetId: string;
  startDate: string | null;
  oneThirdDate: string | null;
  twoThirdsDate: string | null;
  expiryDate: string | null;
  pretrialAlertDate: string | null;
  cause: string;
  computedAt: string;
  confirmedBy: UserRef | null;
  confirmedAt: string | null;
}

const computationView = (c: repo.ComputationRow): ComputationView => ({
  id: c.id,
  episodeId: c.episode_id,
  status: c.status,
  asOf: c.as_of,
  ruleSetId: c.rule_set_id,
  startDate: c.start_date,
  oneThirdDate: c.one_third_date,
  twoThirdsDate: c.two_thirds_date,
  expiryDate: c.expiry_date,
  pretrialAlertDate: c.pretrial_alert_date,
  cause: c.cause,
  computedAt: c.computed_at.toISOString(),
  confirmedBy: c.confirmed_by ? { id: c.confirmed_by, displayName: c.confirmed_by_name ?? '' } : null,
  confirmedAt: c.confirmed_at ? c.confirmed_at.toISOString() : null,
});

export interface ReleaseCheck {
  personId: string;
  episodeId: string | null;
  asOf: string;
  ruleSetId: string;
  computation: ComputationView | null;
  /** Who may not confirm the computation: the registrants and verifiers of the sentence orders. */
  excludedConfirmers: string[];
  /** The caller may confirm the current computation now. */
  canConfirm: boolean;
  releaseOrderRequired: boolean;
  sentenceServedFrom: string | null;
  overdue: boolean;
  daysOverdue: number;
  explanations: ExplanationView[];
  /** Open cases of the episode: sentenced ones are served at the end date; the others hold the person until closed or released by order. */
  openCases: CaseView[];
}

/** What a release of the person rests on: the current computation and its confirmation, the open cases, the overdue state. */
export async function releaseCheckIn(db: Kysely<Database>, actor: Actor, personId: string, today: string): Promise<ReleaseCheck> {
  const rs = controlRuleSetInForce(today);
  const episode = await repo.openEpisodeOf(db, personId);
  const c = await repo.currentComputation(db, personId);
  const comp = c && (!episode || c.episode_id === episode.id) ? c : undefined;
  const excluded = comp ? await repo.sentenceOrderSignatories(db, personId, comp.episode_id) : new Set<string>();
  const cases = episode ? await repo.openCasesOfEpisodes(db, [episode.id]) : [];
  const explanations = comp ? await repo.explanationsOf(db, [comp.id]) : [];
  const overdue = Boolean(episode && comp?.status === 'sentenced' && comp.expiry_date && comp.expiry_date < today);
  return {
    personId,
    episodeId: episode?.id ?? null,
    asOf: today,
    ruleSetId: rs.id,
    computation: comp ? computationView(comp) : null,
    excludedConfirmers: [...excluded],
    canConfirm: Boolean(comp && comp.status === 'sentenced' && !comp.confirmed_by && actor.permissions.has('sentence.verify') && !excluded.has(actor.userId)),
    releaseOrderRequired: releaseOrderRequired('sentence_served', today),
    sentenceServedFrom: comp?.status === 'sentenced' ? comp.expiry_date : null,
    overdue,
    daysOverdue: overdue ? daysBetween(comp!.expiry_date!, today) : 0,
    explanations: explanations.map((x) => ({ id: x.id, computationId: x.computation_id, explanation: x.explanation, explainedBy: { id: x.explained_by, displayName: x.explained_by_name }, explainedAt: x.explained_at.toISOString() })),
    openCases: cases.map(caseView),
  };
}

/** The release check of a person the caller reaches (API); the read is audited. */
export async function releaseCheck(deps: Deps, caller: Caller, personId: string): Promise<ReleaseCheck> {
  requireAccess(caller.actor, 'legal.read');
  return inTransaction(deps.db, async (trx) => {
    const p = await requirePersonInScope(trx, caller.actor, personId);
    const check = await releaseCheckIn(trx, caller.actor, personId, todayOf(deps));
    await recordAudit(trx, caller.audit, { action: 'release_control.check', targetType: 'person', targetId: personId, facilityCode: p.location_facility_code, personId });
    return check;
  });
}

// ---- confirming a computation ----

export interface ConfirmationView {
  personId: string;
  computation: ComputationView;
}

/**
 * A legal user holding sentence.verify confirms the person's current sentence computation:
 * not one who registered or verified a sentence order of the person (422 confirmedBy). The
 * computation sent must still be the current one (409 once recomputed: confirm the new one)
 * and not yet confirmed (409); a pretrial computation has nothing to confirm (422).
 */
export async function confirmComputation(deps: Deps, caller: Caller, personId: string, input: { computationId: string }): Promise<ConfirmationView> {
  requireAccess(caller.actor, 'sentence.verify');
  return inTransaction(deps.db, async (trx) => {
    const p = await requirePersonInScope(trx, caller.actor, personId, { forUpdate: true });
    const c = await repo.currentComputation(trx, personId, { lock: true });
    if (!c) throw notFound();
    if (!uuidPattern.test(input.computationId)) throw fieldRule('computationId', 'releaseControl.errors.computationId');
    if (c.id !== input.computationId) throw new AppError(409, 'computation_superseded', 'releaseControl.errors.superseded');
    if (c.status !== 'sentenced') throw fieldRule('computationId', 'releaseControl.errors.pretrialComputation');
    if (c.confirmed_by) throw new AppError(409, 'already_confirmed', 'releaseControl.errors.alreadyConfirmed', { name: c.confirmed_by_name ?? '' });
    const excluded = await repo.sentenceOrderSignatories(trx, personId, c.episode_id);
    if (excluded.has(caller.actor.userId)) throw fieldRule('confirmedBy', 'releaseControl.errors.signatoryConfirms');
    const now = new Date();
    const r = await trx
      .updateTable('sentence_computations')
      .set({ confirmed_by: caller.actor.userId, confirmed_at: now })
      .where('id', '=', c.id)
      .where('superseded_at', 'is', null)
      .where('confirmed_by', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new AppError(409, 'computation_superseded', 'releaseControl.errors.superseded');
    const after = (await repo.currentComputation(trx, personId))!;
    await recordAudit(trx, caller.audit, {
      action: 'sentence_computation.confirmed',
      targetType: 'sentence_computation',
      targetId: c.id,
      facilityCode: p.location_facility_code,
      personId,
      after: { computationId: c.id, ruleSetId: c.rule_set_id, startDate: c.start_date, oneThirdDate: c.one_third_date, twoThirdsDate: c.two_thirds_date, expiryDate: c.expiry_date, confirmedAt: now.toISOString() },
    });
    return { personId, computation: computationView(after) };
  });
}

// ---- explaining an overdue person ----

export interface ExplanationResult extends ExplanationView {
  personId: string;
  alertsClosed: number;
}

/**
 * Why a person past the end date is still held (an order on its way, a court's decision
 * pending…): text of at least 10 characters (422 explanation), for a person who is overdue
 * now (422 personId otherwise). It applies to the current computation (send computationId to
 * be sure: 409 when it was recomputed) and closes the red alert.
 */
export async function explainOverdue(deps: Deps, caller: Caller, personId: string, input: { explanation: string; computationId?: string | undefined }): Promise<ExplanationResult> {
  requireAccess(caller.actor, 'release.explain');
  const text = (input.explanation ?? '').trim();
  if (text.length < explanationMin || text.length > explanationMax) throw fieldRule('explanation', 'releaseControl.errors.explanationLength', { min: explanationMin, max: explanationMax });
  const today = todayOf(deps);
  return inTransaction(deps.db, async (trx) => {
    const p = await requirePersonInScope(trx, caller.actor, personId, { forUpdate: true });
    const episode = await repo.openEpisodeOf(trx, personId);
    const c = await repo.currentComputation(trx, personId, { lock: true });
    if (input.computationId !== undefined && input.computationId !== '' && c?.id !== input.computationId) throw new AppError(409, 'computation_superseded', 'releaseControl.errors.superseded');
    if (!episode || !c || c.episode_id !== episode.id || c.status !== 'sentenced' || !c.expiry_date || c.expiry_date >= today) throw fieldRule('personId', 'releaseControl.errors.notOverdue');
    const row = await trx
      .insertInto('overdue_explanations')
      .values({ person_id: personId, computation_id: c.id, explanation: text, explained_by: caller.actor.userId })
      .returning(['id', 'explained_at'])
      .executeTakeFirstOrThrow();
    const alertsClosed = await closeAlertsOf(trx, { typeCode: 'release_overdue', personId }, systemT('releaseControl.alerts.explained', { text }).slice(0, 1000), caller.audit);
    await recordAudit(trx, caller.audit, {
      action: 'overdue.explained',
      targetType: 'overdue_explanation',
      targetId: row.id,
      facilityCode: p.location_facility_code,
      personId,
      after: { computationId: c.id, expiryDate: c.expiry_date, explanation: text, alertsClosed },
    });
    return {
      id: row.id,
      personId,
      computationId: c.id,
      explanation: text,
      explainedBy: { id: caller.actor.userId, displayName: caller.actor.displayName },
      explainedAt: row.explained_at.toISOString(),
      alertsClosed,
    };
  });
}

// ---- the daily control ----

export interface ControlRun {
  asOf: string;
  ruleSetId: string;
  pretrialAlerts: number;
  overdueAlerts: number;
  dueAlerts: number;
  alertsClosed: number;
}

const pretrialRecipients = ['director', 'legal'] as const;
// Small transactions: PGlite has one connection, and pages wait while a chunk runs.
const pretrialChunk = 25;

/**
 * The daily control (idempotent: run it as often as you like). Raises, through the alert
 * mechanism:
 * - `pretrial_limit` to the centre's director and the legal office, once per custody episode
 *   and threshold, when the threshold is reached (the first on the stored pretrial alert date);
 * - `release_due` to the legal office, once per episode and end date, on the end date;
 * - `release_overdue` (critical) to the director — the centre's and headquarters' — for
 *   anyone held past the end date without an explanation and without another case holding
 *   them, whenever no such alert is open (closing it by hand does not make the cause go away).
 * Closes the control's alerts whose cause is gone (released, explained, recomputed).
 */
export async function runReleaseControl(db: Kysely<Database>, opts: { today: string; audit?: AuditActor }): Promise<ControlRun> {
  const today = opts.today;
  const audit = opts.audit ?? systemActor;
  const rs = controlRuleSetInForce(today);
  const out: ControlRun = { asOf: today, ruleSetId: rs.id, pretrialAlerts: 0, overdueAlerts: 0, dueAlerts: 0, alertsClosed: 0 };

  // Pretrial thresholds: the notice row claims the alert (ON CONFLICT DO NOTHING), so a
  // threshold is alerted once even when two servers run at the same time. In chunks: the first
  // run over a backlog (the demo, a new installation) raises thousands of alerts.
  const pending = (await repo.pretrialReached(db, today))
    .map((r) => ({ r, days: Number(r.days), due: levelOf(rs, Number(r.days), r.pretrial_alert_date, today).reached.filter((d) => !r.notified.includes(String(d))) }))
    .filter((x) => x.due.length && x.r.location_facility_code);
  for (let i = 0; i < pending.length; i += pretrialChunk) {
    await db.transaction().execute(async (trx) => {
      for (const { r, days, due } of pending.slice(i, i + pretrialChunk)) {
        for (const threshold of due) {
          const claimed = await trx
            .insertInto('release_control_notices')
            .values({ episode_id: r.episode_id, kind: 'pretrial_limit', key: String(threshold), person_id: r.person_id, computation_id: r.computation_id })
            .onConflict((oc) => oc.doNothing())
            .returning('key')
            .executeTakeFirst();
          if (!claimed) continue;
          const level = pretrialThresholds(rs).find((t) => t.days === threshold)!.level;
          for (const role of pretrialRecipients) {
            await raiseAlert(
              trx,
              {
                typeCode: 'pretrial_limit',
                personId: r.person_id,
                facilityCode: r.location_facility_code,
                recipientRole: role,
                ...(level === 'escalation' ? { severity: 'critical' as const } : {}),
                summary: systemT(`releaseControl.alerts.pretrial.${level}`, { number: r.prisoner_number, days, threshold }),
                details: { episodeId: r.episode_id, computationId: r.computation_id, thresholdDays: threshold, level, days, alertDate: r.pretrial_alert_date, ruleSetId: rs.id },
                raisedBy: null,
              },
              audit,
            );
            out.pretrialAlerts++;
          }
        }
      }
    });
  }

  await db.transaction().execute(async (trx) => {
    // Due today: release_due to the legal office, once per episode and end date.
    for (const r of await repo.expiringRows(trx, null, today, today)) {
      if (!r.location_facility_code || !r.expiry_date) continue;
      const claimed = await trx
        .insertInto('release_control_notices')
        .values({ episode_id: r.episode_id, kind: 'release_due', key: r.expiry_date, person_id: r.person_id, computation_id: r.computation_id })
        .onConflict((oc) => oc.doNothing())
        .returning('key')
        .executeTakeFirst();
      if (!claimed) continue;
      await raiseAlert(
        trx,
        {
          typeCode: 'release_due',
          personId: r.person_id,
          facilityCode: r.location_facility_code,
          summary: systemT('releaseControl.alerts.due', { number: r.prisoner_number, date: r.expiry_date }),
          details: { episodeId: r.episode_id, computationId: r.computation_id, expiryDate: r.expiry_date, confirmed: r.confirmed_by !== null },
          raisedBy: null,
        },
        audit,
      );
      out.dueAlerts++;
    }

    // The red list: a critical alert while held past the end date, unexplained, not held by another case.
    const overdue = await overdueItems(trx, await repo.overdueRows(trx, null, today), today);
    const red = new Set<string>();
    for (const o of overdue) {
      if (o.state !== 'unexplained' || !o.facilityCode) continue;
      red.add(o.personId);
      if (o.alertId) continue;
      await raiseAlert(
        trx,
        {
          typeCode: 'release_overdue',
          personId: o.personId,
          facilityCode: o.facilityCode,
          summary: systemT('releaseControl.alerts.overdue', { number: o.prisonerNumber, date: o.expiryDate, days: o.daysOverdue }),
          details: { episodeId: o.episodeId, computationId: o.computationId, expiryDate: o.expiryDate, daysOverdue: o.daysOverdue },
          raisedBy: null,
        },
        audit,
      );
      out.overdueAlerts++;
    }

    // Alerts whose cause is gone: custody ended (a death, a release recorded elsewhere), or no longer red.
    for (const a of await repo.openControlAlerts(trx)) {
      if (!a.person_id) continue;
      const ended = a.open_episode_id === null;
      const noLongerRed = a.type_code === 'release_overdue' && !red.has(a.person_id);
      if (!ended && !noLongerRed) continue;
      out.alertsClosed += await closeAlertsOf(trx, { alertId: a.id }, systemT(ended ? 'releaseControl.alerts.custodyEnded' : 'releaseControl.alerts.noLongerOverdue'), audit);
    }
  });
  return out;
}

/**
 * Runs the control in the background: soon after start, then every hour (each run is
 * idempotent, so a person who becomes due or overdue during the day is picked up within the
 * hour; the alerts are still raised once). The timer does not keep the process alive; runs
 * never overlap. Returns the function that stops it.
 */
export function startReleaseControl(state: AppState, log: (m: string) => void, opts: { firstRunMs?: number; everyMs?: number } = {}): () => void {
  let running = false;
  const run = async (): Promise<void> => {
    if (running || !state.ready) return;
    running = true;
    try {
      const r = await runReleaseControl(state.db, { today: todayIn(state.settings.timeZone) });
      if (r.pretrialAlerts || r.overdueAlerts || r.dueAlerts || r.alertsClosed) {
        log(`release control ${r.asOf}: ${r.pretrialAlerts} pretrial, ${r.dueAlerts} due, ${r.overdueAlerts} overdue alerts raised; ${r.alertsClosed} closed`);
      }
    } catch (e) {
      log(`release control: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void run(), opts.firstRunMs ?? 30_000);
  first.unref();
  const timer = setInterval(() => void run(), opts.everyMs ?? 3_600_000);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

// ---- rule sets ----

export function listControlRuleSets(actor: Actor) {
  requireAccess(actor, 'legal.read');
  return Object.values(controlRuleSets).map((rs) => ({
    id: rs.id,
    family: rs.family,
    version: rs.version,
    effectiveFrom: rs.effectiveFrom,
    title: rs.title,
    parameters: Object.values(rs.parameters).map((p) => ({ name: p.name, value: p.value, legalBasis: p.legalBasis, interpretive: p.interpretive, description: p.description })),
  }));
}

export { isOrderCase };
