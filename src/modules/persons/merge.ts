// Two files later found to be one person: merge them (the other file's aliases, documents,
// contacts, children, episodes, movements, orders, health declarations and alerts move to the
// survivor; the other is marked merged_into) and undo the merge. person_merges.moved records
// exactly which rows moved, table by table, so that the undo moves those rows back and nothing
// else. Both are audited; both need person.merge and both files in the caller's scope.
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { CustodyStatus, Database } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { foldText, fullName } from './identity.ts';
import * as repo from './repository.ts';
import { isUuid, personScopeCondition, requirePersonInScope } from './scope.ts';
import { inTransaction, type Caller, type Deps } from './service.ts';

/**
 * The rows that move are those of every table with a foreign key person_id → persons(id),
 * found in the catalogue, so that tables added by later migrations (stays, transfers,
 * absences …) move too. The corrections stay with the file whose identity they corrected.
 * Each such table must have an id column (person_merges.moved records ids per table).
 */
export const notMoved: readonly string[] = ['person_corrections'];

/** The tables a merge moves rows of, e.g. person_aliases, person_documents, custody_episodes, movements, judicial_orders, alerts … */
export async function personOwnedTables(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ table_name: string }>`
    select distinct cl.relname as table_name
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_namespace ns on ns.oid = cl.relnamespace and ns.nspname = current_schema()
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = 'persons'::regclass and array_length(c.conkey, 1) = 1 and a.attname = 'person_id'
      and exists (select 1 from pg_attribute i where i.attrelid = c.conrelid and i.attname = 'id' and not i.attisdropped)
    order by 1`.execute(db);
  return r.rows.map((x) => x.table_name).filter((t) => !notMoved.includes(t));
}

interface SurvivorState {
  custody_status: CustodyStatus;
  location_facility_code: string | null;
  transit_facility_code: string | null;
  photo_file_id: string | null;
}

export interface MovedRows {
  /** Ids of the rows moved, per table. */
  tables: Record<string, string[]>;
  /** The other file's name, added to the survivor as an "other name" (ended on undo). */
  createdAliases: string[];
  /** The survivor's custody state before it took the other file's open episode (restored on undo). */
  survivorBefore: SurvivorState | null;
  survivorAfter: SurvivorState | null;
}

export interface MergeView {
  id: string;
  survivorId: string;
  mergedId: string;
  reason: string;
  moved: Record<string, number>;
  mergedAt: string;
  undoneAt: string | null;
}

const stateColumns = ['custody_status', 'location_facility_code', 'transit_facility_code', 'photo_file_id'] as const;
const sameState = (a: SurvivorState, b: SurvivorState) => stateColumns.every((c) => a[c] === b[c]);

function view(row: { id: string; survivor_id: string; merged_id: string; reason: string; moved: unknown; merged_at: Date; undone_at: Date | null }): MergeView {
  const moved = row.moved as MovedRows;
  return {
    id: row.id,
    survivorId: row.survivor_id,
    mergedId: row.merged_id,
    reason: row.reason,
    moved: Object.fromEntries(Object.entries(moved.tables).map(([t, ids]) => [t, ids.length])),
    mergedAt: row.merged_at.toISOString(),
    undoneAt: row.undone_at ? row.undone_at.toISOString() : null,
  };
}

async function hasOpenEpisode(db: Kysely<Database>, personId: string): Promise<boolean> {
  return Boolean(await db.selectFrom('custody_episodes').select('id').where('person_id', '=', personId).where('released_at', 'is', null).executeTakeFirst());
}

/** Merges `otherId` into `survivorId`. Refused (422) when both are in custody now. */
export async function mergePersons(deps: Deps, caller: Caller, survivorId: string, otherId: string, reasonText: string): Promise<MergeView> {
  requireAccess(caller.actor, 'person.merge');
  const reason = reasonText.trim();
  if (!reason) throw fieldRule('reason', 'persons.errors.reasonRequired');
  if (!isUuid(otherId)) throw fieldRule('otherId', 'persons.errors.mergeOtherUnknown');
  if (otherId === survivorId) throw fieldRule('otherId', 'persons.errors.mergeSame');
  return inTransaction(deps.db, async (trx) => {
    // Lock both files in a fixed order, so two merges of the same pair cannot deadlock.
    await trx.selectFrom('persons').select('id').where('id', 'in', [survivorId, otherId]).orderBy('id').forUpdate().execute();
    const survivor = await requirePersonInScope(trx, caller.actor, survivorId);
    const otherRow = await trx.selectFrom('persons as p').select(['p.id', 'p.merged_into']).where('p.id', '=', otherId).where(personScopeCondition(caller.actor)).executeTakeFirst();
    if (!otherRow) throw fieldRule('otherId', 'persons.errors.mergeOtherUnknown');
    if (otherRow.merged_into) throw fieldRule('otherId', 'persons.errors.mergeOtherMerged');
    const [survivorOpen, otherOpen] = await Promise.all([hasOpenEpisode(trx, survivorId), hasOpenEpisode(trx, otherId)]);
    if (survivorOpen && otherOpen) throw fieldRule('otherId', 'persons.errors.mergeBothInCustody');
    const s = (await repo.findPerson(trx, survivorId))!;
    const o = (await repo.findPerson(trx, otherId))!;

    const tables: Record<string, string[]> = {};
    for (const t of await personOwnedTables(trx)) {
      const rows = await sql<{ id: string }>`update ${sql.table(t)} set person_id = ${survivorId} where person_id = ${otherId} returning id`.execute(trx);
      tables[t] = rows.rows.map((r) => String(r.id)).sort();
    }

    // The other file's name stays findable on the survivor.
    const createdAliases: string[] = [];
    const otherName = fullName({ givenNames: o.given_names, firstSurname: o.first_surname, secondSurname: o.second_surname });
    const survivorName = fullName({ givenNames: s.given_names, firstSurname: s.first_surname, secondSurname: s.second_surname });
    if (foldText(otherName) !== foldText(survivorName)) {
      const a = await trx.insertInto('person_aliases').values({ person_id: survivorId, alias: otherName, kind: 'other_name' }).returning('id').executeTakeFirstOrThrow();
      createdAliases.push(a.id);
    }

    // Where the person is now follows the open episode; a survivor without a photo takes the other's.
    const before: SurvivorState = { custody_status: s.custody_status, location_facility_code: s.location_facility_code, transit_facility_code: s.transit_facility_code, photo_file_id: s.photo_file_id };
    const after: SurvivorState = { ...before };
    if (otherOpen || (!survivorOpen && s.custody_status === 'none' && o.custody_status !== 'none')) {
      after.custody_status = o.custody_status;
      after.location_facility_code = o.location_facility_code;
      after.transit_facility_code = o.transit_facility_code;
    }
    if (!after.photo_file_id && o.photo_file_id) after.photo_file_id = o.photo_file_id;
    const changed = !sameState(before, after);
    await trx
      .updateTable('persons')
      .set((eb) => ({ ...(changed ? after : {}), version: eb('version', '+', 1), updated_at: new Date() }))
      .where('id', '=', survivorId)
      .execute();
    await trx.updateTable('persons').set((eb) => ({ merged_into: survivorId, version: eb('version', '+', 1), updated_at: new Date() })).where('id', '=', otherId).execute();
    await repo.refreshSearchText(trx, survivorId);

    const moved: MovedRows = { tables, createdAliases, survivorBefore: changed ? before : null, survivorAfter: changed ? after : null };
    const row = await trx
      .insertInto('person_merges')
      .values({ survivor_id: survivorId, merged_id: otherId, reason, moved: JSON.stringify(moved), merged_by: caller.actor.userId })
      .returningAll()
      .executeTakeFirstOrThrow();
    const v = view(row);
    await recordAudit(trx, caller.audit, {
      action: 'person.merged',
      targetType: 'person_merge',
      targetId: row.id,
      personId: survivorId,
      facilityCode: survivor.location_facility_code,
      before: { survivor: { id: survivorId, prisonerNumber: s.prisoner_number }, merged: { id: otherId, prisonerNumber: o.prisoner_number, mergedInto: null } },
      after: { merged: { id: otherId, mergedInto: survivorId }, moved },
      details: { reason },
    });
    return v;
  });
}

/** Undoes a merge: exactly the rows that moved go back, the other file is a file again. */
export async function undoMerge(deps: Deps, caller: Caller, mergeId: string): Promise<MergeView> {
  requireAccess(caller.actor, 'person.merge');
  if (!isUuid(mergeId)) throw notFound();
  return inTransaction(deps.db, async (trx) => {
    const m = await trx.selectFrom('person_merges').selectAll().where('id', '=', mergeId).forUpdate().executeTakeFirst();
    if (!m) throw notFound();
    await trx.selectFrom('persons').select('id').where('id', 'in', [m.survivor_id, m.merged_id]).orderBy('id').forUpdate().execute();
    const survivor = await requirePersonInScope(trx, caller.actor, m.survivor_id);
    if (m.undone_at) throw new AppError(409, 'merge_already_undone', 'persons.errors.mergeAlreadyUndone');
    const moved = m.moved as MovedRows;
    // Rows that moved on since (a later merge) would be pulled from elsewhere: refuse instead.
    for (const [t, ids] of Object.entries(moved.tables)) {
      if (!ids.length) continue;
      const back = await sql<{ id: string }>`update ${sql.table(t)} set person_id = ${m.merged_id} where id in (${sql.join(ids)}) and person_id = ${m.survivor_id} returning id`.execute(trx);
      if (back.rows.length !== ids.length) throw new AppError(409, 'merge_undo_conflict', 'persons.errors.mergeUndoConflict');
    }
    if (moved.createdAliases.length) {
      await trx.updateTable('person_aliases').set({ ended_at: new Date() }).where('id', 'in', moved.createdAliases).where('ended_at', 'is', null).execute();
    }
    if (moved.survivorBefore && moved.survivorAfter) {
      const s = (await repo.findPerson(trx, m.survivor_id))!;
      const now: SurvivorState = { custody_status: s.custody_status, location_facility_code: s.location_facility_code, transit_facility_code: s.transit_facility_code, photo_file_id: s.photo_file_id };
      // Custody events recorded on the survivor since the merge would be lost: refuse.
      if (!sameState(now, moved.survivorAfter)) throw new AppError(409, 'merge_undo_conflict', 'persons.errors.mergeUndoConflict');
      await trx.updateTable('persons').set(moved.survivorBefore).where('id', '=', m.survivor_id).execute();
    }
    await trx.updateTable('persons').set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date() })).where('id', '=', m.survivor_id).execute();
    await trx.updateTable('persons').set((eb) => ({ merged_into: null, version: eb('version', '+', 1), updated_at: new Date() })).where('id', '=', m.merged_id).execute();
    await repo.refreshSearchText(trx, m.survivor_id);
    await repo.refreshSearchText(trx, m.merged_id);
    const row = await trx.updateTable('person_merges').set({ undone_at: new Date(), undone_by: caller.actor.userId }).where('id', '=', mergeId).returningAll().executeTakeFirstOrThrow();
    await recordAudit(trx, caller.audit, {
      action: 'person.merge.undone',
      targetType: 'person_merge',
      targetId: mergeId,
      personId: m.survivor_id,
      facilityCode: survivor.location_facility_code,
      before: { merged: { id: m.merged_id, mergedInto: m.survivor_id } },
      after: { merged: { id: m.merged_id, mergedInto: null }, movedBack: moved.tables },
    });
    return view(row);
  });
}

/** Merges of a file (as survivor or as merged), newest first: for the person's page. Not audited separately (part of the page read). */
export async function mergesOf(db: Kysely<Database>, personId: string): Promise<MergeView[]> {
  const rows = await db
    .selectFrom('person_merges')
    .selectAll()
    .where((eb) => eb.or([eb('survivor_id', '=', personId), eb('merged_id', '=', personId)]))
    .orderBy('merged_at', 'desc')
    .execute();
  return rows.map(view);
}
