// The calculator page's form, kept apart from HTTP so it is tested on its own: a fixed
// number of rows per section with flat field names (`custody-0-from`), the engine input
// built from the rows that are filled in (blank rows are ignored), and the way back from an
// engine path (`custody[1].to`) to the form field that holds it.
//
// The form does not validate: it passes what was typed (numbers when they look like
// numbers, the text otherwise) and lets the engine name the problem, so the page, the API
// and the command reject exactly the same inputs with the same messages.

export const sections = ['custody', 'sentences', 'activities', 'measures', 'reductions'] as const;
export type Section = (typeof sections)[number];

/** Blank rows shown per section. */
export const rowCounts: Readonly<Record<Section, number>> = Object.freeze({
  custody: 4,
  sentences: 4,
  activities: 6,
  measures: 3,
  reductions: 3,
});

export const sectionFields = {
  custody: ['from', 'to', 'kind'],
  sentences: ['id', 'years', 'months', 'days', 'relation', 'consecutiveTo'],
  activities: ['kind', 'from', 'to', 'amount', 'approved'],
  measures: ['kind', 'appearances', 'from', 'to'],
  reductions: ['days', 'reference'],
} as const satisfies Record<Section, readonly string[]>;

/** Select and checkbox fields: they always carry a value, so they do not make a row "filled". */
const choiceFields: ReadonlySet<string> = new Set(['kind', 'relation', 'approved']);

/** Where an error about a whole row (or a field the form has no input for) points. */
const rowAnchor: Readonly<Record<Section, string>> = Object.freeze({
  custody: 'from',
  sentences: 'years',
  activities: 'from',
  measures: 'kind',
  reductions: 'days',
});

const defaultChoice: Readonly<Record<string, string>> = Object.freeze({
  'custody.kind': 'prison',
  'activities.kind': 'work',
  'measures.kind': 'periodic_reporting',
  'sentences.relation': '',
  'activities.approved': '',
});

export const fieldId = (section: Section, row: number, field: string): string => `${section}-${row}-${field}`;

/** Every value of the form by field id (plus `asOf` and `json`), as typed. */
export type FormValues = Record<string, string>;

/** The form as first shown: `asOf` filled in, every row blank. */
export function blankForm(asOf: string): FormValues {
  const v: FormValues = { asOf, json: '' };
  for (const s of sections) {
    for (let row = 0; row < rowCounts[s]; row++) {
      for (const f of sectionFields[s]) v[fieldId(s, row, f)] = defaultChoice[`${s}.${f}`] ?? '';
    }
  }
  return v;
}

/** Reads the submitted fields (anything else in the body, `_csrf` included, is ignored). */
export function readForm(body: unknown): FormValues {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (name: string): string => {
    const x = b[name];
    return typeof x === 'string' ? x : '';
  };
  const v: FormValues = { asOf: str('asOf').trim(), json: str('json') };
  for (const s of sections) {
    for (let row = 0; row < rowCounts[s]; row++) {
      for (const f of sectionFields[s]) {
        const id = fieldId(s, row, f);
        v[id] = f === 'approved' ? (str(id) === '' ? '' : '1') : str(id).trim();
      }
    }
  }
  return v;
}

/** The engine's input, and for each section which form row each input item came from. */
export interface BuiltInput {
  input: Record<string, unknown>;
  rows: Record<Section, number[]>;
}

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(?:[.,]\d+)?$/;

/** A whole number when it is written as one; otherwise the text, for the engine to reject. */
function integer(raw: string): number | string {
  return INTEGER.test(raw) ? Number(raw) : raw;
}

function decimal(raw: string): number | string {
  return DECIMAL.test(raw) ? Number(raw.replace(',', '.')) : raw;
}

/** Sets `key` only when the field was filled in, so an empty required field reads "is required". */
function put(target: Record<string, unknown>, key: string, raw: string, convert: (s: string) => unknown = (s) => s): void {
  if (raw !== '') target[key] = convert(raw);
}

export function inputFromForm(v: FormValues): BuiltInput {
  const rows = { custody: [], sentences: [], activities: [], measures: [], reductions: [] } as Record<Section, number[]>;
  const lists = { custody: [], sentences: [], activities: [], measures: [], reductions: [] } as Record<Section, Record<string, unknown>[]>;
  const val = (s: Section, row: number, f: string): string => v[fieldId(s, row, f)] ?? '';
  const filled = (s: Section, row: number): boolean => sectionFields[s].some((f) => !choiceFields.has(f) && val(s, row, f) !== '');

  for (const s of sections) {
    for (let row = 0; row < rowCounts[s]; row++) {
      if (!filled(s, row)) continue;
      const get = (f: string) => val(s, row, f);
      const item: Record<string, unknown> = {};
      switch (s) {
        case 'custody':
          put(item, 'from', get('from'));
          item.to = get('to') === '' ? null : get('to'); // empty = still in custody
          item.kind = get('kind');
          break;
        case 'sentences':
          // An empty id gets the row's name; empty years, months or days count as 0.
          item.id = get('id') === '' ? `S${row + 1}` : get('id');
          for (const f of ['years', 'months', 'days']) item[f] = get(f) === '' ? 0 : integer(get(f));
          put(item, 'relation', get('relation'));
          put(item, 'consecutiveTo', get('consecutiveTo'));
          break;
        case 'activities':
          item.kind = get('kind');
          put(item, 'from', get('from'));
          put(item, 'to', get('to'));
          if (get('kind') === 'teaching') put(item, 'hours', get('amount'), decimal);
          else put(item, 'days', get('amount'), integer);
          item.approved = get('approved') !== '';
          break;
        case 'measures':
          // Fields that do not belong to the chosen kind are passed on, so the engine names them.
          item.kind = get('kind');
          put(item, 'appearances', get('appearances'), integer);
          put(item, 'from', get('from'));
          put(item, 'to', get('to'));
          break;
        case 'reductions':
          put(item, 'days', get('days'), integer);
          put(item, 'reference', get('reference'));
          break;
      }
      lists[s].push(item);
      rows[s].push(row);
    }
  }

  const input: Record<string, unknown> = { asOf: v.asOf ?? '', custody: lists.custody };
  for (const s of ['sentences', 'activities', 'measures', 'reductions'] as const) if (lists[s].length > 0) input[s] = lists[s];
  return { input, rows };
}

/** A field of the page: its id, and the section, row and field name it belongs to (if any). */
export interface FormField {
  id: string;
  section?: Section;
  /** 0-based form row. */
  row?: number;
  field?: string;
}

const PATH = /^(custody|sentences|activities|measures|reductions)(?:\[(\d+)\](?:\.(\w+))?)?$/;

/**
 * The form field an engine path refers to: `custody[1].to` → the `to` input of the form row
 * that became custody[1]. With `rows` null (the input came from the JSON box) every path
 * points at the JSON box.
 */
export function fieldForPath(path: string, rows: Record<Section, number[]> | null): FormField {
  if (rows === null) return { id: 'json' };
  if (path === 'asOf') return { id: 'asOf' };
  const m = PATH.exec(path);
  if (m === null) return { id: 'json' };
  const section = m[1] as Section;
  const index = m[2] === undefined ? 0 : Number(m[2]);
  const row = rows[section][index] ?? Math.min(index, rowCounts[section] - 1);
  let field = m[3] ?? rowAnchor[section];
  if (section === 'activities' && (field === 'days' || field === 'hours')) field = 'amount';
  if (!(sectionFields[section] as readonly string[]).includes(field)) field = rowAnchor[section];
  return { id: fieldId(section, row, field), section, row, field };
}
