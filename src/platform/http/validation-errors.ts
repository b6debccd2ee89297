// Turns the schema validator's errors into the API's field list with dotted paths
// (order.caseNumber, custody[1].to) and messages from the catalogue.
import type { FieldError } from './errors.ts';

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string | undefined;
}

export function toPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export function fieldsFromAjv(errors: AjvError[], dataVar: string): FieldError[] {
  const seen = new Set<string>();
  const fields: FieldError[] = [];
  for (const e of errors) {
    let path: string;
    let key = `validation.${e.keyword}`;
    const params: Record<string, unknown> = { ...e.params };
    if (e.keyword === 'required') path = toPath(e.instancePath, String(e.params.missingProperty));
    else if (e.keyword === 'additionalProperties') path = toPath(e.instancePath, String(e.params.additionalProperty));
    else path = toPath(e.instancePath);
    if (path === '') path = dataVar === 'body' ? '' : dataVar;
    if (!['required', 'additionalProperties', 'type', 'format', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'enum', 'minItems', 'maxItems', 'const', 'anyOf', 'uniqueItems', 'exclusiveMinimum', 'exclusiveMaximum'].includes(e.keyword)) key = 'validation.invalid';
    if (e.keyword === 'enum') params.allowed = (e.params.allowedValues as unknown[] | undefined)?.join(', ');
    if (seen.has(path)) continue;
    seen.add(path);
    fields.push({ path, key, params });
  }
  return fields;
}
