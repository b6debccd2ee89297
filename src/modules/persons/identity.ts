// Pure rules about identity: folding names for search, normalizing document numbers, the
// Panamanian cédula formats, the text a person is found by, and age bands. No I/O here.
//
//   foldText('  José  PÉREZ-Rodríguez ')      → 'jose perez rodriguez'
//   normalizeDocumentNumber(' 8-123-4567 ')   → '81234567'
//   cedulaProblem('8-123-4567')                → null
//   cedulaProblem('15-123-4567')               → 'persons.errors.cedulaProvince'

/** Letters that Unicode does not decompose into a base letter plus an accent (unaccent maps them). */
const extraFolds: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h', ŧ: 't' };
const extraPattern = new RegExp(`[${Object.keys(extraFolds).join('')}]`, 'gu');

/**
 * Lower case, accents removed, punctuation to spaces, single spaces, trimmed: the form in which
 * names are stored for search and in which queries are compared. For names made of letters and
 * single spaces it gives the same result as the database's f_unaccent().
 */
export function foldText(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(extraPattern, (c) => extraFolds[c] ?? c)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A document number as compared: upper case, without spaces, dashes or dots. */
export function normalizeDocumentNumber(s: string): string {
  return s.toUpperCase().replace(/[\s\-‐-―−.·/_]+/g, '');
}

// ---- Panamanian cédula formats (configurable data: panama.md marks the series as unconfirmed) ----

export interface CedulaFormat {
  /** What the format is, for people reading this table. */
  name: string;
  /** Matched against the number written upper case with single dashes (see canonicalCedula). */
  pattern: RegExp;
  /** Whether the first group is a province code that must be in cedulaProvinces. */
  hasProvince: boolean;
}

/** Province codes (1–9 the original provinces, 10 Guna Yala, 11 Emberá, 12 Ngäbe-Buglé, 13 Panamá Oeste). */
export const cedulaProvinces = { min: 1, max: 13 } as const;

export const cedulaFormats: readonly CedulaFormat[] = [
  { name: 'province-book-entry (8-123-4567)', pattern: /^(\d{1,2})-(\d{1,4})-(\d{1,6})$/, hasProvince: true },
  { name: 'province with series AV (before the registry) or PI (indigenous): 8-AV-12-345, 8AV-12-345', pattern: /^(\d{1,2})-?(?:AV|PI)-(\d{1,4})-(\d{1,6})$/, hasProvince: true },
  { name: 'E (foreign resident), PE (born abroad), N (naturalized): E-8-12345, PE-12-345, N-19-1234', pattern: /^(?:E|PE|N)-?(\d{1,4})-(\d{1,6})$/, hasProvince: false },
];

/** The examples shown to people when a cédula is refused. */
export const cedulaExamples = '8-123-4567, 8-AV-12-345, E-8-12345, PE-12-345, N-19-1234';

/** Upper case, dashes (or spaces) between the parts written as single dashes. */
export function canonicalCedula(s: string): string {
  return s
    .trim()
    .toUpperCase()
    .replace(/\s*[-‐-―−]\s*/g, '-')
    .replace(/\s+/g, '-');
}

/**
 * What tells two cédulas apart: the canonical form without leading zeros in its numbers.
 * normalizeDocumentNumber alone would confuse 8-12-34567 with 8-123-4567 (both 81234567).
 */
export function cedulaKey(s: string): string {
  return canonicalCedula(s).replace(/(^|-)0+(?=\d)/g, '$1').replace(/^(\d+)(AV|PI)/, '$1-$2');
}

/** A catalogue key when `s` is not a valid Panamanian cédula format, null when it is. */
export function cedulaProblem(s: string): string | null {
  const c = canonicalCedula(s);
  if (c === '') return 'persons.errors.cedulaEmpty';
  for (const f of cedulaFormats) {
    const m = f.pattern.exec(c);
    if (!m) continue;
    if (f.hasProvince) {
      const province = Number(m[1]);
      if (province < cedulaProvinces.min || province > cedulaProvinces.max) return 'persons.errors.cedulaProvince';
    }
    return null;
  }
  return 'persons.errors.cedulaFormat';
}

// ---- the text a person is found by ----

export interface NameParts {
  givenNames: string;
  firstSurname: string;
  secondSurname?: string | null | undefined;
  marriedSurname?: string | null | undefined;
}

/**
 * What search and matching compare against: the folded names, then the aliases and other
 * names, then the document numbers (normalized, lower case). Trigram similarity works per word,
 * so the order of the surnames in a query does not matter.
 */
export function searchTextOf(person: NameParts, aliases: readonly (string | { alias: string })[] = [], documents: readonly (string | { number: string })[] = []): string {
  const parts = [person.givenNames, person.firstSurname, person.secondSurname ?? '', person.marriedSurname ?? ''];
  for (const a of aliases) parts.push(typeof a === 'string' ? a : a.alias);
  const names = foldText(parts.join(' '));
  const docs = documents.map((d) => normalizeDocumentNumber(typeof d === 'string' ? d : d.number).toLowerCase()).filter((d) => d !== '');
  return [names, ...new Set(docs)].filter((x) => x !== '').join(' ');
}

/** The full name as people read it: given names, then the surnames. */
export function fullName(p: NameParts): string {
  return [p.givenNames, p.firstSurname, p.secondSurname, p.marriedSurname ? `de ${p.marriedSurname}` : null].filter((x) => x).join(' ');
}

// ---- prisoner numbers ----

/** 'PPL-' and at least six digits, from the sequence's value. */
export function formatPrisonerNumber(n: number | bigint | string): string {
  return `PPL-${String(n).padStart(6, '0')}`;
}

/** A query read as a prisoner number ('ppl 100234', 'PPL-100234', '100234'), or null. */
export function prisonerNumberOf(q: string): string | null {
  const m = /^(?:PPL)?[\s-]*(\d{6,12})$/i.exec(q.trim());
  return m ? formatPrisonerNumber(m[1]!) : null;
}

// ---- ages ----

/** Age bands for the search filter: [from, to] in whole years, to = null for "and over". */
export const ageBands: Readonly<Record<string, readonly [number, number | null]>> = {
  '18-20': [18, 20],
  '21-24': [21, 24],
  '25-29': [25, 29],
  '30-39': [30, 39],
  '40-49': [40, 49],
  '50-59': [50, 59],
  '60+': [60, null],
};

export const ageBandNames = Object.keys(ageBands);

/** The same calendar day `years` later (negative: earlier); 29 February → 28 February when needed. */
export function shiftYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  const out = new Date(Date.UTC(y + years, m - 1, Math.min(d, lastDay)));
  return out.toISOString().slice(0, 10);
}

/** The same calendar day shifted by whole days. */
export function shiftDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The dates of birth of people in an age band on `today`: born after `bornAfter` (exclusive)
 * and on or before `bornOnOrBefore` (either may be null = unbounded).
 */
export function birthDateRange(band: string, today: string): { bornAfter: string | null; bornOnOrBefore: string } | null {
  const b = ageBands[band];
  if (!b) return null;
  const [from, to] = b;
  return { bornOnOrBefore: shiftYears(today, -from), bornAfter: to === null ? null : shiftYears(today, -(to + 1)) };
}

/** Whole years between a date of birth and `today`. */
export function ageOn(dateOfBirth: string, today: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
