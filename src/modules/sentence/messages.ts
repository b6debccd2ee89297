// Validation messages in Spanish and English, keyed so the HTTP layer can either show the
// rendered `messages.es` / `messages.en` or re-render `key` + `params` with its own
// catalogue. The CLI prints the English one.

import type { LocalizedText } from './rule-sets.ts';
import type { MessageParams } from './types.ts';

type Render = (p: MessageParams) => LocalizedText;

const p = (params: MessageParams, name: string): string => String(params[name] ?? '');

export const validationMessages = {
  // --- shape ("schema") problems -------------------------------------------------------
  not_json: (x) => ({
    es: `no es un documento JSON válido (${p(x, 'reason')})`,
    en: `is not a valid JSON document (${p(x, 'reason')})`,
  }),
  not_object: () => ({ es: 'debe ser un objeto', en: 'must be an object' }),
  not_array: () => ({ es: 'debe ser una lista', en: 'must be an array' }),
  required: () => ({ es: 'es obligatorio', en: 'is required' }),
  unknown_property: () => ({ es: 'no es un campo permitido', en: 'is not an allowed field' }),
  not_allowed_for_kind: (x) => ({
    es: `no corresponde a un registro de tipo "${p(x, 'kind')}"`,
    en: `does not belong in a "${p(x, 'kind')}" record`,
  }),
  min_items: (x) => ({
    es: `debe tener al menos ${p(x, 'min')} elemento(s)`,
    en: `must have at least ${p(x, 'min')} item(s)`,
  }),
  max_items: (x) => ({
    es: `debe tener como máximo ${p(x, 'max')} elementos`,
    en: `must have at most ${p(x, 'max')} items`,
  }),
  not_string: () => ({ es: 'debe ser un texto', en: 'must be a string' }),
  string_length: (x) => ({
    es: `debe tener entre ${p(x, 'min')} y ${p(x, 'max')} caracteres`,
    en: `must be ${p(x, 'min')} to ${p(x, 'max')} characters long`,
  }),
  not_date: () => ({
    es: 'debe ser una fecha real con formato AAAA-MM-DD',
    en: 'must be a real calendar date written YYYY-MM-DD',
  }),
  not_date_or_null: () => ({
    es: 'debe ser una fecha real con formato AAAA-MM-DD, o null si sigue en custodia',
    en: 'must be a real calendar date written YYYY-MM-DD, or null while still in custody',
  }),
  date_out_of_range: (x) => ({
    es: `debe estar entre los años ${p(x, 'min')} y ${p(x, 'max')}`,
    en: `must be between the years ${p(x, 'min')} and ${p(x, 'max')}`,
  }),
  not_integer: (x) => ({
    es: `debe ser un número entero entre ${p(x, 'min')} y ${p(x, 'max')}`,
    en: `must be a whole number from ${p(x, 'min')} to ${p(x, 'max')}`,
  }),
  not_number: (x) => ({
    es: `debe ser un número entre ${p(x, 'min')} y ${p(x, 'max')}`,
    en: `must be a number from ${p(x, 'min')} to ${p(x, 'max')}`,
  }),
  not_boolean: () => ({ es: 'debe ser true o false', en: 'must be true or false' }),
  not_one_of: (x) => ({
    es: `debe ser uno de: ${p(x, 'allowed')}`,
    en: `must be one of: ${p(x, 'allowed')}`,
  }),

  // --- rule problems ---------------------------------------------------------------------
  ends_before_start: (x) => ({
    es: `termina (${p(x, 'to')}) antes de empezar (${p(x, 'from')})`,
    en: `ends (${p(x, 'to')}) before it starts (${p(x, 'from')})`,
  }),
  custody_overlap: (x) => ({
    es: `se superpone con ${p(x, 'other')} (${p(x, 'otherFrom')} a ${p(x, 'otherTo')}); los períodos de custodia no pueden superponerse`,
    en: `overlaps ${p(x, 'other')} (${p(x, 'otherFrom')} to ${p(x, 'otherTo')}); custody periods must not overlap`,
  }),
  open_period_overlap: (x) => ({
    es: `es null (custodia abierta) pero ${p(x, 'other')} empieza después (${p(x, 'otherFrom')}); solo el último período puede estar abierto`,
    en: `is null (open custody) but ${p(x, 'other')} starts later (${p(x, 'otherFrom')}); only the last period may be open`,
  }),
  duplicate_id: (x) => ({
    es: `repite el identificador "${p(x, 'id')}" de ${p(x, 'other')}`,
    en: `repeats the id "${p(x, 'id')}" of ${p(x, 'other')}`,
  }),
  sentence_zero: () => ({
    es: 'años, meses y días son todos cero',
    en: 'years, months and days are all zero',
  }),
  first_relation_later: () => ({
    es: 'solo la primera condena puede tener relation "first"; use "concurrent" o "consecutive"',
    en: 'only the first sentence may have relation "first"; use "concurrent" or "consecutive"',
  }),
  consecutive_to_requires_consecutive: () => ({
    es: 'consecutiveTo solo se admite con relation "consecutive"',
    en: 'consecutiveTo is only allowed with relation "consecutive"',
  }),
  consecutive_to_unknown: (x) => ({
    es: `no existe ninguna condena con id "${p(x, 'id')}"`,
    en: `names no sentence with id "${p(x, 'id')}"`,
  }),
  consecutive_to_not_earlier: (x) => ({
    es: `"${p(x, 'id')}" debe aparecer antes en la lista de condenas`,
    en: `"${p(x, 'id')}" must come earlier in the list of sentences`,
  }),
  activity_after_as_of: (x) => ({
    es: `termina (${p(x, 'to')}) después de asOf (${p(x, 'asOf')})`,
    en: `ends (${p(x, 'to')}) after asOf (${p(x, 'asOf')})`,
  }),
  activity_outside_custody: (x) => ({
    es: `el registro (${p(x, 'from')} a ${p(x, 'to')}) tiene ${p(x, 'outside')} día(s) fuera de custodia`,
    en: `the record (${p(x, 'from')} to ${p(x, 'to')}) has ${p(x, 'outside')} day(s) outside custody`,
  }),
  activity_days_exceed_period: (x) => ({
    es: `${p(x, 'days')} días es más que los ${p(x, 'length')} días del período`,
    en: `${p(x, 'days')} days is more than the period's ${p(x, 'length')} days`,
  }),
  activity_hours_exceed_period: (x) => ({
    es: `${p(x, 'hours')} horas es más de 24 horas por cada uno de los ${p(x, 'length')} días del período`,
    en: `${p(x, 'hours')} hours is more than 24 hours for each of the period's ${p(x, 'length')} days`,
  }),
  activity_overlap: (x) => ({
    es: `se superpone con ${p(x, 'other')} (${p(x, 'otherFrom')} a ${p(x, 'otherTo')}); cada período se certifica una sola vez`,
    en: `overlaps ${p(x, 'other')} (${p(x, 'otherFrom')} to ${p(x, 'otherTo')}); each period is certified once`,
  }),
  restriction_overlaps_custody: (x) => ({
    es: `la restricción (${p(x, 'from')} a ${p(x, 'to')}) coincide con ${p(x, 'overlap')} día(s) de custodia`,
    en: `the restriction (${p(x, 'from')} to ${p(x, 'to')}) falls on ${p(x, 'overlap')} day(s) of custody`,
  }),
  restriction_overlap: (x) => ({
    es: `se superpone con ${p(x, 'other')} (${p(x, 'otherFrom')} a ${p(x, 'otherTo')}); cada día se abona una sola vez`,
    en: `overlaps ${p(x, 'other')} (${p(x, 'otherFrom')} to ${p(x, 'otherTo')}); each day is credited once`,
  }),
} satisfies Record<string, Render>;

export type ValidationMessageKey = keyof typeof validationMessages;

export function renderValidationMessage(key: ValidationMessageKey, params: MessageParams): LocalizedText {
  return validationMessages[key](params);
}
