// The offence catalogue (Código Penal): everyone signed in reads it (charges name its entries);
// administrators holding offence.manage add, edit and deactivate entries, each change audited.
// An entry is never deleted: the charges that name it keep naming it, and a deactivated entry
// cannot be charged anew.
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database, OffenceCategory } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { inTransaction, type Caller, type Deps } from './common.ts';
import * as repo from './repository.ts';
import { limits, offenceCategories, offenceCodePattern } from './rules.ts';

export interface OffenceView {
  code: string;
  article: string;
  nameEs: string;
  nameEn: string;
  category: OffenceCategory;
  active: boolean;
  updatedAt: string;
  version: number;
}

const toView = (r: repo.OffenceRow): OffenceView => ({
  code: r.code,
  article: r.article,
  nameEs: r.name_es,
  nameEn: r.name_en,
  category: r.category,
  active: r.active,
  updatedAt: r.updated_at.toISOString(),
  version: r.version,
});

const auditView = (o: OffenceView) => ({ article: o.article, nameEs: o.nameEs, nameEn: o.nameEn, category: o.category, active: o.active, version: o.version });

/** Folds text for the search: lower case, no accents. */
export const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

export interface OffenceFilter {
  q?: string | undefined;
  category?: string | undefined;
  active?: boolean | undefined;
  limit?: number | undefined;
}

/** The catalogue, by category and article; `q` matches words of the code, article or either name. */
export async function listOffences(deps: Deps, _caller: Caller, filter: OffenceFilter = {}): Promise<{ items: OffenceView[]; total: number }> {
  const words = fold(filter.q ?? '')
    .slice(0, limits.search)
    .split(/\s+/)
    .filter(Boolean);
  const category = (offenceCategories as readonly string[]).includes(filter.category ?? '') ? (filter.category as OffenceCategory) : undefined;
  const limit = Math.min(Math.max(filter.limit ?? 200, 1), 500);
  const text = sql<string>`translate(lower(o.code || ' ' || o.article || ' ' || o.name_es || ' ' || o.name_en), 'áéíóúüñ', 'aeiouun')`;
  let q = repo.offencesQuery(deps.db);
  for (const w of words) q = q.where(sql<boolean>`strpos(${text}, ${w}) > 0`);
  if (category) q = q.where('o.category', '=', category);
  if (filter.active !== undefined) q = q.where('o.active', '=', filter.active);
  const rows = await q.orderBy('o.category').orderBy(sql`nullif(regexp_replace(o.article, '[^0-9].*$', ''), '')::int`).orderBy('o.article').orderBy('o.code').execute();
  return { items: rows.slice(0, limit).map(toView), total: rows.length };
}

/** One entry (404 when unknown). */
export async function getOffence(deps: Deps, _caller: Caller, code: string): Promise<OffenceView> {
  if (!offenceCodePattern.test(code)) throw notFound();
  const row = await repo.offencesQuery(deps.db).where('o.code', '=', code).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row);
}

export interface OffenceInput {
  article: string;
  nameEs: string;
  nameEn: string;
  category: string;
}

function cleanInput(input: OffenceInput): { article: string; name_es: string; name_en: string; category: OffenceCategory } {
  const text = (v: string | undefined, path: string, max: number) => {
    const s = (v ?? '').trim().replace(/\s+/g, ' ');
    if (!s) throw fieldRule(path, 'cases.errors.required');
    if (s.length > max) throw fieldRule(path, 'cases.errors.tooLong', { max });
    return s;
  };
  const article = text(input.article, 'article', limits.article);
  if (!/^[0-9]{1,4}(-[A-Z]{1,2})?([ ,.;y0-9-]*)$/i.test(article)) throw fieldRule('article', 'cases.errors.article');
  const name_es = text(input.nameEs, 'nameEs', limits.offenceName);
  const name_en = text(input.nameEn, 'nameEn', limits.offenceName);
  if (!(offenceCategories as readonly string[]).includes(input.category)) throw fieldRule('category', 'cases.errors.category');
  return { article, name_es, name_en, category: input.category as OffenceCategory };
}

/** Adds an entry; its code is fixed for ever (409 when taken). */
export async function createOffence(deps: Deps, caller: Caller, input: OffenceInput & { code: string }): Promise<OffenceView> {
  requireAccess(caller.actor, 'offence.manage');
  const code = (input.code ?? '').trim().toUpperCase();
  if (!code) throw fieldRule('code', 'cases.errors.required');
  if (!offenceCodePattern.test(code)) throw fieldRule('code', 'cases.errors.offenceCode');
  const values = cleanInput(input);
  return inTransaction(deps.db, async (trx) => {
    const taken = await trx.selectFrom('offences').select('code').where('code', '=', code).executeTakeFirst();
    if (taken) throw new AppError(409, 'offence_exists', 'cases.errors.offenceExists', { code }, [{ path: 'code', key: 'cases.errors.offenceExists', params: { code } }]);
    await trx
      .insertInto('offences')
      .values({ code, ...values })
      .execute()
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw new AppError(409, 'offence_exists', 'cases.errors.offenceExists', { code }, [{ path: 'code', key: 'cases.errors.offenceExists', params: { code } }]);
        throw e;
      });
    const view = toView(await repo.offencesQuery(trx).where('o.code', '=', code).executeTakeFirstOrThrow());
    await recordAudit(trx, caller.audit, { action: 'offence.created', targetType: 'offence', targetId: code, after: auditView(view) });
    return view;
  });
}

async function lockOffence(trx: Kysely<Database>, code: string, version: number): Promise<OffenceView> {
  if (!offenceCodePattern.test(code)) throw notFound();
  const row = await repo.offencesQuery(trx).where('o.code', '=', code).forUpdate().executeTakeFirst();
  if (!row) throw notFound();
  if (row.version !== version) throw versionConflict();
  return toView(row);
}

/** Edits an entry's article, names and category; send the version read (409 when newer). */
export async function updateOffence(deps: Deps, caller: Caller, code: string, input: OffenceInput & { version: number }): Promise<OffenceView> {
  requireAccess(caller.actor, 'offence.manage');
  const values = cleanInput(input);
  return inTransaction(deps.db, async (trx) => {
    const before = await lockOffence(trx, code, input.version);
    await trx
      .updateTable('offences')
      .set({ ...values, updated_at: new Date(), version: sql`version + 1` })
      .where('code', '=', code)
      .execute();
    const after = toView(await repo.offencesQuery(trx).where('o.code', '=', code).executeTakeFirstOrThrow());
    await recordAudit(trx, caller.audit, { action: 'offence.updated', targetType: 'offence', targetId: code, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/** Deactivates (active=false) or reactivates an entry; send the version read. */
export async function setOffenceActive(deps: Deps, caller: Caller, code: string, input: { version: number }, active: boolean): Promise<OffenceView> {
  requireAccess(caller.actor, 'offence.manage');
  return inTransaction(deps.db, async (trx) => {
    const before = await lockOffence(trx, code, input.version);
    if (before.active === active) throw new AppError(409, active ? 'offence_active' : 'offence_inactive', active ? 'cases.errors.offenceAlreadyActive' : 'cases.errors.offenceAlreadyInactive');
    await trx
      .updateTable('offences')
      .set({ active, updated_at: new Date(), version: sql`version + 1` })
      .where('code', '=', code)
      .execute();
    const after = toView(await repo.offencesQuery(trx).where('o.code', '=', code).executeTakeFirstOrThrow());
    await recordAudit(trx, caller.audit, { action: active ? 'offence.activated' : 'offence.deactivated', targetType: 'offence', targetId: code, before: auditView(before), after: auditView(after) });
    return after;
  });
}
