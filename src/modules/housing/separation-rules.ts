// Separation rules (Mandela Rule 11; Ley 55 de 2003): who may not share a centre, a unit or a
// cell. Pure: no I/O, no clock, no database — the housing service gathers the facts (the
// person, the centre's population group, the unit's kind, the people already there) and asks
// this file which rules a placement would break. An empty list means the placement is allowed;
// anything else is refused unless an authorized officer records an override with a reason.
//
// The parameters are a versioned rule set, like the sentence engine's: a changed
// interpretation is a NEW entry in `separationRuleSets` ("SEP-2026/2" with its own
// effectiveFrom), never an edit, so that every override already recorded stays explainable.
//
//   separationProblems(
//     { sex: 'male', dateOfBirth: '2007-03-01', legalStatus: 'pretrial' },
//     { facilityPopulationGroup: 'men', unitKind: 'general', occupants: [{ sex: 'male', legalStatus: 'sentenced', age: 34 }] },
//     '2026-05-01',
//   ) → [{ code: 'legal_status', cause: 'occupants', … }, { code: 'age', cause: 'occupants', … }]

export type RecordedSex = 'male' | 'female' | 'intersex';
export type HeldStatus = 'pretrial' | 'sentenced' | 'other';
export type PopulationGroup = 'men' | 'women' | 'mixed';
export type HousingUnitKind = 'reception' | 'general' | 'pretrial' | 'sentenced' | 'young_adults' | 'maximum' | 'health' | 'mothers' | 'prerelease';

/** The rules, in the order problems are reported. */
export const separationRules = ['sex', 'gender_identity', 'legal_status', 'age'] as const;
export type SeparationRule = (typeof separationRules)[number];

/**
 * What in the target breaks the rule: the centre's population group, the person's own stated
 * identity (an individual decision wherever they go), the unit's kind, or the people already
 * sharing the space.
 */
export type ProblemCause = 'population_group' | 'identity' | 'unit_kind' | 'occupants';

export interface LocalizedText {
  readonly es: string;
  readonly en: string;
}

export interface SeparationRuleSet {
  /** "<family>/<version>", e.g. "SEP-2026/1". */
  readonly id: string;
  readonly family: string;
  readonly version: number;
  /** First day (inclusive) on which this version is in force, `YYYY-MM-DD`. */
  readonly effectiveFrom: string;
  readonly title: LocalizedText;
  /** The oldest age still counted as a young adult: 20 means "under 21". */
  readonly youngAdultMaxAge: number;
  /** Unit kinds where people of different legal status or age may be together (short stays, care). */
  readonly exemptFromMixing: readonly HousingUnitKind[];
  /**
   * Words (folded: lower case, no accents) that state the same identity as each recorded sex.
   * A gender identity given in other words differs from the recorded sex: the placement is
   * then an individual decision, recorded as an override with its reason.
   */
  readonly identityTermsOf: Readonly<Record<RecordedSex, readonly string[]>>;
  /** The legal source of each rule, as cited in refusals and overrides. */
  readonly legalBasis: Readonly<Record<SeparationRule, string>>;
}

function defineRuleSet(rs: Omit<SeparationRuleSet, 'id'>): SeparationRuleSet {
  return Object.freeze({
    id: `${rs.family}/${rs.version}`,
    ...rs,
    title: Object.freeze({ ...rs.title }),
    exemptFromMixing: Object.freeze([...rs.exemptFromMixing]),
    identityTermsOf: Object.freeze({
      male: Object.freeze([...rs.identityTermsOf.male]),
      female: Object.freeze([...rs.identityTermsOf.female]),
      intersex: Object.freeze([...rs.identityTermsOf.intersex]),
    }),
    legalBasis: Object.freeze({ ...rs.legalBasis }),
  });
}

const SEP_2026_1 = defineRuleSet({
  family: 'SEP-2026',
  version: 1,
  // The date this reading of the rules was published in Custodia. The duties themselves are
  // older (Ley 55 de 2003; Mandela Rules 2015): a placement dated before it (a late entry, the
  // demo's history) is judged by the first version, see separationRuleSetInForce.
  effectiveFrom: '2026-01-01',
  title: {
    es: 'Separación por sexo, situación jurídica y edad (Reglas Mandela 11; Ley 55 de 2003), versión 1',
    en: 'Separation by sex, legal status and age (Mandela Rule 11; Law 55 of 2003), version 1',
  },
  youngAdultMaxAge: 20,
  exemptFromMixing: ['reception', 'health'],
  identityTermsOf: {
    male: ['hombre', 'masculino', 'varon', 'male', 'man', 'masculine'],
    female: ['mujer', 'femenino', 'female', 'woman', 'feminine'],
    intersex: ['intersex', 'intersexual'],
  },
  legalBasis: {
    sex: 'Reglas Mandela 11 a); Ley 55 de 2003, art. 69',
    gender_identity: 'Reglas Mandela 7 a) y 11 a); Principios de Yogyakarta 9',
    legal_status: 'Reglas Mandela 11 b) y 112.1; Ley 55 de 2003, art. 69',
    age: 'Reglas Mandela 11 d); Ley 55 de 2003, art. 69',
  },
});

/** Every published rule set, keyed by id. Add new versions; never edit or remove one. */
export const separationRuleSets: Readonly<Record<string, SeparationRuleSet>> = Object.freeze({ [SEP_2026_1.id]: SEP_2026_1 });

export const defaultSeparationRuleSetId = SEP_2026_1.id;

const byEffectiveDesc: readonly SeparationRuleSet[] = Object.values(separationRuleSets).sort((a, b) =>
  a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : b.version - a.version,
);

/**
 * The rule set in force on `date` (`YYYY-MM-DD`): the latest effectiveFrom on or before it;
 * before the first version, the first version (the duties predate their publication here).
 */
export function separationRuleSetInForce(date: string): SeparationRuleSet {
  for (const rs of byEffectiveDesc) if (rs.effectiveFrom <= date) return rs;
  return byEffectiveDesc[byEffectiveDesc.length - 1]!;
}

// ---- the facts ----

export interface PersonFacts {
  sex: RecordedSex;
  /** `YYYY-MM-DD`, or null when unknown. */
  dateOfBirth: string | null;
  /** The legal status on the placement date, or null when none is recorded. */
  legalStatus: HeldStatus | null;
  /** As the person states it, in their own words; null or blank when not stated. */
  genderIdentity?: string | null | undefined;
}

export interface OccupantFacts {
  sex: RecordedSex;
  legalStatus: HeldStatus | null;
  /** Whole years on the placement date, or null when the date of birth is unknown. */
  age: number | null;
}

export interface TargetFacts {
  facilityPopulationGroup: PopulationGroup;
  unitKind: HousingUnitKind;
  /** The people already sharing the space (the cell, or the unit when no cell is named). */
  occupants: readonly OccupantFacts[];
}

export interface SeparationProblem {
  code: SeparationRule;
  cause: ProblemCause;
  /** The rule set that found it and the legal source of the rule. */
  ruleSetId: string;
  legalBasis: string;
  /** Facts for the message: the person's sex/status/age, the unit kind, how many occupants conflict. */
  params: Record<string, string | number>;
}

// ---- helpers (exported for the service and the tests) ----

/** Whole years from `dateOfBirth` to `onDate` (both `YYYY-MM-DD`); 29 February counts from 1 March. */
export function ageOn(dateOfBirth: string, onDate: string): number {
  const years = Number(onDate.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  return onDate.slice(5) >= dateOfBirth.slice(5) ? years : years - 1;
}

/** Lower case, accents removed, single spaces: how identity words are compared. */
export function foldIdentity(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** True when the person states a gender identity other than their recorded sex. */
export function identityDiffersFromSex(person: Pick<PersonFacts, 'sex' | 'genderIdentity'>, rules: SeparationRuleSet = SEP_2026_1): boolean {
  const stated = foldIdentity(person.genderIdentity ?? '');
  if (!stated) return false;
  return !rules.identityTermsOf[person.sex].includes(stated);
}

export function isYoungAdult(age: number, rules: SeparationRuleSet = SEP_2026_1): boolean {
  return age <= rules.youngAdultMaxAge;
}

// ---- the check ----

/**
 * The separation rules a placement would break, in a fixed order (rule, then cause); empty
 * when it is allowed. Never depends on the order of the occupants.
 *
 * - sex: a men's centre holds men and a women's centre women (the recorded sex); nobody shares
 *   a cell or dormitory with people of another recorded sex, in any unit.
 * - gender_identity: a stated identity other than the recorded sex makes every placement an
 *   individual decision (always an override with its reason).
 * - legal_status: pretrial units hold pretrial people and sentenced units sentenced people;
 *   nobody shares the space with people of another legal status.
 * - age: young-adult units hold only people known to be under 21 (rule set: youngAdultMaxAge);
 *   young adults and older adults never share the space.
 * Reception and health units (rule set: exemptFromMixing) are exempt from the legal-status and
 * age rules, never from the sex rule. Unknown facts (no legal status, no date of birth) break
 * no mixing rule, except that a person of unknown age is not placed in a young-adult unit.
 */
export function separationProblems(person: PersonFacts, target: TargetFacts, onDate: string, rules: SeparationRuleSet = separationRuleSetInForce(onDate)): SeparationProblem[] {
  const out: SeparationProblem[] = [];
  const add = (code: SeparationRule, cause: ProblemCause, params: Record<string, string | number>) =>
    out.push({ code, cause, ruleSetId: rules.id, legalBasis: rules.legalBasis[code], params });

  // Men and women.
  const group = target.facilityPopulationGroup;
  if ((group === 'men' && person.sex !== 'male') || (group === 'women' && person.sex !== 'female')) {
    add('sex', 'population_group', { sex: person.sex, group });
  }
  const otherSex = target.occupants.filter((o) => o.sex !== person.sex).length;
  if (otherSex > 0) add('sex', 'occupants', { sex: person.sex, count: otherSex });

  // Gender identity other than the recorded sex: an individual decision, wherever it is.
  if (identityDiffersFromSex(person, rules)) add('gender_identity', 'identity', { sex: person.sex });

  const exempt = rules.exemptFromMixing.includes(target.unitKind);

  // Pretrial and sentenced.
  const status = person.legalStatus;
  if (!exempt && status !== null) {
    if ((target.unitKind === 'pretrial' || target.unitKind === 'sentenced') && status !== target.unitKind) {
      add('legal_status', 'unit_kind', { status, unitKind: target.unitKind });
    }
    const otherStatus = target.occupants.filter((o) => o.legalStatus !== null && o.legalStatus !== status).length;
    if (otherStatus > 0) add('legal_status', 'occupants', { status, count: otherStatus });
  }

  // Young adults and older adults.
  if (!exempt) {
    const age = person.dateOfBirth ? ageOn(person.dateOfBirth, onDate) : null;
    if (target.unitKind === 'young_adults' && (age === null || !isYoungAdult(age, rules))) {
      add('age', 'unit_kind', { age: age ?? 'unknown', maxAge: rules.youngAdultMaxAge, unitKind: target.unitKind });
    }
    if (age !== null) {
      const young = isYoungAdult(age, rules);
      const otherAge = target.occupants.filter((o) => o.age !== null && isYoungAdult(o.age, rules) !== young).length;
      if (otherAge > 0) add('age', 'occupants', { age, maxAge: rules.youngAdultMaxAge, count: otherAge });
    }
  }
  return out;
}

/** The distinct rules among problems, in rule order ("sex,age" is what an override records). */
export function rulesOf(problems: readonly SeparationProblem[]): SeparationRule[] {
  return separationRules.filter((r) => problems.some((p) => p.code === r));
}
