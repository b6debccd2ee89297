// Form errors for pages: the GOV.UK error summary list and a per-field lookup.
import type { FastifyRequest } from 'fastify';
import type { FieldError } from './errors.ts';

export interface FormErrors {
  summary: { text: string; href: string }[];
  byField: Record<string, { text: string }>;
}

export function formErrors(req: FastifyRequest, fields: FieldError[]): FormErrors {
  const text = (f: FieldError) => (f.localized ? f.localized[req.lang] : req.t(f.key, f.params));
  const summary = fields.map((f) => ({ text: text(f), href: `#${f.path.replace(/[.[\]]+/g, '-').replace(/-$/, '') || 'main-content'}` }));
  const byField: Record<string, { text: string }> = {};
  for (const f of fields) byField[f.path] ??= { text: text(f) };
  return { summary, byField };
}

/** A string field of a submitted form ('' when absent or not a string). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}
