// Rule sets: the legal parameters of the sentence computation as versioned, frozen data.
//
// Where the law is unclear the engine does not hard-code a choice: it reads a named
// parameter from a rule set, and every result says which rule set (id "PA-2007/1") and which
// per-case overrides produced it. A changed interpretation or a law reform is a NEW ENTRY in
// `ruleSets` (e.g. "PA-2007/2" with its own effectiveFrom) — never an edit of an existing
// entry, because results already issued under "PA-2007/1" must stay reproducible.

import { defineRuleSet, latestFirst, type ParameterDefinitionOf, type VersionedRuleSet } from './versioned-rule-set.ts';

export interface RuleParameters {
  /** Cap on the aggregate term, in years (CP art. 52). */
  readonly maxAggregateYears: number;
  /** Activity days per day redeemed (CP arts. 57–58). */
  readonly redemptionDaysPerCredit: number;
  /** Teaching hours per activity day (CP arts. 57–58). */
  readonly teachingHoursPerDay: number;
  /** Aggregate terms longer than this many years redeem only activity after one third. */
  readonly redemptionThresholdYears: number;
  /** Whether approved redemption also brings the one-third and two-thirds dates forward. */
  readonly redemptionCountsTowardMilestones: boolean;
  /** Reporting appearances per day credited (CPP art. 232). */
  readonly reportingAppearancesPerDay: number;
  /** Days of territorial restriction per day credited (CPP art. 232). */
  readonly restrictionDaysPerDay: number;
  /** Pretrial custody days after which an alert is due (CPP arts. 12, 237). */
  readonly pretrialAlertDays: number;
}

export type ParameterName = keyof RuleParameters;

export type { LocalizedText } from './versioned-rule-set.ts';

export type ParameterDefinition = ParameterDefinitionOf<ParameterName>;
export type RuleSet = VersionedRuleSet<ParameterName, RuleParameters>;

/** Names in a fixed order, for validation messages and documentation. */
export const parameterNames: readonly ParameterName[] = Object.freeze([
  'maxAggregateYears',
  'redemptionDaysPerCredit',
  'teachingHoursPerDay',
  'redemptionThresholdYears',
  'redemptionCountsTowardMilestones',
  'reportingAppearancesPerDay',
  'restrictionDaysPerDay',
  'pretrialAlertDays',
]);

/** Código Penal (Ley 14 de 2007) and Código Procesal Penal (Ley 63 de 2008), version 1. */
const PA_2007_1 = defineRuleSet<ParameterName, RuleParameters>(
  parameterNames,
  {
    family: 'PA-2007',
    version: 1,
    // [U] Entry into force of the Código Penal of 2007 (one year after its promulgation),
    // assumed; nothing earlier is computed under any other rule set today, so the only effect
    // is on `ruleSetInForce` for dates before it.
    effectiveFrom: '2008-05-22',
    title: {
      es: 'Código Penal (Ley 14 de 2007) y Código Procesal Penal (Ley 63 de 2008), versión 1',
      en: 'Penal Code (Law 14 of 2007) and Code of Criminal Procedure (Law 63 of 2008), version 1',
    },
  },
  {
    maxAggregateYears: {
      value: 50,
      legalBasis: 'CP art. 52',
      interpretive: false,
      description: {
        es: 'Tope de la pena total por varios delitos, en años.',
        en: 'Cap on the aggregate prison term for several offences, in years.',
      },
    },
    redemptionDaysPerCredit: {
      value: 2,
      legalBasis: 'CP arts. 57–58',
      interpretive: false,
      description: {
        es: 'Días de trabajo, estudio o enseñanza por cada día de pena redimido.',
        en: 'Days of work, study or teaching per day of sentence redeemed.',
      },
    },
    teachingHoursPerDay: {
      value: 8,
      legalBasis: 'CP arts. 57–58',
      interpretive: false,
      description: {
        es: 'Horas de enseñanza que cuentan como un día de actividad.',
        en: 'Teaching hours that count as one activity day.',
      },
    },
    redemptionThresholdYears: {
      value: 5,
      legalBasis: 'CP arts. 57–58',
      interpretive: false,
      description: {
        es: 'Si la pena total supera estos años, solo redime la actividad posterior a la tercera parte de la pena.',
        en: 'When the aggregate term exceeds this many years, only activity after one third of the sentence redeems.',
      },
    },
    redemptionCountsTowardMilestones: {
      value: true,
      legalBasis: 'CP arts. 57–58, 103–107, 112',
      interpretive: true,
      description: {
        es: 'La redención aprobada también adelanta las fechas de la tercera parte y de las dos terceras partes.',
        en: 'Approved redemption also brings the one-third and two-thirds dates forward.',
      },
    },
    reportingAppearancesPerDay: {
      value: 5,
      legalBasis: 'CPP art. 232',
      interpretive: false,
      description: {
        es: 'Presentaciones periódicas que se abonan como un día de prisión.',
        en: 'Periodic reporting appearances credited as one day of prison.',
      },
    },
    restrictionDaysPerDay: {
      value: 5,
      legalBasis: 'CPP art. 232',
      interpretive: false,
      description: {
        es: 'Días de prohibición de salir de un ámbito territorial que se abonan como un día de prisión.',
        en: 'Days of a ban on leaving an area credited as one day of prison.',
      },
    },
    pretrialAlertDays: {
      value: 365,
      legalBasis: 'CPP arts. 12 ¶2, 237',
      interpretive: true,
      description: {
        es: 'Días de custodia sin condena tras los cuales se emite una alerta (límite de un año de detención provisional).',
        en: 'Days of custody without sentence after which an alert is due (one-year limit on provisional detention).',
      },
    },
  },
);

/** Every published rule set, keyed by id. Add new versions; never edit or remove one. */
export const ruleSets: Readonly<Record<string, RuleSet>> = Object.freeze({
  [PA_2007_1.id]: PA_2007_1,
});

export const defaultRuleSetId = PA_2007_1.id;

export function getRuleSet(id: string): RuleSet | undefined {
  return Object.hasOwn(ruleSets, id) ? ruleSets[id] : undefined;
}

// Sorted once, latest effectiveFrom first, for ruleSetInForce.
const byEffectiveDesc = latestFirst(Object.values(ruleSets));

/**
 * The rule set in force on `date` (`YYYY-MM-DD`): the one with the latest effectiveFrom on or
 * before that date. ISO dates compare correctly as strings. Undefined before the first one.
 */
export function ruleSetInForce(date: string): RuleSet | undefined {
  for (const rs of byEffectiveDesc) if (rs.effectiveFrom <= date) return rs;
  return undefined;
}
