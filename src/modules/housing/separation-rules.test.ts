// The separation rules: examples named after what they protect, and properties (fast-check)
// over random people and rooms: a matching empty unit is always allowed; the order of the
// occupants never matters; mixing is symmetric (A with B is refused exactly when B with A is);
// more occupants never remove a problem; reception and health never refuse for status or age.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ageOn,
  defaultSeparationRuleSetId,
  identityDiffersFromSex,
  rulesOf,
  separationProblems,
  separationRuleSetInForce,
  separationRuleSets,
  type HeldStatus,
  type HousingUnitKind,
  type OccupantFacts,
  type PersonFacts,
  type PopulationGroup,
  type RecordedSex,
  type TargetFacts,
} from './separation-rules.ts';

const onDate = '2026-05-01';
const codes = (p: PersonFacts, t: TargetFacts, d = onDate) => separationProblems(p, t, d).map((x) => `${x.code}:${x.cause}`);
const room = (unitKind: HousingUnitKind, occupants: OccupantFacts[] = [], facilityPopulationGroup: PopulationGroup = 'men'): TargetFacts => ({ facilityPopulationGroup, unitKind, occupants });
const man = (extra: Partial<PersonFacts> = {}): PersonFacts => ({ sex: 'male', dateOfBirth: '1990-01-01', legalStatus: 'pretrial', ...extra });

describe('the rule set', () => {
  test('SEP-2026/1: under 21 is a young adult, with its legal basis, frozen', () => {
    const rs = separationRuleSets[defaultSeparationRuleSetId]!;
    assert.equal(rs.id, 'SEP-2026/1');
    assert.equal(rs.youngAdultMaxAge, 20);
    assert.match(rs.legalBasis.age, /Mandela 11/);
    assert.match(rs.legalBasis.legal_status, /Ley 55/);
    assert.ok(Object.isFrozen(rs) && Object.isFrozen(rs.legalBasis) && Object.isFrozen(rs.exemptFromMixing));
    assert.equal(separationRuleSetInForce('2026-06-01').id, 'SEP-2026/1');
    // Dates before the first version (late entries, history) are judged by it.
    assert.equal(separationRuleSetInForce('2015-03-01').id, 'SEP-2026/1');
  });

  test('ages in whole years; 29 February counts from 1 March', () => {
    assert.equal(ageOn('2005-05-01', '2026-05-01'), 21);
    assert.equal(ageOn('2005-05-02', '2026-05-01'), 20);
    assert.equal(ageOn('2004-02-29', '2025-02-28'), 20);
    assert.equal(ageOn('2004-02-29', '2025-03-01'), 21);
  });

  test('a gender identity in other words than the recorded sex differs; the same words, any accents or case, do not', () => {
    assert.equal(identityDiffersFromSex({ sex: 'male', genderIdentity: 'Varón' }), false);
    assert.equal(identityDiffersFromSex({ sex: 'female', genderIdentity: ' MUJER ' }), false);
    assert.equal(identityDiffersFromSex({ sex: 'male', genderIdentity: '' }), false);
    assert.equal(identityDiffersFromSex({ sex: 'male', genderIdentity: null }), false);
    assert.equal(identityDiffersFromSex({ sex: 'male', genderIdentity: 'mujer trans' }), true);
    assert.equal(identityDiffersFromSex({ sex: 'female', genderIdentity: 'no binaria' }), true);
  });
});

describe('examples', () => {
  test('a woman in a men\'s centre, and a man in a women\'s centre', () => {
    assert.deepEqual(codes(man({ sex: 'female' }), room('general')), ['sex:population_group']);
    assert.deepEqual(codes(man(), room('general', [], 'women')), ['sex:population_group']);
    assert.deepEqual(codes(man({ sex: 'intersex' }), room('general', [], 'men')), ['sex:population_group']);
    assert.deepEqual(codes(man({ sex: 'female' }), room('general', [], 'mixed')), []);
  });

  test('a mixed centre: nobody shares a cell with another sex, not even in reception', () => {
    assert.deepEqual(codes(man(), room('reception', [{ sex: 'female', legalStatus: 'pretrial', age: 30 }], 'mixed')), ['sex:occupants']);
  });

  test('a stated gender identity makes every placement an individual decision', () => {
    assert.deepEqual(codes(man({ genderIdentity: 'mujer trans' }), room('general')), ['gender_identity:identity']);
    assert.deepEqual(codes(man({ genderIdentity: 'mujer trans' }), room('reception')), ['gender_identity:identity']);
  });

  test('pretrial and sentenced: the unit\'s kind and the cell\'s occupants', () => {
    assert.deepEqual(codes(man({ legalStatus: 'sentenced' }), room('pretrial')), ['legal_status:unit_kind']);
    assert.deepEqual(codes(man(), room('sentenced')), ['legal_status:unit_kind']);
    assert.deepEqual(codes(man(), room('general', [{ sex: 'male', legalStatus: 'sentenced', age: 40 }])), ['legal_status:occupants']);
    assert.deepEqual(codes(man(), room('general', [{ sex: 'male', legalStatus: null, age: 40 }])), []);
    const [p] = separationProblems(man(), room('general', [{ sex: 'male', legalStatus: 'sentenced', age: 40 }, { sex: 'male', legalStatus: 'pretrial', age: 40 }, { sex: 'male', legalStatus: 'other', age: 40 }]), onDate);
    assert.equal(p!.params.count, 2);
  });

  test('young adults: the unit is for under-21s only; an under-21 never shares with adults, nor an adult with an under-21', () => {
    const young = man({ dateOfBirth: '2006-01-01' }); // 20 on the date
    assert.deepEqual(codes(young, room('young_adults')), []);
    assert.deepEqual(codes(man(), room('young_adults')), ['age:unit_kind']);
    assert.deepEqual(codes(man({ dateOfBirth: null }), room('young_adults')), ['age:unit_kind']);
    assert.deepEqual(codes(young, room('general')), []);
    assert.deepEqual(codes(young, room('general', [{ sex: 'male', legalStatus: 'pretrial', age: 36 }])), ['age:occupants']);
    assert.deepEqual(codes(man(), room('general', [{ sex: 'male', legalStatus: 'pretrial', age: 19 }])), ['age:occupants']);
    // The day of the 21st birthday the person is an adult.
    assert.deepEqual(codes(man({ dateOfBirth: '2005-05-01' }), room('young_adults')), ['age:unit_kind']);
  });

  test('reception and health are exempt from status and age mixing, not from sex', () => {
    const everyone: OccupantFacts[] = [{ sex: 'male', legalStatus: 'sentenced', age: 19 }, { sex: 'male', legalStatus: 'other', age: 70 }];
    assert.deepEqual(codes(man(), room('reception', everyone)), []);
    assert.deepEqual(codes(man(), room('health', everyone)), []);
    assert.deepEqual(codes(man({ sex: 'female' }), room('health', everyone, 'mixed')), ['sex:occupants']);
  });

  test('several rules at once, in rule order, with the legal basis and rule set', () => {
    const p = separationProblems(man({ sex: 'female', dateOfBirth: '2007-01-01' }), room('sentenced', [{ sex: 'male', legalStatus: 'sentenced', age: 45 }]), onDate);
    assert.deepEqual(p.map((x) => `${x.code}:${x.cause}`), ['sex:population_group', 'sex:occupants', 'legal_status:unit_kind', 'legal_status:occupants', 'age:occupants']);
    assert.deepEqual(rulesOf(p), ['sex', 'legal_status', 'age']);
    assert.ok(p.every((x) => x.ruleSetId === 'SEP-2026/1' && x.legalBasis.length > 0));
  });
});

// ---- properties ----

const sexArb = fc.constantFrom<RecordedSex>('male', 'female', 'intersex');
const statusArb = fc.option(fc.constantFrom<HeldStatus>('pretrial', 'sentenced', 'other'), { nil: null });
const kindArb = fc.constantFrom<HousingUnitKind>('reception', 'general', 'pretrial', 'sentenced', 'young_adults', 'maximum', 'health', 'mothers', 'prerelease');
const groupArb = fc.constantFrom<PopulationGroup>('men', 'women', 'mixed');
const dobArb = fc.option(
  fc.date({ min: new Date('1940-01-01T00:00:00Z'), max: new Date('2008-05-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  { nil: null },
);
const identityArb = fc.option(fc.constantFrom('hombre', 'Mujer', 'mujer trans', 'no binario', 'varón', 'intersex', ''), { nil: null });
const personArb: fc.Arbitrary<PersonFacts> = fc.record({ sex: sexArb, dateOfBirth: dobArb, legalStatus: statusArb, genderIdentity: identityArb });
const occupantArb: fc.Arbitrary<OccupantFacts> = fc.record({ sex: sexArb, legalStatus: statusArb, age: fc.option(fc.integer({ min: 18, max: 90 }), { nil: null }) });
const targetArb: fc.Arbitrary<TargetFacts> = fc.record({ facilityPopulationGroup: groupArb, unitKind: kindArb, occupants: fc.array(occupantArb, { maxLength: 8 }) });
const dateArb = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

/** The person as an occupant on a date (for the symmetry properties). */
const asOccupant = (p: PersonFacts, d: string): OccupantFacts => ({ sex: p.sex, legalStatus: p.legalStatus, age: p.dateOfBirth ? ageOn(p.dateOfBirth, d) : null });
const occupantRules = (p: PersonFacts, t: TargetFacts, d: string) => separationProblems(p, t, d).filter((x) => x.cause === 'occupants').map((x) => x.code).sort();

describe('properties', () => {
  test('an empty unit that matches the person (centre, kind, age) has no problem', () => {
    fc.assert(
      fc.property(personArb, groupArb, kindArb, dateArb, (p, group, kind, d) => {
        const age = p.dateOfBirth ? ageOn(p.dateOfBirth, d) : null;
        const groupMatches = group === 'mixed' || (group === 'men' && p.sex === 'male') || (group === 'women' && p.sex === 'female');
        const kindMatches =
          ['reception', 'health'].includes(kind) ||
          (kind === 'pretrial' ? p.legalStatus === null || p.legalStatus === 'pretrial' : true) &&
          (kind === 'sentenced' ? p.legalStatus === null || p.legalStatus === 'sentenced' : true) &&
          (kind === 'young_adults' ? age !== null && age <= 20 : true);
        fc.pre(groupMatches && kindMatches && !identityDiffersFromSex(p));
        assert.deepEqual(separationProblems(p, { facilityPopulationGroup: group, unitKind: kind, occupants: [] }, d), []);
      }),
      { numRuns: 500 },
    );
  });

  test('problems never depend on the order of the occupants', () => {
    fc.assert(
      fc.property(personArb, targetArb, dateArb, fc.integer(), (p, t, d, seed) => {
        const shuffled = [...t.occupants];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          const j = Math.abs(s) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        assert.deepEqual(separationProblems(p, { ...t, occupants: shuffled }, d), separationProblems(p, t, d));
      }),
      { numRuns: 300 },
    );
  });

  test('the sex rule is symmetric: A may share with B exactly when B may share with A', () => {
    fc.assert(
      fc.property(personArb, personArb, kindArb, groupArb, dateArb, (a, b, kind, group, d) => {
        const sexOf = (x: PersonFacts, y: PersonFacts) => separationProblems(x, { facilityPopulationGroup: group, unitKind: kind, occupants: [asOccupant(y, d)] }, d).some((p) => p.code === 'sex' && p.cause === 'occupants');
        assert.equal(sexOf(a, b), sexOf(b, a));
      }),
      { numRuns: 300 },
    );
  });

  test('every mixing rule is symmetric between two people with known facts', () => {
    fc.assert(
      fc.property(personArb, personArb, kindArb, groupArb, dateArb, (a, b, kind, group, d) => {
        fc.pre(a.dateOfBirth !== null && b.dateOfBirth !== null && a.legalStatus !== null && b.legalStatus !== null);
        const t = (y: PersonFacts): TargetFacts => ({ facilityPopulationGroup: group, unitKind: kind, occupants: [asOccupant(y, d)] });
        assert.deepEqual(occupantRules(a, t(b), d), occupantRules(b, t(a), d));
      }),
      { numRuns: 300 },
    );
  });

  test('another occupant never removes a problem', () => {
    fc.assert(
      fc.property(personArb, targetArb, occupantArb, dateArb, (p, t, extra, d) => {
        const before = separationProblems(p, t, d).map((x) => `${x.code}:${x.cause}`);
        const after = separationProblems(p, { ...t, occupants: [...t.occupants, extra] }, d).map((x) => `${x.code}:${x.cause}`);
        for (const c of before) assert.ok(after.includes(c), `${c} disappeared`);
      }),
      { numRuns: 300 },
    );
  });

  test('reception and health never refuse for legal status or age', () => {
    fc.assert(
      fc.property(personArb, targetArb, fc.constantFrom<HousingUnitKind>('reception', 'health'), dateArb, (p, t, kind, d) => {
        const found = separationProblems(p, { ...t, unitKind: kind }, d);
        assert.ok(found.every((x) => x.code === 'sex' || x.code === 'gender_identity'), JSON.stringify(found));
      }),
      { numRuns: 300 },
    );
  });

  test('a problem is reported at most once per rule and cause, always with its legal basis', () => {
    fc.assert(
      fc.property(personArb, targetArb, dateArb, (p, t, d) => {
        const found = separationProblems(p, t, d);
        const keys = found.map((x) => `${x.code}:${x.cause}`);
        assert.equal(new Set(keys).size, keys.length);
        assert.ok(found.every((x) => x.legalBasis && x.ruleSetId === 'SEP-2026/1'));
      }),
      { numRuns: 300 },
    );
  });
});
