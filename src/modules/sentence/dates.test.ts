import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDaysIso,
  addTermIso,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  dayNumber,
  isLeapYear,
  parseIsoDate,
  termEnd,
  termEndIso,
  toIsoDate,
} from './dates.ts';

const term = (years: number, months = 0, days = 0) => ({ years, months, days });

describe('day numbers', () => {
  test('epoch and known dates', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(dayNumber('1970-01-02'), 1);
    assert.equal(dayNumber('1969-12-31'), -1);
    assert.equal(dayNumber('2000-03-01') - dayNumber('2000-02-28'), 2); // 2000 is a leap year
    assert.equal(dayNumber('1900-03-01') - dayNumber('1900-02-28'), 1); // 1900 is not
  });

  test('agrees with Date.UTC for every day from 1900 to 2200 (round trip)', () => {
    const first = Date.UTC(1900, 0, 1) / 86400000;
    const last = Date.UTC(2200, 11, 31) / 86400000;
    for (let n = first; n <= last; n++) {
      const iso = new Date(n * 86400000).toISOString().slice(0, 10);
      if (toIsoDate(n) !== iso) assert.fail(`toIsoDate(${n}) = ${toIsoDate(n)}, expected ${iso}`);
      if (parseIsoDate(iso) !== n) assert.fail(`parseIsoDate(${iso}) = ${parseIsoDate(iso)}, expected ${n}`);
    }
  });

  test('civilFromDays / daysFromCivil are inverse', () => {
    for (const n of [-719468, -1, 0, 59, 60, 11016, 18321, 2932896]) {
      const c = civilFromDays(n);
      assert.equal(daysFromCivil(c.year, c.month, c.day), n);
    }
  });
});

describe('parsing', () => {
  test('accepts real YYYY-MM-DD dates only', () => {
    assert.notEqual(parseIsoDate('2024-02-29'), null);
    assert.notEqual(parseIsoDate('2000-02-29'), null);
    for (const bad of [
      '2023-02-29',
      '1900-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-1-01',
      '2024-01-1',
      '24-01-01',
      '2024/01/01',
      '2024-01-01T00:00:00Z',
      ' 2024-01-01',
      '２０２４-01-01',
      '',
    ]) {
      assert.equal(parseIsoDate(bad), null, bad);
    }
  });

  test('leap years and month lengths', () => {
    assert.equal(isLeapYear(2024), true);
    assert.equal(isLeapYear(2100), false);
    assert.equal(isLeapYear(2000), true);
    assert.equal(daysInMonth(2023, 2), 28);
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2024, 4), 30);
    assert.equal(daysInMonth(2024, 12), 31);
  });
});

describe('step-wise addition of a term (spec convention 2)', () => {
  test('spec example: 5 years from 2020-03-15 end on 2025-03-14 (1,826 days)', () => {
    assert.equal(termEndIso('2020-03-15', term(5)), '2025-03-14');
    assert.equal(termEnd(dayNumber('2020-03-15'), term(5)) - dayNumber('2020-03-15') + 1, 1826);
  });

  test('spec example: 1 year and 1 month from 2024-02-29 end on 2025-03-27', () => {
    assert.equal(addTermIso('2024-02-29', term(1)), '2025-02-28'); // +1 year, clamped
    assert.equal(addTermIso('2024-02-29', term(1, 1)), '2025-03-28'); // then +1 month
    assert.equal(termEndIso('2024-02-29', term(1, 1)), '2025-03-27');
    // 13 months at once would give 2025-03-29 → end 2025-03-28: the engine must not do that.
    assert.equal(termEndIso('2024-02-29', term(0, 13)), '2025-03-28');
  });

  test('month ends clamp after each step', () => {
    assert.equal(addTermIso('2026-08-31', term(0, 6)), '2027-02-28');
    assert.equal(termEndIso('2026-08-31', term(0, 6)), '2027-02-27');
    assert.equal(addTermIso('2023-01-31', term(0, 1)), '2023-02-28');
    assert.equal(addTermIso('2024-01-31', term(0, 1)), '2024-02-29');
    assert.equal(addTermIso('2024-03-31', term(0, 1)), '2024-04-30');
    assert.equal(addTermIso('2024-10-31', term(0, 4)), '2025-02-28');
    // The clamp of step 2 is not undone later: 31 Jan + 1 month + 1 day = 1 March, not 3 March.
    assert.equal(addTermIso('2023-01-31', term(0, 1, 1)), '2023-03-01');
    // Years first, then months: from 29 Feb 2024, +1 y → 28 Feb 2025, +12 m → 28 Feb 2026.
    assert.equal(addTermIso('2024-02-29', term(1, 12)), '2026-02-28');
    // ...whereas +4 years lands on a leap year again and keeps the 29th.
    assert.equal(addTermIso('2024-02-29', term(4)), '2028-02-29');
  });

  test('months roll over into years', () => {
    assert.equal(addTermIso('2020-11-15', term(0, 2)), '2021-01-15');
    assert.equal(addTermIso('2020-01-15', term(0, 24)), '2022-01-15');
    assert.equal(addTermIso('2020-12-31', term(0, 14)), '2022-02-28');
    assert.equal(addTermIso('2020-01-01', term(1, 18, 0)), '2022-07-01');
  });

  test('days are added last, across month and year ends', () => {
    assert.equal(addTermIso('2024-12-20', term(0, 0, 20)), '2025-01-09');
    assert.equal(addTermIso('2024-02-20', term(0, 0, 10)), '2024-03-01');
    assert.equal(addTermIso('2023-02-20', term(0, 0, 10)), '2023-03-02');
    assert.equal(addTermIso('2024-01-30', term(0, 1, 1)), '2024-03-01');
  });

  test('terms spanning leap days', () => {
    assert.equal(termEndIso('2023-09-01', term(1)), '2024-08-31'); // 366 days
    assert.equal(dayNumber('2024-08-31') - dayNumber('2023-09-01') + 1, 366);
    assert.equal(termEndIso('2019-07-04', term(50)), '2069-07-03');
    assert.equal(termEndIso('2000-02-29', term(50)), '2050-02-27');
  });

  test('a zero term ends the day before it starts; one day ends the same day', () => {
    assert.equal(termEndIso('2024-05-10', term(0)), '2024-05-09');
    assert.equal(termEndIso('2024-05-10', term(0, 0, 1)), '2024-05-10');
  });

  test('addDaysIso', () => {
    assert.equal(addDaysIso('2024-02-28', 1), '2024-02-29');
    assert.equal(addDaysIso('2024-03-01', -1), '2024-02-29');
    assert.equal(addDaysIso('1999-12-31', 1), '2000-01-01');
  });
});
