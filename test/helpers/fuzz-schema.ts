// fast-check arbitraries built from the JSON schemas of the OpenAPI document: "valid-ish" values
// (they satisfy the schema, so they reach the handlers, but carry hostile content: unicode edge
// cases, injection strings, boundary numbers and dates, ids of records of the wrong kind) and
// mutations of one place in such a value (wrong type, missing or extra field, past a limit,
// impossible date, bad id).
import fc from 'fast-check';
import * as V from './fuzz-values.ts';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** Values found in the database, so that generated requests name records that exist. */
export interface Pools {
  /** Ids of records for a field or parameter name ('personId', 'id' after '/persons/' …). */
  ids(name: string, segment?: string): string[];
  /** Known short strings (centre codes, role names, alert-type codes, usernames, languages). */
  known: string[];
}

const codePoints = (s: string): string[] => Array.from(s);
/** Cuts or pads a string to the schema's length bounds, counted in code points as ajv does. */
function fitLength(s: string, min = 0, max = Infinity): string {
  let cp = codePoints(s);
  if (cp.length > max) cp = cp.slice(0, max);
  while (cp.length < min) cp.push('x');
  return cp.join('');
}

const realistic = ['Ana María', 'Pérez Núñez', 'PA-LJ', 'Juzgado Primero', 'Calle 50, Bella Vista', '2026-00001', 'ok', 'Sí', 'x', 'O\'Brien', 'María-José', 'Nguyễn', '李小龙'];

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
const day = 86_400_000;
const validDates = (): string[] => {
  const now = Date.now();
  return [isoDay(new Date(now)), isoDay(new Date(now - day)), isoDay(new Date(now + day)), isoDay(new Date(now - 400 * day)), isoDay(new Date(now + 3650 * day)), '2026-01-15', '2024-02-29', '2000-02-29', '1990-04-02', '1900-01-01', '1970-01-01', '2200-12-31', '9999-12-31', '0001-01-01'];
};
const validDateTimes = (): string[] => {
  const now = Date.now();
  const at = (ms: number) => new Date(ms).toISOString();
  return [at(now), at(now - 3_600_000), at(now - 5 * 3_600_000), at(now + 3_600_000), at(now - 30 * day), at(now + 400 * day), '2026-01-15T10:00:00-05:00', '2026-01-15T10:00:00.5+14:00', '1970-01-01T00:00:00Z', '1900-01-01T00:00:00Z', '2026-12-31T23:59:60Z', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z'];
};

function branches(s: JsonSchema): JsonSchema[] | null {
  if (s.anyOf) return s.anyOf;
  if (s.oneOf) return s.oneOf;
  if (Array.isArray(s.type)) return s.type.map((t) => ({ ...s, type: t }));
  return null;
}

function typeOf(s: JsonSchema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (s.enum) return typeof s.enum[0] === 'number' ? 'number' : 'string';
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return undefined;
}

/** Any string that satisfies a plain (no format, no pattern) string schema. */
function freeString(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 100_000;
  const fit = (x: string) => fitLength(x, min, max);
  const options: fc.Arbitrary<string>[] = [
    fc.constantFrom(...realistic).map(fit),
    fc.constantFrom(...V.unicodeEdge).map(fit),
    fc.constantFrom(...V.injection).map(fit),
    fc.string({ unit: 'binary', minLength: min, maxLength: Math.max(min, Math.min(max, 40)) }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(max, 40)) }).map(fit),
  ];
  // At the limit exactly (a limit the database must also accept), in ASCII and in emoji.
  if (s.maxLength !== undefined && s.maxLength <= 20_000) options.push(fc.constantFrom('x'.repeat(max), '\u{1F600}'.repeat(max), 'ñ'.repeat(max)));
  if (s.maxLength === undefined) options.push(fc.constant('y'.repeat(100_000)));
  return fc.oneof(...options);
}

const nameOf = (path: string): string => path.split('.').pop() ?? path;

/** Values satisfying the schema (as far as this generator understands it), with hostile content. */
export function validArb(s: JsonSchema, pools: Pools, path = '', depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alt = branches(s);
  if (alt) return fc.oneof(...alt.map((b) => validArb(b, pools, path, depth)));
  if (s.allOf) return validArb(Object.assign({}, ...s.allOf) as JsonSchema, pools, path, depth);
  const name = nameOf(path);
  switch (typeOf(s)) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number': {
      const integer = typeOf(s) === 'integer';
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000_000);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000_000);
      const edges = [min, max, min + 1, max - 1, 0, 1, 2, 3, 100].filter((n) => n >= min && n <= max);
      const any = integer ? fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      if (name === 'version') return fc.constantFrom(1, 1, 2, 3, max);
      return fc.oneof(fc.constantFrom(...edges), any);
    }
    case 'string': {
      if (s.format === 'uuid') {
        const ids = pools.ids(name);
        return ids.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.uuid() }) : fc.uuid();
      }
      if (s.format === 'date') return fc.constantFrom(...validDates());
      if (s.format === 'date-time') return fc.constantFrom(...validDateTimes());
      if (/base64|photo|scan/i.test(name) && (s.maxLength ?? 0) > 10_000) return fc.constantFrom(V.onePixelPngBase64, ...V.badBase64.filter((x) => x.length >= (s.minLength ?? 0)));
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        const known = pools.known.filter((k) => re.test(k) && k.length >= (s.minLength ?? 0) && k.length <= (s.maxLength ?? Infinity));
        const gen = fc.stringMatching(re).filter((x) => x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? Infinity));
        return known.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: gen }) : gen;
      }
      if (s.format) return freeString(s);
      const known = pools.known.filter((k) => k.length >= (s.minLength ?? 0) && k.length <= (s.maxLength ?? Infinity));
      return known.length ? fc.oneof({ weight: 5, arbitrary: freeString(s) }, { weight: 1, arbitrary: fc.constantFrom(...known) }) : freeString(s);
    }
    case 'array': {
      const item = s.items ? validArb(s.items, pools, `${path}[]`, depth + 1) : fc.constant('x');
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 3, 3));
      return s.uniqueItems ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(item, { minLength, maxLength });
    }
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const keys = Object.keys(props);
      if (keys.length === 0) return fc.constant({});
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const k of keys) record[k] = validArb(props[k]!, pools, path ? `${path}.${k}` : k, depth + 1);
      const minProps = s.minProperties ?? 0;
      const arb = fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
      return minProps > 0 ? arb.filter((o) => Object.keys(o).length >= minProps) : arb;
    }
    default:
      return fc.constantFrom<unknown>('x', 1, true, null, {});
  }
}

// ---- mutations -------------------------------------------------------------------------

export type Location = (string | number)[];

/** Every place in a value where a mutation can go, with the schema that governs it. */
export function locations(value: unknown, s: JsonSchema | undefined, at: Location = []): { at: Location; schema: JsonSchema | undefined }[] {
  const out: { at: Location; schema: JsonSchema | undefined }[] = [{ at, schema: s }];
  const pick = (sch: JsonSchema | undefined, want: 'object' | 'array'): JsonSchema | undefined => {
    if (!sch) return undefined;
    const alt = branches(sch);
    if (alt) return alt.find((b) => typeOf(b) === want) ?? alt[0];
    return sch;
  };
  if (Array.isArray(value)) {
    const sch = pick(s, 'array');
    value.forEach((v, i) => out.push(...locations(v, sch?.items, [...at, i])));
  } else if (value && typeof value === 'object') {
    const sch = pick(s, 'object');
    for (const [k, v] of Object.entries(value)) out.push(...locations(v, sch?.properties?.[k], [...at, k]));
  }
  return out;
}

function setAt(root: unknown, at: Location, replace: (old: unknown) => unknown | typeof REMOVE): unknown {
  if (at.length === 0) {
    const r = replace(root);
    return r === REMOVE ? undefined : r;
  }
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  const r = replace(parent[last]);
  if (r === REMOVE) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = r;
  return copy;
}
export const REMOVE: unique symbol = Symbol('remove');

/**
 * The hostile replacements that make sense for a place governed by this schema, in groups
 * (wrong types, unicode, injection, dates, ids, limits …): a group is picked first, then a
 * value, so that a short run still tries every kind of trouble.
 */
export function hostileFor(s: JsonSchema | undefined, pools: Pools, name: string): unknown[][] {
  const groups: unknown[][] = [[...V.wrongTypes]];
  const flat = s ? (branches(s) ?? [s]) : [];
  for (const b of flat) {
    const t = typeOf(b);
    if (t === 'string') {
      const over = b.maxLength !== undefined ? b.maxLength + 1 : 100_001;
      const limits: unknown[] = over <= 200_000 ? ['x'.repeat(over), '\u{1F600}'.repeat(Math.min(over, 100_000))] : ['x'.repeat(200_000)];
      if ((b.minLength ?? 0) > 0) limits.push('x'.repeat(b.minLength! - 1));
      groups.push(limits, [...V.unicodeEdge], ['\u0000', 'a\u0000b', '\uD800', 'a\uDFFFb'], [...V.injection]);
      if (b.format === 'date') groups.push([...V.badDates]);
      if (b.format === 'date-time') groups.push([...V.badDateTimes]);
      if (b.format === 'uuid') {
        const ids = pools.ids(name);
        groups.push([...V.badUuids], [...ids.slice(0, 3).map((id) => id.toUpperCase()), ...ids.slice(0, 2).map((id) => ` ${id}`), ...ids.slice(0, 2).map((id) => `${id}\u0000`), ...pools.ids('any').slice(0, 5)]);
      }
      if (b.pattern) groups.push([...V.nanLike, ...pools.known.map((k) => k.toLowerCase()), 'PA-LJ ', 'pa-lj', 'XX-XXXXXX']);
      if (/base64|photo|scan/i.test(name)) groups.push([...V.badBase64]);
    } else if (t === 'integer' || t === 'number') {
      const edges: unknown[] = [...V.extremeNumbers];
      if (b.minimum !== undefined) edges.push(b.minimum - 1, b.minimum - 0.5);
      if (b.maximum !== undefined) edges.push(b.maximum + 1, b.maximum + 0.5);
      groups.push(edges, [...V.nanLike]);
    } else if (t === 'array') {
      groups.push([[], Array.from({ length: 1000 }, () => 'x'), [null], [[]], [{}], Array.from({ length: (b.maxItems ?? 50) + 1 }, (_, i) => i)]);
    } else if (t === 'object') {
      groups.push([{}, Object.fromEntries(V.extraProperties)]);
    } else if (t === 'boolean') {
      groups.push(['true', 'false', 0, 1, 'yes']);
    }
  }
  return groups.filter((g) => g.length > 0);
}

/** A group, then a value of it. */
export function fromGroups<T>(groups: T[][]): fc.Arbitrary<T> {
  return fc.oneof(...groups.filter((g) => g.length > 0).map((g) => fc.constantFrom(...g)));
}

/** Ways to spoil every free-text value of a request at once (see sweepStrings). */
export const sweeps: [string, (s: string) => string][] = [
  ['NUL', (x) => `${x.slice(0, 1)}\u0000${x.slice(1)}`],
  ['lone surrogate', (x) => `${x}\uD800`],
  ['bidi and zero-width', (x) => `\u202E${x}\u200B`],
  ['SQL', () => "x'); DROP TABLE persons; --"],
  ['markup', () => '<script>alert(1)</script>{{7*7}}'],
  ['emoji', (x) => `👮‍♀️${x}`],
  ['blank', () => ' '],
  ['combining', (x) => `${x}${'\u0301'.repeat(50)}`],
];

/** A free-text schema: a string with no format, pattern or enumeration. */
export function isFreeText(s: JsonSchema | undefined): boolean {
  if (!s) return false;
  const alt = branches(s);
  if (alt) return alt.some(isFreeText);
  return typeOf(s) === 'string' && !s.format && !s.pattern && !s.enum && s.const === undefined;
}

/** Applies a sweep to every free-text string of a value, within each string's length limits. */
export function sweepStrings(value: unknown, s: JsonSchema | undefined, f: (x: string) => string): unknown {
  let out = value;
  for (const place of locations(value, s)) {
    if (!isFreeText(place.schema)) continue;
    const current = place.at.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], out);
    if (typeof current !== 'string') continue;
    const sch = (branches(place.schema!) ?? [place.schema!]).find((b) => typeOf(b) === 'string') ?? place.schema!;
    out = setAt(out, place.at, () => fitLength(f(current), sch.minLength ?? 0, sch.maxLength ?? Infinity));
  }
  return out;
}

export interface Mutated {
  value: unknown;
  note: string;
}

/** One mutation at one place of a valid-ish value. */
export function mutationArb(value: unknown, s: JsonSchema | undefined, pools: Pools): fc.Arbitrary<Mutated> {
  const places = locations(value, s);
  return fc.nat({ max: places.length - 1 }).chain((i) => {
    const place = places[i]!;
    const name = String(place.at.filter((x) => typeof x === 'string').pop() ?? '');
    const where = place.at.join('.') || '(root)';
    const kinds: fc.Arbitrary<Mutated>[] = [
      fromGroups(hostileFor(place.schema, pools, name)).map((v) => ({ value: setAt(value, place.at, () => v), note: `${where} := ${preview(v)}` })),
    ];
    if (place.at.length > 0) kinds.push(fc.constant({ value: setAt(value, place.at, () => REMOVE), note: `${where} removed` }));
    const current = place.at.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], value);
    if (current && typeof current === 'object' && !Array.isArray(current)) {
      kinds.push(fc.constantFrom(...V.extraProperties).map(([k, v]) => ({ value: setAt(value, place.at, (o) => ({ ...(o as object), [k]: v })), note: `${where}.${k.slice(0, 20)} added` })));
    }
    return fc.oneof(...kinds);
  });
}

export function preview(v: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
