// The roll (headcount): for a centre and each of its units, who should be present at an
// instant, who is out (court, hospital, leave, in transit) and who has escaped, and the counts
// duty officers enter against it. Everything is derived from the dated records, so the roll of
// any past instant is reproduced exactly; a count stores the expected figure the server
// computed for its instant, and a difference raises a `roll_discrepancy` alert.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database, UnitKind } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { fullName } from '../persons/identity.ts';
import { raiseAlert } from '../alerts/service.ts';
import * as repo from './repository.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Nothing in the register is older. */
export const earliestInstant = new Date('2000-01-01T00:00:00Z');
export const notesMaxLength = 1000;
export const maxCount = 100_000;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

// ---- the roll ----

export interface PersonRef {
  id: string;
  prisonerNumber: string;
  name: string;
}

export interface OutEntry {
  person: PersonRef;
  kind: repo.OutKind;
  since: string;
}

export interface EscapedEntry {
  person: PersonRef;
  since: string;
}

export interface RollGroup {
  /** Who should be in the unit now: held, placed there, and not out. */
  expected: PersonRef[];
  /** Held and placed there, but away: court, hospital, leave, or travelling on a transfer. */
  out: OutEntry[];
  /** Escaped from the unit and not recaptured: not held, shown apart. */
  escaped: EscapedEntry[];
  expectedPresent: number;
}

export interface RollUnit extends RollGroup {
  unitId: string;
  code: string;
  name: string;
  kind: UnitKind;
}

export interface Roll {
  facilityCode: string;
  at: string;
  units: RollUnit[];
  /**
   * Held at the centre but placed in none of its units at the instant: people travelling on a
   * transfer (their placement ends at departure) are out here; anyone expected present here is
   * a record to correct.
   */
  unplaced: RollGroup;
  totals: { held: number; expectedPresent: number; out: number; escaped: number; unplaced: number };
}

const personRef = (r: repo.HeldRow): PersonRef => ({
  id: r.person_id,
  prisonerNumber: r.prisoner_number,
  name: fullName({ givenNames: r.given_names, firstSurname: r.first_surname, secondSurname: r.second_surname }),
});

const emptyGroup = (): RollGroup => ({ expected: [], out: [], escaped: [], expectedPresent: 0 });
// One collator for all comparisons: localeCompare builds one per call, far slower on a big roll.
const collator = new Intl.Collator('es');
const byName = (a: { name: string; prisonerNumber: string }, b: { name: string; prisonerNumber: string }) =>
  collator.compare(a.name, b.name) || (a.prisonerNumber < b.prisonerNumber ? -1 : a.prisonerNumber > b.prisonerNumber ? 1 : 0);

/** Puts one person in their group: escaped, out (and why), or expected present. */
function classify(group: RollGroup, r: repo.HeldRow): void {
  const person = personRef(r);
  if (r.absence_kind === 'escape') group.escaped.push({ person, since: r.absence_since!.toISOString() });
  else if (r.absence_kind) group.out.push({ person, kind: r.absence_kind, since: r.absence_since!.toISOString() });
  else if (r.transit_since) group.out.push({ person, kind: 'transit', since: r.transit_since.toISOString() });
  else group.expected.push(person);
}

function sortGroup(g: RollGroup): void {
  g.expected.sort(byName);
  g.out.sort((a, b) => byName(a.person, b.person));
  g.escaped.sort((a, b) => byName(a.person, b.person));
  g.expectedPresent = g.expected.length;
}

/**
 * Who should be present at instant `at` in a centre (or one of its units), from the records:
 * an open facility stay there at `at` (from_at ≤ at < to_at) and a placement in the unit at
 * `at`, minus those out at `at` (absences out_at ≤ at < back_at; transfers departed and not yet
 * arrived), who are listed as out; escaped people are listed apart and are not held. No access
 * check (callers make theirs); the same records always give the same roll.
 */
export async function expectedRoll(db: Kysely<Database>, q: { facilityCode: string; unitId?: string | undefined; at: Date }): Promise<Roll> {
  const [units, rows] = await Promise.all([repo.unitsOf(db, q.facilityCode), repo.heldAt(db, q.facilityCode, q.at, { unitId: q.unitId })]);
  const groups = new Map<string, RollUnit>();
  for (const u of units) {
    if (q.unitId && u.id !== q.unitId) continue;
    groups.set(u.id, { unitId: u.id, code: u.code, name: u.name, kind: u.kind, ...emptyGroup() });
  }
  const unplaced = emptyGroup();
  for (const r of rows) classify((r.unit_id ? groups.get(r.unit_id) : undefined) ?? unplaced, r);
  const list = [...groups.values()];
  for (const g of [...list, unplaced]) sortGroup(g);
  const sum = (f: (g: RollGroup) => number) => list.reduce((s, g) => s + f(g), 0) + f(unplaced);
  return {
    facilityCode: q.facilityCode,
    at: q.at.toISOString(),
    units: list,
    unplaced,
    totals: {
      held: sum((g) => g.expected.length + g.out.length),
      expectedPresent: sum((g) => g.expected.length),
      out: sum((g) => g.out.length),
      escaped: sum((g) => g.escaped.length),
      unplaced: unplaced.expected.length,
    },
  };
}

/** How many should be present in one unit at an instant (what a count is compared with). */
export async function expectedPresentIn(db: Kysely<Database>, facilityCode: string, unitId: string, at: Date): Promise<number> {
  const rows = await repo.placedAt(db, facilityCode, at, { unitId });
  return rows.filter((r) => !r.absence_kind && !r.transit_since).length;
}

// ---- instants ----

/** An instant given as ISO 8601 text: absent → now; otherwise a real instant, not in the future. */
export function instantOf(value: string | undefined, path: string, now = new Date()): Date {
  if (value === undefined || value === '') return now;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) throw fieldRule(path, 'roll.errors.instant');
  if (at.getTime() > now.getTime()) throw fieldRule(path, 'roll.errors.future');
  if (at < earliestInstant) throw fieldRule(path, 'roll.errors.tooEarly', { date: earliestInstant.toISOString().slice(0, 10) });
  return at;
}

// ---- reading, with the last counts ----

export interface CountView {
  id: string;
  facilityCode: string;
  unitId: string;
  countedAt: string;
  counted: number;
  expectedPresent: number;
  /** counted − expected: negative when people are missing. */
  difference: number;
  notes: string | null;
  recordedAt: string;
  recordedBy: { id: string; name: string };
}

export type RollView = Omit<Roll, 'units'> & {
  facilityName: string;
  units: (RollUnit & { lastCount: CountView | null })[];
};

const countView = (facilityCode: string, c: repo.CountRow): CountView => ({
  id: c.id,
  facilityCode,
  unitId: c.unit_id,
  countedAt: c.counted_at.toISOString(),
  counted: c.counted,
  expectedPresent: c.expected_present,
  difference: c.counted - c.expected_present,
  notes: c.notes,
  recordedAt: c.recorded_at.toISOString(),
  recordedBy: { id: c.recorded_by, name: c.recorded_by_name },
});

/** The centre if the caller reaches it; 404 otherwise, as for a centre that does not exist. */
async function facilityInScope(db: Kysely<Database>, actor: Actor, code: string) {
  const scope = facilityScope(actor);
  if (scope !== null && !scope.includes(code)) throw notFound();
  const f = await db.selectFrom('facilities').select(['code', 'name']).where('code', '=', code).executeTakeFirst();
  if (!f) throw notFound();
  return f;
}

async function unitOfFacility(db: Kysely<Database>, facilityCode: string, unitId: string | undefined, path: string) {
  if (unitId === undefined) return undefined;
  const unit = uuidPattern.test(unitId) ? await db.selectFrom('units').select(['id', 'code', 'name', 'facility_code']).where('id', '=', unitId).executeTakeFirst() : undefined;
  if (!unit || unit.facility_code !== facilityCode) throw fieldRule(path, 'roll.errors.unitNotInCentre', { code: facilityCode });
  return unit;
}

/** The roll of a centre at an instant (default now), with each unit's last count then; audited as one read. */
export async function getRoll(deps: Deps, caller: Caller, code: string, q: { at?: string | undefined; unitId?: string | undefined }): Promise<RollView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const f = await facilityInScope(trx, caller.actor, code);
    const at = instantOf(q.at, 'at');
    await unitOfFacility(trx, f.code, q.unitId, 'unitId');
    const [roll, counts] = await Promise.all([expectedRoll(trx, { facilityCode: f.code, unitId: q.unitId, at }), repo.lastCounts(trx, f.code, at)]);
    const byUnit = new Map(counts.map((c) => [c.unit_id, countView(f.code, c)]));
    await recordAudit(trx, caller.audit, {
      action: 'roll.read',
      targetType: 'facility',
      targetId: f.code,
      facilityCode: f.code,
      details: { at: roll.at, unitId: q.unitId ?? null, held: roll.totals.held, expectedPresent: roll.totals.expectedPresent },
    });
    return { ...roll, facilityName: f.name, units: roll.units.map((u) => ({ ...u, lastCount: byUnit.get(u.unitId) ?? null })) };
  });
}

// ---- counting ----

export interface CountInput {
  unitId: string;
  counted: number;
  countedAt?: string | undefined;
  notes?: string | undefined;
}

export type RecordedCount = CountView & { unitCode: string; alertId: string | null };

/**
 * Records the count a duty officer made in a unit at an instant (default now; earlier for a
 * late entry). The expected figure is the server's, computed from the records for that
 * instant; a difference raises a `roll_discrepancy` alert to the centre's director. Runs in
 * one transaction with its audit entry (and the alert's).
 */
export async function recordCount(deps: Deps, caller: Caller, code: string, input: CountInput): Promise<RecordedCount> {
  requireAccess(caller.actor, 'roll.record');
  return inTransaction(deps.db, async (trx) => {
    const f = await facilityInScope(trx, caller.actor, code);
    const problems: FieldError[] = [];
    let countedAt: Date | null = null;
    const collect = (e: unknown) => {
      if (!(e instanceof AppError) || e.status !== 422) throw e;
      problems.push(...e.fields);
    };
    try {
      countedAt = instantOf(input.countedAt, 'countedAt');
    } catch (e) {
      collect(e);
    }
    if (!Number.isInteger(input.counted) || input.counted < 0 || input.counted > maxCount) problems.push({ path: 'counted', key: 'roll.errors.counted', params: { max: maxCount } });
    const notes = input.notes?.trim() || null;
    if (notes && notes.length > notesMaxLength) problems.push({ path: 'notes', key: 'roll.errors.notesTooLong', params: { max: notesMaxLength } });
    let unit: Awaited<ReturnType<typeof unitOfFacility>>;
    try {
      unit = await unitOfFacility(trx, f.code, input.unitId, 'unitId');
    } catch (e) {
      collect(e);
    }
    if (problems.length || !unit || !countedAt) throw unprocessable('errors.validation', problems);

    const expectedPresent = await expectedPresentIn(trx, f.code, unit.id, countedAt);
    const saved = await repo.insertCount(trx, { facilityCode: f.code, unitId: unit.id, countedAt, expectedPresent, counted: input.counted, notes, recordedBy: caller.actor.userId });
    const difference = input.counted - expectedPresent;
    const view: CountView = {
      id: saved.id,
      facilityCode: f.code,
      unitId: unit.id,
      countedAt: countedAt.toISOString(),
      counted: input.counted,
      expectedPresent,
      difference,
      notes,
      recordedAt: saved.recorded_at.toISOString(),
      recordedBy: { id: caller.actor.userId, name: caller.actor.displayName },
    };
    await recordAudit(trx, caller.audit, {
      action: 'roll.count.recorded',
      targetType: 'roll_count',
      targetId: saved.id,
      facilityCode: f.code,
      after: { unitId: unit.id, unitCode: unit.code, countedAt: view.countedAt, counted: view.counted, expectedPresent, difference, notes },
    });
    let alertId: string | null = null;
    if (difference !== 0) {
      const sign = difference > 0 ? '+' : '−';
      alertId = await raiseAlert(
        trx,
        {
          typeCode: 'roll_discrepancy',
          facilityCode: f.code,
          summary: `Conteo de ${unit.code} (${unit.name}), ${f.code}: ${input.counted} contados, ${expectedPresent} esperados (diferencia ${sign}${Math.abs(difference)})`,
          details: { countId: saved.id, unitId: unit.id, unitCode: unit.code, countedAt: view.countedAt, counted: input.counted, expectedPresent, difference },
          raisedBy: caller.actor.userId,
        },
        caller.audit,
      );
    }
    return { ...view, unitCode: unit.code, alertId };
  });
}
