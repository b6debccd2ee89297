// Rule sets of legal control: when the time a person has been held without sentence calls for
// an alert, whether a release at the end of the sentence needs a verified release order, and
// how far ahead the daily lists look. Pure, versioned, frozen data, like the sentence rule
// sets (src/modules/sentence/rule-sets.ts): a changed interpretation is a NEW ENTRY with its
// own effectiveFrom, never an edit of a published one, so that every list and every alert can
// say which version produced it.
//
// The pretrial alert DATE itself is not computed here: it is the stored computation's
// pretrial_alert_date (the engine's pretrialAlertDate, written by legal-time). The thresholds
// below say which alerts are due once a number of days in provisional detention is reached.

import { defineRuleSet, latestFirst, type ParameterDefinitionOf, type VersionedRuleSet } from '../sentence/versioned-rule-set.ts';

export interface ControlParameters {
  /** Days in provisional detention at which the limit alert is due (CPP arts. 12 ¶2, 237: one year). */
  readonly pretrialAlertDays: number;
  /** Days at which the alert escalates: the reported ceiling for complex cases (three years). */
  readonly pretrialEscalationDays: number;
  /** A release for sentence served needs a verified release order (boleta de libertad). */
  readonly releaseOrderRequired: boolean;
  /** How many days ahead the list of releases due soon looks. */
  readonly releaseDueLookaheadDays: number;
  /** How many days ahead the Junta Técnica's agenda looks for people about to reach two thirds. */
  readonly twoThirdsLookaheadDays: number;
}

export type ControlParameterName = keyof ControlParameters;

export type ControlParameterDefinition = ParameterDefinitionOf<ControlParameterName>;
export type ControlRuleSet = VersionedRuleSet<ControlParameterName, ControlParameters>;

export const controlParameterNames: readonly ControlParameterName[] = Object.freeze([
  'pretrialAlertDays',
  'pretrialEscalationDays',
  'releaseOrderRequired',
  'releaseDueLookaheadDays',
  'twoThirdsLookaheadDays',
]);

const PA_CONTROL_1 = defineRuleSet<ControlParameterName, ControlParameters>(
  controlParameterNames,
  {
    family: 'PA-CONTROL',
    version: 1,
    // The accusatory system is in force nationwide since 2 September 2016; the prosecutor's
    // office holds that the one-year cap applies to cases begun after that day.
    effectiveFrom: '2016-09-02',
    title: {
      es: 'Control legal de la detención provisional y de las excarcelaciones, versión 1',
      en: 'Legal control of pretrial detention and releases, version 1',
    },
  },
  {
    pretrialAlertDays: {
      value: 365,
      legalBasis: 'CPP arts. 12 ¶2, 237',
      interpretive: false,
      description: {
        es: 'Días de detención provisional tras los cuales se alerta a la dirección del centro y a la asesoría legal (límite de un año).',
        en: 'Days of provisional detention after which the centre director and the legal office are alerted (one-year limit).',
      },
    },
    pretrialEscalationDays: {
      value: 1095,
      legalBasis: 'CPP art. 12 ¶2 (casos complejos, hasta tres años según la prensa) [U]',
      interpretive: true,
      description: {
        es: 'Días de detención provisional tras los cuales se alerta de nuevo: el tope citado para casos complejos.',
        en: 'Days of provisional detention after which a second alert is raised: the ceiling quoted for complex cases.',
      },
    },
    releaseOrderRequired: {
      value: true,
      legalBasis: 'Ley 55 de 2003; DE 393 de 2005 (boleta de libertad) [U]',
      interpretive: true,
      description: {
        es: 'La excarcelación por cumplimiento de la pena exige además una boleta de libertad verificada.',
        en: 'A release for sentence served also needs a verified release order (boleta de libertad).',
      },
    },
    releaseDueLookaheadDays: {
      value: 30,
      legalBasis: 'Parámetro operativo',
      interpretive: true,
      description: {
        es: 'Días hacia adelante de la lista de excarcelaciones próximas.',
        en: 'Days ahead covered by the list of releases due soon.',
      },
    },
    twoThirdsLookaheadDays: {
      value: 30,
      legalBasis: 'CP arts. 103–107, 112 (parámetro operativo)',
      interpretive: true,
      description: {
        es: 'Días hacia adelante en que la agenda de la Junta Técnica muestra a quienes cumplirán las dos terceras partes.',
        en: 'Days ahead in which the Junta Técnica\'s agenda shows people about to reach two thirds.',
      },
    },
  },
);

/** Every published control rule set, keyed by id. Add new versions; never edit or remove one. */
export const controlRuleSets: Readonly<Record<string, ControlRuleSet>> = Object.freeze({
  [PA_CONTROL_1.id]: PA_CONTROL_1,
});

export const defaultControlRuleSetId = PA_CONTROL_1.id;

export function getControlRuleSet(id: string): ControlRuleSet | undefined {
  return Object.hasOwn(controlRuleSets, id) ? controlRuleSets[id] : undefined;
}

const byEffectiveDesc = latestFirst(Object.values(controlRuleSets));

/** The control rule set in force on `date` (`YYYY-MM-DD`); before the first one, the first one. */
export function controlRuleSetInForce(date: string): ControlRuleSet {
  for (const rs of byEffectiveDesc) if (rs.effectiveFrom <= date) return rs;
  return byEffectiveDesc[byEffectiveDesc.length - 1]!;
}

export type PretrialLevel = 'limit' | 'escalation';

export interface PretrialThreshold {
  level: PretrialLevel;
  days: number;
}

/** The pretrial thresholds of a rule set, lowest first. */
export function pretrialThresholds(rs: ControlRuleSet): PretrialThreshold[] {
  return [
    { level: 'limit', days: rs.values.pretrialAlertDays },
    { level: 'escalation', days: rs.values.pretrialEscalationDays },
  ];
}
