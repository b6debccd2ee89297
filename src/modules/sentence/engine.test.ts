import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { computeSentence, SentenceInputError, tryComputeSentence } from './engine.ts';
import { defaultRuleSetId, getRuleSet, parameterNames, ruleSetInForce, ruleSets } from './rule-sets.ts';
import type { PretrialResult, SentencedResult, SentenceInput } from './types.ts';

const specExample: SentenceInput = {
  asOf: '2026-11-29',
  custody: [
    { from: '2021-03-10', to: '2021-09-30', kind: 'provisional_detention' },
    { from: '2022-01-15', to: null, kind: 'prison' },
  ],
  sentences: [
    { id: 'S1', years: 8, months: 0, days: 0, relation: 'first' },
    { id: 'S2', years: 1, months: 6, days: 0, relation: 'consecutive', consecutiveTo: 'S1' },
  ],
  activities: [
    { kind: 'work', from: '2024-01-01', to: '2024-06-30', days: 120, approved: true },
    { kind: 'teaching', from: '2024-07-01', to: '2024-12-31', hours: 200, approved: false },
  ],
  measures: [
    { kind: 'periodic_reporting', appearances: 23 },
    { kind: 'territorial_restriction', from: '2021-10-01', to: '2022-01-14' },
  ],
  reductions: [{ days: 180, reference: 'DE 270 de 2020' }],
  rules: { pretrialAlertDays: 365 },
};

const sentenced = (input: unknown, opts?: Parameters<typeof computeSentence>[1]): SentencedResult => {
  const r = computeSentence(input, opts);
  assert.equal(r.status, 'sentenced');
  return r as SentencedResult;
};

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function allValidInputs(): unknown[] {
  const root = path.resolve(import.meta.dirname, '../../..');
  const dirs = [path.join(root, 'test/fixtures/sentence-cases'), path.join(import.meta.dirname, 'cases')];
  const out: unknown[] = [];
  for (const d of dirs)
    for (const f of readdirSync(d).filter((x) => x.endsWith('.json'))) {
      const c = JSON.parse(readFileSync(path.join(d, f), 'utf8'));
      if (c.expected.error === undefined) out.push(c.input);
    }
  return out;
}

describe('computeSentence API', () => {
  test('spec example: every number of the spec output', () => {
    const r = sentenced(specExample);
    assert.equal(r.termDays, 3471);
    assert.equal(r.effectiveTermDays, 3291);
    assert.deepEqual(r.credits, { measures: 25, redemption: 10, reductions: 180 });
    assert.equal(r.projectedRedemption, 12);
    assert.equal(r.custodyDays, 1985);
    assert.equal(r.servedDays, 2020);
    assert.equal(r.remainingDays, 1271);
    assert.deepEqual(r.dates, {
      oneThird: '2024-05-30',
      twoThirds: '2027-05-22',
      conditionalReleaseEligibility: '2027-05-22',
      expiry: '2030-05-23',
    });
    assert.equal(r.ruleSet, 'PA-2007/1');
    assert.deepEqual(r.overrides, {}); // 365 equals the default
    assert.equal(r.aggregateEndDate, '2030-09-09');
    assert.equal(r.longSentence, true);
    assert.deepEqual(
      r.sentences.map((s) => [s.id, s.startDate, s.endDate]),
      [
        ['S1', '2021-03-10', '2029-03-09'],
        ['S2', '2029-03-10', '2030-09-09'],
      ],
    );
  });

  test('invalid input: computeSentence throws SentenceInputError, tryComputeSentence returns it', () => {
    const bad = structuredClone(specExample);
    bad.custody[1]!.from = '2021-09-30';
    assert.throws(
      () => computeSentence(bad),
      (e: unknown) => {
        assert.ok(e instanceof SentenceInputError);
        assert.ok(e instanceof Error);
        assert.equal(e.code, 'invalid_input');
        assert.equal(e.kind, 'rule');
        assert.equal(e.path, 'custody[1].from');
        assert.equal(e.error.code, 'invalid_input');
        assert.match(e.message, /^custody\[1\]\.from: overlaps custody\[0\]/);
        return true;
      },
    );
    const r = tryComputeSentence(bad);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.path, 'custody[1].from');
  });

  test('unknown ruleSetId is a programming error (RangeError), not an input error', () => {
    assert.throws(() => computeSentence(specExample, { ruleSetId: 'PA-1982/1' }), RangeError);
    assert.equal(sentenced(specExample, { ruleSetId: 'PA-2007/1' }).ruleSet, 'PA-2007/1');
  });

  test('overrides list exactly the parameters changed, with default and value', () => {
    const input = {
      ...structuredClone(specExample),
      rules: { maxAggregateYears: 50, redemptionDaysPerCredit: 3, redemptionCountsTowardMilestones: false, pretrialAlertDays: 300 },
    };
    const r = sentenced(input);
    assert.deepEqual(r.overrides, {
      redemptionDaysPerCredit: { default: 2, value: 3 },
      redemptionCountsTowardMilestones: { default: true, value: false },
      pretrialAlertDays: { default: 365, value: 300 },
    });
    assert.equal(r.credits.redemption, Math.floor(20 / 3));
    assert.match(r.trace[0]!.en, /redemptionDaysPerCredit 2 → 3/);
    // The published rule set is untouched.
    assert.equal(getRuleSet(defaultRuleSetId)!.values.redemptionDaysPerCredit, 2);
  });

  test('the cap parameter can be overridden', () => {
    const input = {
      asOf: '2026-11-29',
      custody: [{ from: '2019-07-04', to: null, kind: 'prison' }],
      sentences: [
        { id: 'S1', years: 30, months: 0, days: 0 },
        { id: 'S2', years: 25, months: 0, days: 0, relation: 'consecutive' },
      ],
      rules: { maxAggregateYears: 40 },
    };
    const r = sentenced(input);
    assert.equal(r.capApplied, true);
    assert.equal(r.termEndDate, '2059-07-03');
    assert.equal(r.aggregateEndDate, '2074-07-03');
  });

  test('pretrial result carries no term fields', () => {
    const r = computeSentence({ asOf: '2026-11-29', custody: [{ from: '2026-01-20', to: null, kind: 'prison' }] });
    assert.equal(r.status, 'pretrial');
    const p = r as PretrialResult;
    assert.equal(p.pretrialDays, 314);
    assert.equal(p.pretrialAlertDate, '2027-01-19');
    assert.equal(p.pretrialAlertReached, false);
    for (const k of ['termDays', 'dates', 'credits', 'expiry', 'remainingDays', 'overdue']) assert.ok(!(k in r), k);
  });

  test('not overdue when custody ended, even after expiry', () => {
    const r = sentenced({
      asOf: '2026-11-29',
      custody: [{ from: '2024-01-01', to: '2024-12-31', kind: 'prison' }],
      sentences: [{ id: 'S', years: 0, months: 6, days: 0 }],
    });
    assert.equal(r.dates.expiry, '2024-06-30');
    assert.equal(r.overdue, false);
    assert.equal(r.inCustody, false);
    assert.equal(r.reached.expiry, true);
  });

  test('a milestone is reached on its own date', () => {
    const input = {
      asOf: '2027-05-31',
      custody: [{ from: '2025-06-01', to: null, kind: 'prison' }],
      sentences: [{ id: 'S', years: 2, months: 0, days: 0 }],
    };
    const r = sentenced(input);
    assert.equal(r.dates.expiry, '2027-05-31');
    assert.equal(r.reached.expiry, true);
    assert.equal(r.overdue, false); // release is due that day, not overdue yet
    assert.equal(sentenced({ ...input, asOf: '2027-06-01' }).overdue, true);
  });

  test('the input is never modified', () => {
    const input = deepFreeze(structuredClone(specExample));
    assert.doesNotThrow(() => computeSentence(input));
  });

  test('never reads the clock: the same results with Date disabled', () => {
    const inputs = allValidInputs();
    const before = inputs.map((i) => JSON.stringify(computeSentence(i)));
    const RealDate = globalThis.Date;
    const trap = new Proxy(RealDate, {
      construct() {
        throw new Error('the engine constructed a Date');
      },
      apply() {
        throw new Error('the engine called Date()');
      },
      get(target, prop, receiver) {
        if (prop === 'now' || prop === 'parse' || prop === 'UTC') throw new Error(`the engine used Date.${String(prop)}`);
        return Reflect.get(target, prop, receiver);
      },
    });
    globalThis.Date = trap;
    let after: string[];
    try {
      after = inputs.map((i) => JSON.stringify(computeSentence(i)));
    } finally {
      globalThis.Date = RealDate;
    }
    assert.deepEqual(after, before);
  });

  test('trace: every step names a rule and explains itself in Spanish and English', () => {
    const r = sentenced(specExample);
    const steps = r.trace.map((s) => s.step);
    for (const s of ['rule_set', 'custody', 'start_date', 'sentence', 'aggregate_term', 'long_sentence', 'reductions'])
      assert.ok(steps.includes(s), s);
    for (const s of ['measures', 'plain_one_third', 'redemption_record', 'redemption', 'one_third', 'two_thirds', 'expiry', 'as_of'])
      assert.ok(steps.includes(s), s);
    for (const s of r.trace) {
      assert.ok(s.rule.length > 0 && s.es.length > 0 && s.en.length > 0, s.step);
      assert.equal(s.detail, s.en);
      assert.notEqual(s.es, s.en, s.step);
    }
    const byStep = (k: string) => r.trace.find((s) => s.step === k)!;
    assert.equal(byStep('start_date').rule, 'CP art. 53');
    assert.equal(byStep('aggregate_term').rule, 'CP art. 52');
    assert.equal(byStep('measures').rule, 'CPP art. 232');
    assert.equal(byStep('redemption').rule, 'CP arts. 57–58');
    assert.match(byStep('redemption_record').en, /⌊120 × 31 ÷ 182⌋ = 20/);
    assert.match(byStep('expiry').es, /3291 − 25 − 10 = 3256 → 2030-05-23/);
    assert.match(byStep('two_thirds').en, /⌈2 × 3291 ÷ 3⌉ − 25 − 10 = 2159 → 2027-05-22/);
    assert.match(byStep('reductions').es, /DE 270 de 2020/);
  });

  test('trace: false skips the trace and changes nothing else', () => {
    const a = sentenced(specExample);
    const b = sentenced(specExample, { trace: false });
    assert.deepEqual(b.trace, []);
    assert.deepEqual({ ...b, trace: a.trace }, a);
  });

  test('overdue adds an alert step', () => {
    const r = sentenced({
      asOf: '2026-11-29',
      custody: [{ from: '2025-10-01', to: null, kind: 'prison' }],
      sentences: [{ id: 'S', years: 0, months: 6, days: 0 }],
    });
    const step = r.trace.find((s) => s.step === 'overdue');
    assert.ok(step);
    assert.match(step.en, /2026-03-31/);
  });
});

describe('rule sets', () => {
  test('PA-2007/1 holds the spec defaults', () => {
    const rs = ruleSets['PA-2007/1']!;
    assert.equal(defaultRuleSetId, 'PA-2007/1');
    assert.deepEqual(rs.values, {
      maxAggregateYears: 50,
      redemptionDaysPerCredit: 2,
      teachingHoursPerDay: 8,
      redemptionThresholdYears: 5,
      redemptionCountsTowardMilestones: true,
      reportingAppearancesPerDay: 5,
      restrictionDaysPerDay: 5,
      pretrialAlertDays: 365,
    });
  });

  test('every parameter has a legal basis and a bilingual description', () => {
    for (const rs of Object.values(ruleSets)) {
      assert.deepEqual(Object.keys(rs.parameters).sort(), [...parameterNames].sort());
      for (const p of Object.values(rs.parameters)) {
        assert.match(p.legalBasis, /^(CP|CPP) art/);
        assert.ok(p.description.es.length > 10 && p.description.en.length > 10);
        assert.equal(rs.values[p.name], p.value);
      }
    }
  });

  test('rule sets are frozen', () => {
    const rs = ruleSets['PA-2007/1']!;
    assert.ok(Object.isFrozen(ruleSets) && Object.isFrozen(rs) && Object.isFrozen(rs.values));
    assert.ok(Object.isFrozen(rs.parameters) && Object.isFrozen(rs.parameters.maxAggregateYears));
    assert.throws(() => {
      (rs.values as { maxAggregateYears: number }).maxAggregateYears = 40;
    }, TypeError);
  });

  test('ruleSetInForce picks by effective date', () => {
    assert.equal(ruleSetInForce('2026-11-29')?.id, 'PA-2007/1');
    assert.equal(ruleSetInForce(ruleSets['PA-2007/1']!.effectiveFrom)?.id, 'PA-2007/1');
    assert.equal(ruleSetInForce('2000-01-01'), undefined);
  });
});
