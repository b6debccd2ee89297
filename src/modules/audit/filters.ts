// The audit search filters as the page's GET form sends them: every field a string, blank
// meaning "any". The API gets the same filters through its schema; both end here as AuditFilters.
import type { FieldError } from '../../platform/http/errors.ts';
import { defaultLimit, maxLimit } from './schemas.ts';

export interface AuditFilters {
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  personId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  before?: number | undefined;
}

const textFields = ['actor', 'action', 'targetType', 'targetId', 'personId', 'from', 'to'] as const;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export function filtersFromForm(query: unknown): { filters: AuditFilters; values: Record<string, string>; errors: FieldError[] } {
  const q = (query ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : '');
  const values: Record<string, string> = {};
  for (const k of [...textFields, 'limit', 'before']) values[k] = str(k);
  const errors: FieldError[] = [];
  const filters: AuditFilters = { limit: defaultLimit };
  for (const k of textFields) {
    const v = values[k]!;
    if (v === '') continue;
    if (v.length > 200) errors.push({ path: k, key: 'audit.errors.tooLong', params: { max: 200 } });
    else if (k === 'personId' && !uuid.test(v)) errors.push({ path: k, key: 'audit.errors.uuid' });
    else if ((k === 'from' || k === 'to') && !isDate(v)) errors.push({ path: k, key: 'audit.errors.date' });
    else filters[k] = v;
  }
  if (values.limit) {
    const n = Number(values.limit);
    if (Number.isInteger(n) && n >= 1 && n <= maxLimit) filters.limit = n;
    else errors.push({ path: 'limit', key: 'audit.errors.limit', params: { max: maxLimit } });
  }
  if (values.before) {
    const n = Number(values.before);
    if (Number.isInteger(n) && n >= 1) filters.before = n;
    else errors.push({ path: 'before', key: 'audit.errors.before' });
  }
  return { filters, values, errors };
}

/** The filters as a query string (for the next-page link), without blanks. */
export function filtersQuery(filters: AuditFilters, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v !== undefined && v !== '' && !(k === 'limit' && v === defaultLimit)) p.set(k, String(v));
  return p.toString();
}
