// Message catalogues in Spanish (default) and English. The platform's catalogue lives
// beside this file; each module may add its own in src/modules/<name>/locales/, merged at
// start so modules never edit a shared file.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';

export const languages = ['es', 'en'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'es';

export function isLanguage(v: unknown): v is Language {
  return v === 'es' || v === 'en';
}

type Catalogue = Record<string, unknown>;

function readCatalogues(): Record<Language, Catalogue> {
  const dirs = [path.join(import.meta.dirname, 'locales')];
  const modulesDir = path.resolve(import.meta.dirname, '../../modules');
  for (const m of fs.existsSync(modulesDir) ? fs.readdirSync(modulesDir).sort() : []) {
    const d = path.join(modulesDir, m, 'locales');
    if (fs.existsSync(d)) dirs.push(d);
  }
  const out: Record<Language, Catalogue> = { es: {}, en: {} };
  for (const lng of languages) {
    for (const d of dirs) {
      const f = path.join(d, `${lng}.json`);
      if (fs.existsSync(f)) Object.assign(out[lng], JSON.parse(fs.readFileSync(f, 'utf8')) as Catalogue);
    }
  }
  return out;
}

const instance = i18next.createInstance();
const catalogues = readCatalogues();
await instance.init({
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  initAsync: false,
  interpolation: { escapeValue: false }, // Nunjucks escapes on output
  resources: { es: { translation: catalogues.es }, en: { translation: catalogues.en } },
});

const fixed: Record<Language, TFunction> = { es: instance.getFixedT('es'), en: instance.getFixedT('en') };

export type Translate = (key: string, params?: Record<string, unknown>) => string;

export function translator(lng: Language): Translate {
  const t = fixed[lng];
  return (key, params) => t(key, params) as string;
}

/** Every key of a catalogue, flattened (used by the test that both languages have the same keys). */
export function catalogueKeys(lng: Language): string[] {
  const keys: string[] = [];
  const walk = (o: Catalogue, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object') walk(v as Catalogue, `${prefix}${k}.`);
      else keys.push(`${prefix}${k}`);
    }
  };
  walk(catalogues[lng], '');
  return keys.sort();
}

// Formatters are built once per language, zone and precision: constructing an Intl formatter
// costs far more than using one, and a page formats hundreds of dates.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<F extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

/** Formats a date-only value ('YYYY-MM-DD') for people, without shifting it by a time zone. */
export function formatDate(lng: Language, isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-').map(Number);
  // Day first and the month in words: never ambiguous between 03/04 readings.
  const f = cached(`d|${lng}`, () => new Intl.DateTimeFormat(lng === 'es' ? 'es' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }));
  return f.format(new Date(Date.UTC(y!, m! - 1, d!)));
}

export function formatDateTime(lng: Language, value: Date | string | null | undefined, timeZone: string): string {
  if (!value) return '';
  const date = typeof value === 'string' ? new Date(value) : value;
  const f = cached(`dt|${lng}|${timeZone}`, () =>
    new Intl.DateTimeFormat(lng === 'es' ? 'es' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }),
  );
  return f.format(date);
}

export function formatNumber(lng: Language, n: number | null | undefined, fractionDigits = 0): string {
  if (n === null || n === undefined) return '—';
  const f = cached(`n|${lng}|${fractionDigits}`, () => new Intl.NumberFormat(lng === 'es' ? 'es-PA' : 'en-GB', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }));
  return f.format(n);
}
