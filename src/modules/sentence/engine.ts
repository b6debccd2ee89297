// The sentence computation (cómputo de la pena), exactly as the spec
// (shared/spec/sentence-computation.md) states it. Pure: no I/O, no clock, no time zone —
// `asOf` comes in with the input and every date is an integer day number inside.
// Cost does not grow with the length of the term: custody is walked period by period
// (custody-timeline.ts), never day by day.

import { termEnd, toIsoDate, type DayNumber } from './dates.ts';
import { custodyDaysUpTo, inCustodyOn, nthCustodyDay } from './custody-timeline.ts';
import { defaultRuleSetId, getRuleSet, parameterNames, type RuleParameters, type RuleSet } from './rule-sets.ts';
import {
  activityKindEs,
  createTrace,
  custodyKindEn,
  custodyKindEs,
  dateEn,
  dateEs,
  isoOrNull,
  termEn,
  termEs,
  type TraceRecorder,
} from './trace.ts';
import type {
  Overrides,
  PlacedSentence,
  PretrialResult,
  SentenceInput,
  SentenceResult,
  SentencedResult,
  SentenceValidationError,
} from './types.ts';
import { analyzeSentenceInput, type NormalizedInput } from './validate.ts';

export interface ComputeOptions {
  /** Rule set to apply; default `defaultRuleSetId` ("PA-2007/1"). See `ruleSetInForce`. */
  ruleSetId?: string;
  /** Build the bilingual trace (default true). */
  trace?: boolean;
}

/** Thrown by computeSentence on invalid input; carries the validation error object. */
export class SentenceInputError extends Error {
  readonly code = 'invalid_input';
  readonly error: SentenceValidationError;
  constructor(error: SentenceValidationError) {
    super(error.message);
    this.name = 'SentenceInputError';
    this.error = error;
  }
  get kind(): 'schema' | 'rule' {
    return this.error.kind;
  }
  get path(): string {
    return this.error.path;
  }
}

export type ComputeOutcome = { ok: true; result: SentenceResult } | { ok: false; error: SentenceValidationError };

function resolveRuleSet(options: ComputeOptions | undefined): RuleSet {
  const id = options?.ruleSetId ?? defaultRuleSetId;
  const rs = getRuleSet(id);
  // A caller bug, not bad input: the option never comes from the input document.
  if (rs === undefined) throw new RangeError(`unknown rule set: ${id}`);
  return rs;
}

/** Validates and computes; never throws for invalid input. */
export function tryComputeSentence(input: unknown, options?: ComputeOptions): ComputeOutcome {
  const rs = resolveRuleSet(options);
  const analysis = analyzeSentenceInput(input);
  if (!analysis.ok) return { ok: false, error: analysis.error };
  return { ok: true, result: computeNormalized(analysis.normalized, rs, options?.trace ?? true) };
}

/** Validates and computes; throws SentenceInputError for invalid input. */
export function computeSentence(input: SentenceInput | unknown, options?: ComputeOptions): SentenceResult {
  const r = tryComputeSentence(input, options);
  if (!r.ok) throw new SentenceInputError(r.error);
  return r.result;
}

// ---------------------------------------------------------------------------------------

const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

function applyOverrides(rs: RuleSet, n: NormalizedInput): { params: RuleParameters; overrides: Overrides } {
  const overrides: Overrides = {};
  let params = rs.values;
  let changed = false;
  for (const name of parameterNames) {
    const v = n.rules[name];
    if (v === undefined || v === rs.values[name]) continue; // equal to the default: not an override
    overrides[name] = { default: rs.values[name], value: v };
    changed = true;
  }
  if (changed) params = { ...rs.values, ...n.rules };
  return { params, overrides };
}

/** The computation proper, on validated and normalized input. */
export function computeNormalized(n: NormalizedInput, rs: RuleSet, withTrace: boolean): SentenceResult {
  const { params: P, overrides } = applyOverrides(rs, n);
  const tr = createTrace(withTrace);
  const t = n.timeline;
  const asOf = n.asOf;
  const asOfIso = n.asOfIso;
  const first = n.custody[0]!; // validation guarantees at least one period
  const S = first.from;
  const SIso = first.fromIso;

  if (tr.enabled) traceRuleSet(tr, rs, overrides);

  // Convention 4 / 11: custody days up to asOf (CP art. 53: all custody counts).
  const custodyDays = custodyDaysUpTo(t, asOf);
  const inCustody = inCustodyOn(t, asOf);
  if (tr.enabled) {
    tr.add(
      'custody',
      'CP art. 53; CPP art. 231',
      `${n.custody.length} período(s) de custodia (prisión, detención provisional, domiciliaria o en centro de salud) se abonan día por día: ${custodyDays} días hasta el ${asOfIso} inclusive. ${inCustody ? 'En custodia' : 'No está en custodia'} el ${asOfIso}.`,
      `${n.custody.length} custody period(s) (prison, provisional detention, house arrest or health facility) are credited day for day: ${custodyDays} days up to and including ${asOfIso}. ${inCustody ? 'In custody' : 'Not in custody'} on ${asOfIso}.`,
      { periods: n.custody.length, custodyDays, asOf: asOfIso, inCustody },
    );
    // Convention 3.
    tr.add(
      'start_date',
      'CP art. 53',
      `Inicio del cómputo: ${SIso}, primer día del período de custodia más antiguo (${custodyKindEs[first.kind]}).`,
      `Start of the computation: ${SIso}, the first day of the earliest custody period (${custodyKindEn[first.kind]}).`,
      { startDate: SIso, kind: first.kind },
    );
  }

  if (n.sentences.length === 0) return pretrial(n, P, rs, overrides, tr, SIso, custodyDays, inCustody);

  // Convention 5: place each sentence, then the aggregate term and the 50-year cap.
  const ends: DayNumber[] = [];
  const placed: PlacedSentence[] = [];
  let latestEnd = -Infinity;
  for (let i = 0; i < n.sentences.length; i++) {
    const s = n.sentences[i]!;
    const consecutive = i > 0 && s.relation === 'consecutive';
    const anchor = consecutive ? (s.consecutiveToIndex >= 0 ? ends[s.consecutiveToIndex]! : latestEnd) : S - 1;
    const start = anchor + 1;
    const end = termEnd(start, s);
    ends.push(end);
    if (end > latestEnd) latestEnd = end;
    const relation = i === 0 ? 'first' : consecutive ? 'consecutive' : 'concurrent';
    const toId = consecutive && s.consecutiveToIndex >= 0 ? n.sentences[s.consecutiveToIndex]!.id : null;
    const p: PlacedSentence = { id: s.id, relation, consecutiveTo: toId, startDate: toIsoDate(start), endDate: toIsoDate(end) };
    placed.push(p);
    if (tr.enabled) traceSentence(tr, s, p);
  }
  const E0 = latestEnd;
  const capEnd = termEnd(S, { years: P.maxAggregateYears, months: 0, days: 0 });
  const capApplied = E0 > capEnd;
  const end = capApplied ? capEnd : E0;
  const T = end - S + 1;
  const longLimit = termEnd(S, { years: P.redemptionThresholdYears, months: 0, days: 0 });
  const long = E0 > longLimit;
  if (tr.enabled) {
    const e0 = toIsoDate(E0), cap = toIsoDate(capEnd), endIso = toIsoDate(end), s = SIso;
    tr.add(
      'aggregate_term',
      rs.parameters.maxAggregateYears.legalBasis,
      `La pena total termina el ${e0}. Tope de ${P.maxAggregateYears} años: inicio + ${P.maxAggregateYears} años − 1 día = ${cap}` +
        (capApplied ? `; se aplica el tope y la pena termina el ${cap}.` : '; no se aplica.') +
        ` Duración T = ${endIso} − ${s} + 1 = ${T} días.`,
      `The aggregate term ends on ${e0}. Cap of ${P.maxAggregateYears} years: start + ${P.maxAggregateYears} years − 1 day = ${cap}` +
        (capApplied ? `; the cap applies and the term ends on ${cap}.` : '; it does not apply.') +
        ` Term T = ${endIso} − ${s} + 1 = ${T} days.`,
      { aggregateEnd: e0, capEnd: cap, capApplied, termEnd: endIso, termDays: T },
    );
    const lim = toIsoDate(longLimit);
    tr.add(
      'long_sentence',
      rs.parameters.redemptionThresholdYears.legalBasis,
      long
        ? `La pena total (sin tope) termina después del ${lim} (inicio + ${P.redemptionThresholdYears} años − 1 día): supera ${P.redemptionThresholdYears} años, así que solo redime la actividad posterior a la tercera parte.`
        : `La pena total termina a más tardar el ${lim} (inicio + ${P.redemptionThresholdYears} años − 1 día): no supera ${P.redemptionThresholdYears} años, así que redime toda la actividad.`,
      long
        ? `The aggregate term (uncapped) ends after ${lim} (start + ${P.redemptionThresholdYears} years − 1 day): it exceeds ${P.redemptionThresholdYears} years, so only activity after one third redeems.`
        : `The aggregate term ends on or before ${lim} (start + ${P.redemptionThresholdYears} years − 1 day): it does not exceed ${P.redemptionThresholdYears} years, so all activity redeems.`,
      { thresholdDate: lim, thresholdYears: P.redemptionThresholdYears, long },
    );
  }

  // Convention 6: executive reductions.
  let reductionDays = 0;
  for (const r of n.reductions) reductionDays += r.days;
  const Tp = Math.max(0, T - reductionDays);
  if (tr.enabled) {
    const refs = n.reductions.map((r) => (r.reference === undefined ? `${r.days}` : `${r.days} (${r.reference})`)).join(' + ');
    tr.add(
      'reductions',
      'Const. art. 184(12)',
      `Rebajas de pena: ${n.reductions.length === 0 ? 'ninguna' : `${refs} = ${reductionDays} días`}. Pena efectiva T′ = máx(0, ${T} − ${reductionDays}) = ${Tp} días.`,
      `Sentence reductions: ${n.reductions.length === 0 ? 'none' : `${refs} = ${reductionDays} days`}. Effective term T′ = max(0, ${T} − ${reductionDays}) = ${Tp} days.`,
      { reductionDays, effectiveTermDays: Tp },
    );
  }

  // Convention 7: non-custodial measure credits, floored per measure.
  let M = 0;
  const measureEs: string[] = [];
  const measureEn: string[] = [];
  for (const m of n.measures) {
    const per = m.kind === 'periodic_reporting' ? P.reportingAppearancesPerDay : P.restrictionDaysPerDay;
    const credit = Math.floor(m.amount / per);
    M += credit;
    if (tr.enabled) {
      if (m.kind === 'periodic_reporting') {
        measureEs.push(`⌊${m.amount} presentaciones ÷ ${per}⌋ = ${credit}`);
        measureEn.push(`⌊${m.amount} appearances ÷ ${per}⌋ = ${credit}`);
      } else {
        const f = m.fromIso, to = m.toIso;
        measureEs.push(`⌊${m.amount} días de restricción territorial (${f} a ${to}) ÷ ${per}⌋ = ${credit}`);
        measureEn.push(`⌊${m.amount} days of territorial restriction (${f} to ${to}) ÷ ${per}⌋ = ${credit}`);
      }
    }
  }
  if (tr.enabled) {
    tr.add(
      'measures',
      rs.parameters.reportingAppearancesPerDay.legalBasis,
      `Abono por medidas cautelares no privativas: ${measureEs.length === 0 ? 'ninguna' : measureEs.join('; ')}. M = ${M} días.`,
      `Credit for non-custodial measures: ${measureEn.length === 0 ? 'none' : measureEn.join('; ')}. M = ${M} days.`,
      { measures: M },
    );
  }

  // Convention 9: redemption. For a long term only days after the plain one-third date count.
  const oneThirdTarget = ceilDiv(Tp, 3);
  const twoThirdsTarget = ceilDiv(2 * Tp, 3);
  const plainN = oneThirdTarget - M;
  const plain = long ? nthCustodyDay(t, plainN) : null;
  const plainIso = isoOrNull(plain);
  const redemptionBasis = rs.parameters.redemptionDaysPerCredit.legalBasis;
  if (tr.enabled && long) {
    tr.add(
      'plain_one_third',
      redemptionBasis,
      `Tercera parte sin redención: día de custodia n.º ⌈${Tp} ÷ 3⌉ − ${M} = ${plainN} → ${dateEs(plainIso)}.` +
        (plain === null ? ' Ninguna actividad redime.' : ` Solo cuenta la actividad posterior a esa fecha.`),
      `Plain one-third date: custody day no. ⌈${Tp} ÷ 3⌉ − ${M} = ${plainN} → ${dateEn(plainIso)}.` +
        (plain === null ? ' No activity redeems.' : ` Only activity after that date counts.`),
      { custodyDayNumber: plainN, plainOneThird: plainIso },
    );
  }
  let approvedDays = 0;
  let projectedDays = 0;
  for (const a of n.activities) {
    const activityDays = a.kind === 'teaching' ? Math.floor(a.amount / P.teachingHoursPerDay) : a.amount;
    const length = a.to - a.from + 1;
    let counted: number;
    let after = length;
    if (!long) counted = activityDays;
    else if (plain === null) counted = after = 0;
    else if (a.from > plain) counted = activityDays;
    else if (a.to <= plain) counted = after = 0;
    else {
      after = a.to - plain;
      counted = Math.floor((activityDays * after) / length);
    }
    if (a.approved) approvedDays += counted;
    else projectedDays += counted;
    if (tr.enabled) traceActivity(tr, redemptionBasis, a, P.teachingHoursPerDay, activityDays, length, after, counted, long);
  }
  const R = Math.floor(approvedDays / P.redemptionDaysPerCredit);
  const projectedRedemption = Math.floor(projectedDays / P.redemptionDaysPerCredit);
  if (tr.enabled) {
    const k = P.redemptionDaysPerCredit;
    tr.add(
      'redemption',
      redemptionBasis,
      `Redención aprobada por el Juez de Cumplimiento R = ⌊${approvedDays} ÷ ${k}⌋ = ${R} días. Redención proyectada (registros no aprobados) = ⌊${projectedDays} ÷ ${k}⌋ = ${projectedRedemption} días; no se abona.`,
      `Redemption approved by the Juez de Cumplimiento R = ⌊${approvedDays} ÷ ${k}⌋ = ${R} days. Projected redemption (records not approved) = ⌊${projectedDays} ÷ ${k}⌋ = ${projectedRedemption} days; not credited.`,
      { approvedActivityDays: approvedDays, redemption: R, projectedActivityDays: projectedDays, projectedRedemption },
    );
  }

  // Convention 10: milestone dates.
  const Rm = P.redemptionCountsTowardMilestones ? R : 0;
  const oneThirdN = oneThirdTarget - M - (long ? 0 : Rm);
  const twoThirdsN = twoThirdsTarget - M - Rm;
  const expiryN = Tp - M - R;
  const rawOneThird = nthCustodyDay(t, oneThirdN);
  const rawTwoThirds = nthCustodyDay(t, twoThirdsN);
  const expiry = nthCustodyDay(t, expiryN); // N < 1 → the first custody day, S
  // Keep the milestones in order; null (no date yet) behaves as "later than any date".
  let oneThird = rawOneThird;
  if (expiry !== null && (oneThird === null || oneThird > expiry)) oneThird = expiry;
  let twoThirds = rawTwoThirds;
  if (expiry !== null && (twoThirds === null || twoThirds > expiry)) twoThirds = expiry;
  if (oneThird !== null && twoThirds !== null && twoThirds < oneThird) twoThirds = oneThird;
  // Each date formatted once, for both the trace and the result.
  const rawOneThirdIso = isoOrNull(rawOneThird);
  const rawTwoThirdsIso = isoOrNull(rawTwoThirds);
  const expiryIso = isoOrNull(expiry);
  const oneThirdIso = oneThird === rawOneThird ? rawOneThirdIso : isoOrNull(oneThird);
  const twoThirdsIso = twoThirds === rawTwoThirds ? rawTwoThirdsIso : isoOrNull(twoThirds);
  if (tr.enabled) {
    traceMilestones(tr, rs, {
      Tp,
      M,
      R,
      Rm,
      long,
      oneThirdTarget,
      twoThirdsTarget,
      oneThirdN,
      twoThirdsN,
      expiryN,
      rawOneThird: rawOneThirdIso,
      rawTwoThirds: rawTwoThirdsIso,
      oneThird: oneThirdIso,
      twoThirds: twoThirdsIso,
      expiry: expiryIso,
    });
  }

  // Convention 11: as of asOf.
  const servedDays = custodyDays + M + R;
  const remainingDays = Math.max(0, Tp - servedDays);
  const overdue = inCustody && expiry !== null && asOf > expiry;
  if (tr.enabled) {
    tr.add(
      'as_of',
      'CP art. 53',
      `Al ${asOfIso}: ${custodyDays} días de custodia + ${M} de medidas + ${R} de redención = ${servedDays} días cumplidos; restan máx(0, ${Tp} − ${servedDays}) = ${remainingDays} días.`,
      `As of ${asOfIso}: ${custodyDays} custody days + ${M} from measures + ${R} redeemed = ${servedDays} days served; remaining max(0, ${Tp} − ${servedDays}) = ${remainingDays} days.`,
      { custodyDays, servedDays, remainingDays },
    );
    if (overdue) {
      const e = expiryIso!;
      tr.add(
        'overdue',
        'CP arts. 52–53',
        `ALERTA: la pena venció el ${e} (la libertad se debía ese día) y la persona sigue en custodia el ${asOfIso}.`,
        `ALERT: the sentence expired on ${e} (release was due that day) and the person is still in custody on ${asOfIso}.`,
        { expiry: e, asOf: asOfIso, overdue },
      );
    }
  }

  const result: SentencedResult = {
    status: 'sentenced',
    asOf: asOfIso,
    startDate: SIso,
    termDays: T,
    capApplied,
    effectiveTermDays: Tp,
    credits: { measures: M, redemption: R, reductions: reductionDays },
    projectedRedemption,
    custodyDays,
    servedDays,
    remainingDays,
    dates: {
      oneThird: oneThirdIso,
      twoThirds: twoThirdsIso,
      conditionalReleaseEligibility: twoThirdsIso,
      expiry: expiryIso,
    },
    reached: {
      oneThird: oneThird !== null && oneThird <= asOf,
      twoThirds: twoThirds !== null && twoThirds <= asOf,
      expiry: expiry !== null && expiry <= asOf,
    },
    overdue,
    inCustody,
    longSentence: long,
    aggregateEndDate: toIsoDate(E0),
    termEndDate: toIsoDate(end),
    sentences: placed,
    ruleSet: rs.id,
    overrides,
    trace: tr.steps,
  };
  return result;
}

// Convention 12: no sentence yet.
function pretrial(
  n: NormalizedInput,
  P: RuleParameters,
  rs: RuleSet,
  overrides: Overrides,
  tr: TraceRecorder,
  SIso: string,
  custodyDays: number,
  inCustody: boolean,
): PretrialResult {
  const alert = nthCustodyDay(n.timeline, P.pretrialAlertDays);
  const reached = alert !== null && alert <= n.asOf;
  const alertIso = isoOrNull(alert);
  if (tr.enabled) {
    const asOfIso = n.asOfIso;
    tr.add(
      'pretrial',
      rs.parameters.pretrialAlertDays.legalBasis,
      `Sin condena: ${custodyDays} días de custodia sin condena al ${asOfIso} (se abonarán a la pena, CP art. 53). Alerta al día de custodia n.º ${P.pretrialAlertDays}: ${dateEs(alertIso)}${reached ? ' — ALERTA VENCIDA' : ''}.`,
      `No sentence: ${custodyDays} days of custody without sentence as of ${asOfIso} (they will count toward the sentence, CP art. 53). Alert on custody day no. ${P.pretrialAlertDays}: ${dateEn(alertIso)}${reached ? ' — ALERT DUE' : ''}.`,
      { pretrialDays: custodyDays, pretrialAlertDays: P.pretrialAlertDays, pretrialAlertDate: alertIso, reached },
    );
  }
  const pending = n.activities.length + n.measures.length + n.reductions.length;
  if (tr.enabled && pending > 0) {
    tr.add(
      'pretrial_credits',
      'CP arts. 57–58; CPP art. 232',
      `${n.activities.length} registro(s) de actividad, ${n.measures.length} medida(s) y ${n.reductions.length} rebaja(s) registrados: se abonarán cuando haya condena.`,
      `${n.activities.length} activity record(s), ${n.measures.length} measure(s) and ${n.reductions.length} reduction(s) recorded: they are credited once there is a sentence.`,
      { activities: n.activities.length, measures: n.measures.length, reductions: n.reductions.length },
    );
  }
  return {
    status: 'pretrial',
    asOf: n.asOfIso,
    startDate: SIso,
    custodyDays,
    pretrialDays: custodyDays,
    pretrialAlertDate: alertIso,
    pretrialAlertReached: reached,
    inCustody,
    ruleSet: rs.id,
    overrides,
    trace: tr.steps,
  };
}

// ---------------------------------------------------------------------------------------
// Trace steps too long to sit inline.

const ruleSetStepCache = new WeakMap<RuleSet, readonly [string, string]>();

function traceRuleSet(tr: TraceRecorder, rs: RuleSet, overrides: Overrides): void {
  let noChange = true;
  for (const _ in overrides) noChange = false;
  if (noChange) {
    // The common case: the same text for every computation under this rule set.
    let cached = ruleSetStepCache.get(rs);
    if (cached === undefined) {
      cached = [
        `Conjunto de reglas ${rs.id} (${rs.title.es}). Parámetros modificados para este caso: ninguno.`,
        `Rule set ${rs.id} (${rs.title.en}). Parameters changed for this case: none.`,
      ];
      ruleSetStepCache.set(rs, cached);
    }
    tr.add('rule_set', rs.id, cached[0], cached[1], { ruleSet: rs.id, overrides: 0 });
    return;
  }
  const changes = parameterNames
    .filter((k) => overrides[k] !== undefined)
    .map((k) => `${k} ${String(overrides[k]!.default)} → ${String(overrides[k]!.value)}`);
  tr.add(
    'rule_set',
    rs.id,
    `Conjunto de reglas ${rs.id} (${rs.title.es}). Parámetros modificados para este caso: ${changes.length === 0 ? 'ninguno' : changes.join(', ')}.`,
    `Rule set ${rs.id} (${rs.title.en}). Parameters changed for this case: ${changes.length === 0 ? 'none' : changes.join(', ')}.`,
    { ruleSet: rs.id, overrides: changes.length },
  );
}

function traceSentence(tr: TraceRecorder, s: { id: string; years: number; months: number; days: number }, p: PlacedSentence): void {
  const { relation, consecutiveTo: toId, startDate: from, endDate: to } = p;
  const howEs =
    relation === 'first'
      ? 'primera condena, corre desde el inicio'
      : relation === 'concurrent'
        ? 'concurrente, corre desde el inicio'
        : toId !== null
          ? `consecutiva a ${toId}, empieza el día siguiente a su fin`
          : 'consecutiva, empieza el día siguiente al fin más tardío hasta ahora';
  const howEn =
    relation === 'first'
      ? 'first sentence, runs from the start'
      : relation === 'concurrent'
        ? 'concurrent, runs from the start'
        : toId !== null
          ? `consecutive to ${toId}, starts the day after it ends`
          : 'consecutive, starts the day after the latest end so far';
  tr.add(
    'sentence',
    'CP art. 52',
    `Condena ${s.id}: ${termEs(s.years, s.months, s.days)}, ${howEs}: del ${from} al ${to} (se suman años, luego meses, luego días, y se resta 1 día).`,
    `Sentence ${s.id}: ${termEn(s.years, s.months, s.days)}, ${howEn}: from ${from} to ${to} (add years, then months, then days, less 1 day).`,
    { id: s.id, relation, consecutiveTo: toId, startDate: from, endDate: to },
  );
}

function traceActivity(
  tr: TraceRecorder,
  rule: string,
  a: NormalizedInput['activities'][number],
  hoursPerDay: number,
  activityDays: number,
  length: number,
  after: number,
  counted: number,
  long: boolean,
): void {
  const f = a.fromIso, to = a.toIso;
  const daysEs =
    a.kind === 'teaching' ? `⌊${a.amount} horas ÷ ${hoursPerDay}⌋ = ${activityDays} días` : `${activityDays} días`;
  const daysEn =
    a.kind === 'teaching' ? `⌊${a.amount} hours ÷ ${hoursPerDay}⌋ = ${activityDays} days` : `${activityDays} days`;
  let es: string, en: string;
  if (!long || after === length) {
    es = `cuentan ${counted}`;
    en = `${counted} count`;
  } else if (after === 0) {
    es = 'ninguno es posterior a la tercera parte: cuentan 0';
    en = 'none is after the one-third date: 0 count';
  } else {
    es = `${after} de sus ${length} días son posteriores a la tercera parte: ⌊${activityDays} × ${after} ÷ ${length}⌋ = ${counted} cuentan`;
    en = `${after} of its ${length} days are after the one-third date: ⌊${activityDays} × ${after} ÷ ${length}⌋ = ${counted} count`;
  }
  tr.add(
    'redemption_record',
    rule,
    `Registro activities[${a.index}] (${activityKindEs[a.kind]}, ${f} a ${to}, ${a.approved ? 'aprobado' : 'no aprobado'}): ${daysEs}; ${es}.`,
    `Record activities[${a.index}] (${a.kind}, ${f} to ${to}, ${a.approved ? 'approved' : 'not approved'}): ${daysEn}; ${en}.`,
    { index: a.index, approved: a.approved, activityDays, daysAfterOneThird: after, recordDays: length, countedDays: counted },
  );
}

interface MilestoneNumbers {
  Tp: number;
  M: number;
  R: number;
  Rm: number;
  long: boolean;
  oneThirdTarget: number;
  twoThirdsTarget: number;
  oneThirdN: number;
  twoThirdsN: number;
  expiryN: number;
  rawOneThird: string | null;
  rawTwoThirds: string | null;
  oneThird: string | null;
  twoThirds: string | null;
  expiry: string | null;
}

function traceMilestones(tr: TraceRecorder, rs: RuleSet, x: MilestoneNumbers): void {
  const r1 = x.long ? 0 : x.Rm;
  tr.add(
    'one_third',
    rs.parameters.redemptionThresholdYears.legalBasis,
    `Tercera parte: día de custodia n.º ⌈${x.Tp} ÷ 3⌉ − ${x.M} − ${r1} = ${x.oneThirdN} → ${dateEs(x.rawOneThird)}` +
      (x.long ? ' (pena larga: la redención no adelanta esta fecha).' : '.'),
    `One third: custody day no. ⌈${x.Tp} ÷ 3⌉ − ${x.M} − ${r1} = ${x.oneThirdN} → ${dateEn(x.rawOneThird)}` +
      (x.long ? ' (long sentence: redemption does not bring this date forward).' : '.'),
    { target: x.oneThirdTarget, custodyDayNumber: x.oneThirdN, date: x.rawOneThird },
  );
  tr.add(
    'two_thirds',
    'CP arts. 103–107, 112; DE 393 art. 99',
    `Dos terceras partes (libertad vigilada y libertad condicional): día de custodia n.º ⌈2 × ${x.Tp} ÷ 3⌉ − ${x.M} − ${x.Rm} = ${x.twoThirdsN} → ${dateEs(x.rawTwoThirds)}.`,
    `Two thirds (libertad vigilada and conditional release): custody day no. ⌈2 × ${x.Tp} ÷ 3⌉ − ${x.M} − ${x.Rm} = ${x.twoThirdsN} → ${dateEn(x.rawTwoThirds)}.`,
    { target: x.twoThirdsTarget, custodyDayNumber: x.twoThirdsN, date: x.rawTwoThirds },
  );
  tr.add(
    'expiry',
    'CP arts. 52–53',
    `Vencimiento (último día de la pena; la libertad se debe ese día): día de custodia n.º ${x.Tp} − ${x.M} − ${x.R} = ${x.expiryN}` +
      (x.expiryN < 1 ? ` (los abonos cubren toda la pena: la fecha de inicio)` : '') +
      ` → ${dateEs(x.expiry)}.`,
    `Expiry (last day of the sentence; release is due that day): custody day no. ${x.Tp} − ${x.M} − ${x.R} = ${x.expiryN}` +
      (x.expiryN < 1 ? ` (credits cover the whole term: the start date)` : '') +
      ` → ${dateEn(x.expiry)}.`,
    { custodyDayNumber: x.expiryN, date: x.expiry },
  );
  if (x.oneThird !== x.rawOneThird || x.twoThirds !== x.rawTwoThirds) {
    tr.add(
      'milestone_order',
      'CP arts. 52–53',
      `Fechas ajustadas para mantener el orden tercera parte ≤ dos terceras partes ≤ vencimiento: tercera parte ${dateEs(x.oneThird)}, dos terceras partes ${dateEs(x.twoThirds)}.`,
      `Dates adjusted to keep one third ≤ two thirds ≤ expiry: one third ${dateEn(x.oneThird)}, two thirds ${dateEn(x.twoThirds)}.`,
      { oneThird: x.oneThird, twoThirds: x.twoThirds },
    );
  }
}
