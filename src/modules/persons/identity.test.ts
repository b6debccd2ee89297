// The pure identity rules: properties (fast-check) and examples.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ageOn,
  birthDateRange,
  canonicalCedula,
  cedulaKey,
  cedulaProblem,
  foldText,
  formatPrisonerNumber,
  normalizeDocumentNumber,
  prisonerNumberOf,
  searchTextOf,
  shiftYears,
} from './identity.ts';

const accented: Record<string, string> = { a: 'áàäâ', e: 'éèëê', i: 'íìïî', o: 'óòöô', u: 'úùüû', n: 'ñ', c: 'ç' };

/** A plain lower-case word and ways of writing it: upper case, with accents. */
const plainWord = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 12 });
const decorate = (w: string, seed: number[]) =>
  [...w]
    .map((c, i) => {
      const s = seed[i % seed.length] ?? 0;
      const variants = accented[c];
      const ch = variants && s % 3 === 0 ? variants[s % variants.length]! : c;
      return s % 2 === 0 ? ch.toUpperCase() : ch;
    })
    .join('');

describe('foldText', () => {
  test('is idempotent on any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => foldText(foldText(s)) === foldText(s)), { numRuns: 2000 });
  });

  test('ignores case, accents and surrounding or repeated spaces', () => {
    fc.assert(
      fc.property(fc.array(plainWord, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }), fc.constantFrom(' ', '  ', '\t', ' \n '), (words, seed, gap) => {
        const written = gap + words.map((w) => decorate(w, seed)).join(gap) + gap;
        return foldText(written) === words.join(' ');
      }),
    );
  });

  test('keeps only lower-case letters, digits and single spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const f = foldText(s);
        return !/\s{2}/.test(f) && f === f.trim() && f === f.toLowerCase() && !/[^\p{L}\p{N} ]/u.test(f);
      }),
    );
  });

  test('examples', () => {
    assert.equal(foldText('  José  PÉREZ-Rodríguez '), 'jose perez rodriguez');
    assert.equal(foldText('Ñañez, María José'), 'nanez maria jose');
    assert.equal(foldText("D'Ánjelo Nöel"), 'd anjelo noel');
    assert.equal(foldText('Strauß Øster'), 'strauss oster');
    assert.equal(foldText('\u0130smail'), 'ismail');
    assert.equal(foldText(''), '');
  });
});

describe('normalizeDocumentNumber', () => {
  test('ignores case, spaces and dashes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFPNVIabcdef'), minLength: 1, maxLength: 14 }), fc.array(fc.constantFrom(' ', '-', ' - ', '–'), { maxLength: 4 }), (core, seps) => {
        let written = core;
        for (const s of seps) {
          const at = Math.floor(written.length / 2);
          written = written.slice(0, at) + s + written.slice(at);
        }
        return normalizeDocumentNumber(written) === core.toUpperCase() && normalizeDocumentNumber(normalizeDocumentNumber(written)) === normalizeDocumentNumber(written);
      }),
    );
  });

  test('examples', () => {
    assert.equal(normalizeDocumentNumber(' 8-123-4567 '), '81234567');
    assert.equal(normalizeDocumentNumber('pe-12-345'), 'PE12345');
    assert.equal(normalizeDocumentNumber('AB 123.456'), 'AB123456');
  });
});

describe('cedulaProblem', () => {
  const digits = (min: number, max: number) => fc.integer({ min: 10 ** (min - 1), max: 10 ** max - 1 }).map(String);
  const sep = fc.constantFrom('-', ' - ', ' ', '–');
  const validCedula = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 13 }), digits(1, 4), digits(1, 6), sep, sep).map(([p, b, e, s1, s2]) => `${p}${s1}${b}${s2}${e}`),
    fc.tuple(fc.integer({ min: 1, max: 13 }), fc.constantFrom('AV', 'PI', 'av', 'pi'), fc.constantFrom('', '-'), digits(1, 4), digits(1, 6)).map(([p, s, d, b, e]) => `${p}${d}${s}-${b}-${e}`),
    fc.tuple(fc.constantFrom('E', 'PE', 'N', 'e', 'pe', 'n'), fc.constantFrom('-', ''), digits(1, 4), digits(1, 6)).map(([x, d, b, e]) => `${x}${d}${b}-${e}`),
  );

  test('every valid cédula passes, however the separators are written', () => {
    fc.assert(fc.property(validCedula, fc.constantFrom('', ' ', '  '), (c, pad) => cedulaProblem(pad + c + pad) === null), { numRuns: 2000 });
  });

  test('random text rarely passes', () => {
    let passed = 0;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789-ABEPNVIXZ /'), minLength: 0, maxLength: 14 }), (s) => {
        if (cedulaProblem(s) === null) passed++;
        return true;
      }),
      { numRuns: 2000 },
    );
    assert.ok(passed < 2000 * 0.05, `${passed} of 2000 random strings passed`);
  });

  test('examples', () => {
    for (const ok of ['8-123-4567', 'PE-12-345', 'E-8-12345', 'N-19-1234', '8-AV-12-345', '8-PI-1-23', '8AV-12-345', 'PE12-345', '13-1-1', '08-0123-004567', ' 8 - 123 - 4567 ']) {
      assert.equal(cedulaProblem(ok), null, ok);
    }
    assert.equal(cedulaProblem(''), 'persons.errors.cedulaEmpty');
    assert.equal(cedulaProblem('14-123-4567'), 'persons.errors.cedulaProvince');
    assert.equal(cedulaProblem('0-123-4567'), 'persons.errors.cedulaProvince');
    for (const bad of ['8-12345-4567', '8-123-1234567', '81234567', 'X-8-123', '8-XX-12-345', 'E-8', 'PE--12-345-', 'abc']) {
      assert.equal(cedulaProblem(bad), 'persons.errors.cedulaFormat', bad);
    }
    assert.equal(canonicalCedula(' pe 12 – 345'), 'PE-12-345');
    assert.equal(cedulaKey('08-0123-004567'), '8-123-4567');
    assert.equal(cedulaKey('8av-012-345'), '8-AV-12-345');
    assert.notEqual(cedulaKey('8-12-34567'), cedulaKey('8-123-4567'));
    assert.equal(normalizeDocumentNumber('8-12-34567'), normalizeDocumentNumber('8-123-4567'));
  });
});

describe('searchTextOf', () => {
  test('names folded, then aliases, then document numbers', () => {
    const text = searchTextOf({ givenNames: 'José', firstSurname: 'Pérez', secondSurname: 'Rodríguez' }, [{ alias: 'El Chino' }, 'Pepe'], [{ number: '8-123-4567' }, '8 123 4567']);
    assert.equal(text, 'jose perez rodriguez el chino pepe 81234567');
  });

  test('contains every folded name part', () => {
    fc.assert(
      fc.property(plainWord, plainWord, fc.option(plainWord, { nil: null }), fc.array(fc.nat(20), { minLength: 1 }), (g, f, s, seed) => {
        const text = searchTextOf({ givenNames: decorate(g, seed), firstSurname: decorate(f, seed), secondSurname: s === null ? null : decorate(s, seed) });
        return text.split(' ').includes(g) && text.split(' ').includes(f) && (s === null || text.split(' ').includes(s));
      }),
    );
  });
});

describe('numbers and ages', () => {
  test('prisoner numbers', () => {
    assert.equal(formatPrisonerNumber(100001), 'PPL-100001');
    assert.equal(formatPrisonerNumber(42), 'PPL-000042');
    assert.equal(formatPrisonerNumber(12345678), 'PPL-12345678');
    assert.equal(prisonerNumberOf('ppl-100234'), 'PPL-100234');
    assert.equal(prisonerNumberOf('PPL 100234'), 'PPL-100234');
    assert.equal(prisonerNumberOf('100234'), 'PPL-100234');
    assert.equal(prisonerNumberOf('8-123-4567'), null);
    assert.equal(prisonerNumberOf('jose'), null);
  });

  test('age bands cover exactly the ages they name', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1930-01-01'), max: new Date('2010-12-31'), noInvalidDate: true }), fc.date({ min: new Date('2024-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }), (b, t) => {
        const dob = b.toISOString().slice(0, 10);
        const today = t.toISOString().slice(0, 10);
        const age = ageOn(dob, today);
        for (const band of ['18-20', '21-24', '25-29', '30-39', '40-49', '50-59', '60+']) {
          const r = birthDateRange(band, today)!;
          const inRange = dob <= r.bornOnOrBefore && (r.bornAfter === null || dob > r.bornAfter);
          const [from, to] = band === '60+' ? [60, Infinity] : band.split('-').map(Number);
          if (inRange !== (age >= from! && age <= to!)) return false;
        }
        return true;
      }),
    );
    assert.equal(birthDateRange('nope', '2026-01-01'), null);
    assert.equal(shiftYears('2024-02-29', -1), '2023-02-28');
  });
});
