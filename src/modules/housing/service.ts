// Housing: where people sleep inside their centre. Reading a centre's units and cells with
// capacity against occupants (overcrowding is allowed — it is the reality — but always
// flagged), a unit's occupants, and moving a person to another unit or cell. A move checks the
// separation rules (separation-rules.ts) and is refused (422, naming the rule and the field)
// unless a user with `housing.override` records an override with a reason: the override is
// kept on the placement, audited, and raises a `separation_override` alert. A move closes the
// open placement and opens the new one in one transaction, audited with before and after.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { CapacitySource, Database, LegalStatus, Sex, UnitKind } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { dateIn, todayIn } from '../../platform/time.ts';
import { isoToLocal } from '../admission/local-time.ts';
import { raiseAlert } from '../alerts/service.ts';
import * as facilitiesRepo from '../facilities/repository.ts';
import { fullName } from '../persons/identity.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { heldWithDetailsAt, placedAt, type HeldDetailRow, type HeldRow } from '../roll/repository.ts';
import * as repo from './repository.ts';
import { ageOn, rulesOf, separationProblems, separationRuleSetInForce, type OccupantFacts, type SeparationProblem } from './separation-rules.ts';

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
export const reasonLimits = { min: 3, max: 500 } as const;
export const overrideReasonLimits = { min: 10, max: 1000 } as const;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

/** Over capacity: more occupants than places (never when the capacity is unknown). */
const overcrowded = (capacity: number | null, occupants: number): boolean => capacity !== null && occupants > capacity;
/** Held means in custody at the centre: present or temporarily out, not escaped. */
const isHeld = (r: Pick<HeldRow, 'absence_kind'>): boolean => r.absence_kind !== 'escape';

// ---- a centre's units and cells ----

export interface CellOccupancy {
  id: string;
  code: string;
  capacity: number | null;
  capacitySource: CapacitySource | null;
  occupants: number;
  overcrowded: boolean;
}

export interface UnitOccupancy {
  id: string;
  code: string;
  name: string;
  kind: UnitKind;
  capacity: number | null;
  capacitySource: CapacitySource | null;
  occupants: number;
  overcrowded: boolean;
  /** Placed in the unit without a cell (a dormitory, or a cell still to be assigned). */
  withoutCell: number;
  overcrowdedCells: number;
  cells: CellOccupancy[];
}

export interface FacilityHousing {
  date: string;
  facility: { code: string; name: string; populationGroup: 'men' | 'women' | 'mixed'; capacity: number | null; capacitySource: CapacitySource | null };
  units: UnitOccupancy[];
  totals: { occupants: number; overcrowded: boolean; overcrowdedUnits: number; overcrowdedCells: number; unplaced: number };
}

/** Occupants now, by unit and by cell, from the roll's definition of who the centre holds. */
function tally(rows: Pick<HeldRow, 'absence_kind' | 'unit_id' | 'cell_id' | 'transit_since'>[]) {
  const byUnit = new Map<string, number>();
  const byCell = new Map<string, number>();
  const withoutCell = new Map<string, number>();
  let unplaced = 0;
  for (const r of rows) {
    if (!isHeld(r)) continue;
    if (!r.unit_id) {
      if (!r.transit_since) unplaced++; // travelling on a transfer: placed nowhere until arrival
      continue;
    }
    byUnit.set(r.unit_id, (byUnit.get(r.unit_id) ?? 0) + 1);
    if (r.cell_id) byCell.set(r.cell_id, (byCell.get(r.cell_id) ?? 0) + 1);
    else withoutCell.set(r.unit_id, (withoutCell.get(r.unit_id) ?? 0) + 1);
  }
  return { byUnit, byCell, withoutCell, unplaced };
}

function unitOccupancy(u: facilitiesRepo.UnitRow, cells: repo.CellRow[], t: ReturnType<typeof tally>): UnitOccupancy {
  const cellViews = cells
    .filter((c) => c.unit_id === u.id)
    .map((c): CellOccupancy => {
      const n = t.byCell.get(c.id) ?? 0;
      return { id: c.id, code: c.code, capacity: c.capacity, capacitySource: c.capacity_source, occupants: n, overcrowded: overcrowded(c.capacity, n) };
    });
  const occupants = t.byUnit.get(u.id) ?? 0;
  return {
    id: u.id,
    code: u.code,
    name: u.name,
    kind: u.kind,
    capacity: u.capacity,
    capacitySource: u.capacity_source,
    occupants,
    overcrowded: overcrowded(u.capacity, occupants),
    withoutCell: t.withoutCell.get(u.id) ?? 0,
    overcrowdedCells: cellViews.filter((c) => c.overcrowded).length,
    cells: cellViews,
  };
}

/** A centre's units and cells with capacity (as of today) against occupants now; 404 outside scope. */
export async function getFacilityHousing(deps: Deps, actor: Actor, code: string): Promise<FacilityHousing> {
  requireAccess(actor, 'facility.read');
  const date = todayIn(deps.settings.timeZone);
  const f = await facilitiesRepo.findFacility(deps.db, facilityScope(actor), code, date);
  if (!f) throw notFound();
  const [units, cells, rows] = await Promise.all([
    facilitiesRepo.listUnits(deps.db, f.code, date),
    repo.cellsWithCapacity(deps.db, f.code, date),
    placedAt(deps.db, f.code, new Date()),
  ]);
  const t = tally(rows);
  const unitViews = units.map((u) => unitOccupancy(u, cells, t));
  const occupants = unitViews.reduce((s, u) => s + u.occupants, 0) + t.unplaced;
  return {
    date,
    facility: { code: f.code, name: f.name, populationGroup: f.population_group, capacity: f.capacity, capacitySource: f.capacity_source },
    units: unitViews,
    totals: {
      occupants,
      overcrowded: overcrowded(f.capacity, occupants),
      overcrowdedUnits: unitViews.filter((u) => u.overcrowded).length,
      overcrowdedCells: unitViews.reduce((s, u) => s + u.overcrowdedCells, 0),
      unplaced: t.unplaced,
    },
  };
}

// ---- a unit's occupants ----

export interface OccupantView {
  personId: string;
  prisonerNumber: string;
  name: string;
  sex: Sex;
  age: number | null;
  legalStatus: LegalStatus | null;
  cellId: string | null;
  cellCode: string | null;
  since: string | null;
  /** Temporarily away (court, hospital, leave, transfer), still held here. */
  out: { kind: 'court' | 'hospital' | 'leave' | 'transit'; since: string } | null;
  /** The separation rules this placement was allowed to break by an override. */
  overrideRules: string[] | null;
}

export interface UnitOccupants {
  date: string;
  unit: Omit<UnitOccupancy, 'cells' | 'overcrowdedCells'> & { facilityCode: string; facilityName: string; populationGroup: 'men' | 'women' | 'mixed' };
  cells: CellOccupancy[];
  occupants: OccupantView[];
}

function occupantView(r: HeldDetailRow, cellCodes: Map<string, string>, today: string): OccupantView {
  const out = r.absence_kind && r.absence_kind !== 'escape' ? { kind: r.absence_kind, since: r.absence_since!.toISOString() } : r.transit_since ? { kind: 'transit' as const, since: r.transit_since.toISOString() } : null;
  return {
    personId: r.person_id,
    prisonerNumber: r.prisoner_number,
    name: fullName({ givenNames: r.given_names, firstSurname: r.first_surname, secondSurname: r.second_surname }),
    sex: r.sex,
    age: r.date_of_birth ? ageOn(r.date_of_birth, today) : null,
    legalStatus: r.legal_status,
    cellId: r.cell_id,
    cellCode: r.cell_id ? (cellCodes.get(r.cell_id) ?? null) : null,
    since: r.placed_since ? r.placed_since.toISOString() : null,
    out,
    overrideRules: r.override_rule ? r.override_rule.split(',') : null,
  };
}

/** The unit if its centre is in the caller's scope; 404 otherwise, as for a unit that does not exist. */
async function unitInScope(db: Kysely<Database>, actor: Actor, unitId: string) {
  const unit = uuidPattern.test(unitId) ? await repo.findUnit(db, unitId) : undefined;
  if (!unit || !inScope(actor, unit.facility_code)) throw notFound();
  return unit;
}

/** Who occupies a unit now (optionally one cell), by cell then name; the read is audited. */
export async function getUnitOccupants(deps: Deps, caller: Caller, unitId: string, opts: { cellId?: string | undefined } = {}): Promise<UnitOccupants> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const unit = await unitInScope(trx, caller.actor, unitId);
    const date = todayIn(deps.settings.timeZone);
    const [unitRow, cells, rows] = await Promise.all([
      facilitiesRepo.findUnit(trx, unit.facility_code, unit.id, date),
      repo.cellsWithCapacity(trx, unit.facility_code, date, unit.id),
      heldWithDetailsAt(trx, unit.facility_code, new Date(), { unitId: unit.id }),
    ]);
    const held = rows.filter(isHeld);
    const t = tally(held);
    const occupancy = unitOccupancy(unitRow!, cells, t);
    const cellCodes = new Map(cells.map((c) => [c.id, c.code]));
    const occupants = held
      .filter((r) => !opts.cellId || r.cell_id === opts.cellId)
      .map((r) => occupantView(r, cellCodes, date))
      .sort((a, b) => (a.cellCode ?? '').localeCompare(b.cellCode ?? '') || a.name.localeCompare(b.name, 'es') || a.prisonerNumber.localeCompare(b.prisonerNumber));
    await recordAudit(trx, caller.audit, {
      action: 'housing.occupants.read',
      targetType: 'unit',
      targetId: unit.id,
      facilityCode: unit.facility_code,
      details: { cellId: opts.cellId ?? null, returned: occupants.length },
    });
    const { cells: cellViews, overcrowdedCells: _overcrowdedCells, ...unitView } = occupancy;
    return {
      date,
      unit: { ...unitView, facilityCode: unit.facility_code, facilityName: unit.facility_name, populationGroup: unit.population_group },
      cells: cellViews,
      occupants,
    };
  });
}

// ---- a person's placement ----

export interface PersonPlacement {
  person: { id: string; prisonerNumber: string; name: string; sex: Sex; age: number | null; genderIdentity: string | null; legalStatus: LegalStatus | null; custodyStatus: string };
  facility: { code: string; name: string; populationGroup: 'men' | 'women' | 'mixed' } | null;
  current: { placementId: string; unitId: string; unitCode: string; unitName: string; unitKind: UnitKind; cellId: string | null; cellCode: string | null; since: string; overrideRules: string[] | null } | null;
  /** Why the person cannot be moved now (released, in transit, escaped), or null. */
  blocked: string | null;
}

function blockedReason(c: repo.CustodyRow): { key: string; message: string } | null {
  if (!c.episode_id || c.custody_status === 'released') return { key: 'released', message: 'housing.errors.released' };
  if (c.custody_status === 'in_transit' || c.transfer_in_transit) return { key: 'inTransit', message: 'housing.errors.inTransit' };
  if (c.absence_kind === 'escape') return { key: 'escaped', message: 'housing.errors.escaped' };
  if (!c.stay_facility_code) return { key: 'noCentre', message: 'housing.errors.noCentre' };
  return null;
}

async function personPlacementOf(db: Kysely<Database>, actor: Actor, personId: string, now: Date, tz: string, opts: { lock?: boolean } = {}) {
  await requirePersonInScope(db, actor, personId, { forUpdate: opts.lock });
  const c = await repo.custodyOf(db, personId, now);
  if (!c) throw notFound();
  if (c.stay_facility_code && !inScope(actor, c.stay_facility_code)) throw notFound();
  const legalStatus = c.episode_id ? await repo.legalStatusAt(db, c.episode_id, now) : null;
  const view: PersonPlacement = {
    person: {
      id: c.id,
      prisonerNumber: c.prisoner_number,
      name: fullName({ givenNames: c.given_names, firstSurname: c.first_surname, secondSurname: c.second_surname }),
      sex: c.sex,
      age: c.date_of_birth ? ageOn(c.date_of_birth, dateIn(tz, now)) : null,
      genderIdentity: c.gender_identity,
      legalStatus,
      custodyStatus: c.custody_status,
    },
    facility: c.stay_facility_code ? { code: c.stay_facility_code, name: c.facility_name!, populationGroup: c.population_group! } : null,
    current:
      c.placement_id && c.unit_id
        ? {
            placementId: c.placement_id,
            unitId: c.unit_id,
            unitCode: c.unit_code!,
            unitName: c.unit_name!,
            unitKind: c.unit_kind!,
            cellId: c.cell_id,
            cellCode: c.cell_code,
            since: c.placed_since!.toISOString(),
            overrideRules: c.override_rule ? c.override_rule.split(',') : null,
          }
        : null,
    blocked: blockedReason(c)?.key ?? null,
  };
  return { custody: c, view };
}

/** A person's current placement and whether they can be moved (the placement form); the read is audited. */
export async function getPersonPlacement(deps: Deps, caller: Caller, personId: string): Promise<PersonPlacement> {
  requireAccess(caller.actor, 'housing.assign');
  return inTransaction(deps.db, async (trx) => {
    const { view } = await personPlacementOf(trx, caller.actor, personId, new Date(), deps.settings.timeZone);
    await recordAudit(trx, caller.audit, { action: 'housing.placement.read', targetType: 'person', targetId: personId, personId, facilityCode: view.facility?.code ?? null });
    return view;
  });
}

// ---- moving ----

export interface MoveInput {
  unitId: string;
  cellId?: string | null | undefined;
  reason: string;
  /** When the move happened, for a late entry; default now. */
  at?: string | undefined;
  override?: { reason: string } | undefined;
}

export interface ProblemView {
  rule: SeparationProblem['code'];
  cause: SeparationProblem['cause'];
  field: 'unitId' | 'cellId';
  legalBasis: string;
}

export interface PlacementView {
  id: string;
  personId: string;
  episodeId: string;
  facilityCode: string;
  unit: { id: string; code: string; name: string; kind: UnitKind };
  cell: { id: string; code: string } | null;
  validFrom: string;
  reason: string;
  recordedAt: string;
  recordedBy: { id: string; name: string };
  previous: { id: string; unitId: string; unitCode: string; cellId: string | null; cellCode: string | null; validFrom: string; validTo: string } | null;
  separation: { ruleSetId: string; problems: ProblemView[] };
  override: { rules: string[]; reason: string; by: { id: string; name: string }; alertId: string } | null;
  /** Occupancy after the move: overcrowding is allowed, and always shown. */
  occupancy: { unit: { capacity: number | null; occupants: number; overcrowded: boolean }; cell: { capacity: number | null; occupants: number; overcrowded: boolean } | null };
}

/** The catalogue key of a problem's message: each names the rule, the cause and the legal basis. */
export function problemKey(p: SeparationProblem): string {
  switch (p.code) {
    case 'sex':
      return p.cause === 'population_group' ? `housing.separation.sexGroup.${p.params.group}` : 'housing.separation.sexOccupants';
    case 'gender_identity':
      return 'housing.separation.genderIdentity';
    case 'legal_status':
      return p.cause === 'unit_kind' ? `housing.separation.statusUnit.${p.params.unitKind}` : 'housing.separation.statusOccupants';
    case 'age':
      if (p.cause === 'unit_kind') return p.params.age === 'unknown' ? 'housing.separation.ageUnitUnknown' : 'housing.separation.ageUnit';
      return Number(p.params.age) <= Number(p.params.maxAge) ? 'housing.separation.ageOccupantsYoung' : 'housing.separation.ageOccupantsAdult';
  }
}

const fieldOf = (p: SeparationProblem, cellId: string | null): 'unitId' | 'cellId' => (p.cause === 'occupants' && cellId ? 'cellId' : 'unitId');

/** The refusal of a move that breaks separation rules: 422, one field error per rule broken. */
export function separationRefusal(problems: SeparationProblem[], cellId: string | null): AppError {
  const fields: FieldError[] = problems.map((p) => ({
    path: fieldOf(p, cellId),
    key: problemKey(p),
    params: { ...p.params, limit: Number(p.params.maxAge ?? 20) + 1, basis: p.legalBasis, rule: p.code },
  }));
  return new AppError(422, 'separation_rule', 'housing.errors.separation', { rules: rulesOf(problems).join(', ') }, fields);
}

function parseAt(value: string | undefined, now: Date): Date {
  if (value === undefined) return now;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) throw fieldRule('at', 'housing.errors.at');
  if (at.getTime() > now.getTime()) throw fieldRule('at', 'housing.errors.atFuture');
  return at;
}

/** Who shares the target space (the cell, or the unit without a cell) at `at` and now, minus the person. */
async function occupantsOfTarget(db: Kysely<Database>, facilityCode: string, unitId: string, cellId: string | null, episodeId: string, instants: Date[], onDate: string): Promise<OccupantFacts[]> {
  const seen = new Map<string, OccupantFacts>();
  for (const at of instants) {
    for (const r of await heldWithDetailsAt(db, facilityCode, at, { unitId })) {
      if (!isHeld(r) || r.episode_id === episodeId || (r.cell_id ?? null) !== cellId || seen.has(r.episode_id)) continue;
      seen.set(r.episode_id, { sex: r.sex, legalStatus: r.legal_status, age: r.date_of_birth ? ageOn(r.date_of_birth, onDate) : null });
    }
  }
  return [...seen.values()];
}

/**
 * Moves a person within their current centre: closes the open placement and opens a new one at
 * `at` (default now; a late entry may date it back, but not before the current placement
 * began). The cell must belong to the unit and the unit to the person's centre; a person
 * released, in transit or escaped cannot be moved (422). Separation problems refuse the move
 * (422) unless `override` is given by a user with housing.override (others: 403), in which case
 * the override is recorded on the placement, audited, and alerted. Overcrowding never refuses.
 */
export async function movePerson(deps: Deps, caller: Caller, personId: string, input: MoveInput): Promise<PlacementView> {
  requireAccess(caller.actor, 'housing.assign');
  if (input.override !== undefined) requireAccess(caller.actor, 'housing.override');
  const now = new Date();
  return inTransaction(deps.db, async (trx) => {
    const { custody: c } = await personPlacementOf(trx, caller.actor, personId, now, deps.settings.timeZone, { lock: true });
    const blocked = blockedReason(c);
    if (blocked) throw fieldRule('personId', blocked.message);
    const facilityCode = c.stay_facility_code!;
    const episodeId = c.episode_id!;

    // Shape of the input: reason, instant, override reason.
    const fields: FieldError[] = [];
    const reason = input.reason.trim();
    if (reason.length < reasonLimits.min || reason.length > reasonLimits.max) fields.push({ path: 'reason', key: 'housing.errors.reasonLength', params: reasonLimits });
    const overrideReason = input.override?.reason.trim() ?? null;
    if (overrideReason !== null && (overrideReason.length < overrideReasonLimits.min || overrideReason.length > overrideReasonLimits.max)) {
      fields.push({ path: 'override.reason', key: 'housing.errors.overrideReasonLength', params: overrideReasonLimits });
    }
    let at = now;
    try {
      at = parseAt(input.at, now);
    } catch (e) {
      fields.push(...(e as AppError).fields);
    }
    const earliest = c.placed_since && c.stay_from ? new Date(Math.max(c.placed_since.getTime(), c.stay_from.getTime())) : (c.placed_since ?? c.stay_from);
    if (earliest && at.getTime() <= earliest.getTime()) {
      fields.push({ path: 'at', key: 'housing.errors.atBeforeCurrent', params: { since: isoToLocal(earliest.toISOString(), deps.settings.timeZone).replace('T', ' ') } });
    }

    // The unit must be in the person's centre, the cell in the unit. Locking the unit's row
    // serializes moves into it, so two people cannot both pass the check for the same cell.
    const unit = uuidPattern.test(input.unitId) ? await repo.findUnit(trx, input.unitId) : undefined;
    if (!unit || unit.facility_code !== facilityCode) fields.push({ path: 'unitId', key: 'housing.errors.unitNotInCentre', params: { code: facilityCode } });
    const cellId = input.cellId ?? null;
    let cell: Awaited<ReturnType<typeof repo.findCell>>;
    if (cellId !== null) {
      cell = uuidPattern.test(cellId) ? await repo.findCell(trx, cellId) : undefined;
      if (!cell) fields.push({ path: 'cellId', key: 'housing.errors.cellUnknown' });
      else if (unit && cell.unit_id !== unit.id) fields.push({ path: 'cellId', key: 'housing.errors.cellNotInUnit', params: { unit: unit.code } });
    }
    if (!fields.length && c.unit_id === unit!.id && (c.cell_id ?? null) === cellId) fields.push({ path: cellId ? 'cellId' : 'unitId', key: 'housing.errors.samePlacement' });
    if (fields.length) throw unprocessable('errors.validation', fields);
    await trx.selectFrom('units').select('id').where('id', '=', unit!.id).forUpdate().execute();

    // Separation, on the date of the move (facts then, and the people there then and now).
    const onDate = dateIn(deps.settings.timeZone, at);
    const rules = separationRuleSetInForce(onDate);
    const legalStatus = await repo.legalStatusAt(trx, episodeId, at);
    const instants = at.getTime() === now.getTime() ? [now] : [at, now];
    const occupants = await occupantsOfTarget(trx, facilityCode, unit!.id, cellId, episodeId, instants, onDate);
    const problems = separationProblems(
      { sex: c.sex, dateOfBirth: c.date_of_birth, legalStatus, genderIdentity: c.gender_identity },
      { facilityPopulationGroup: unit!.population_group, unitKind: unit!.kind, occupants },
      onDate,
      rules,
    );
    if (problems.length && overrideReason === null) throw separationRefusal(problems, cellId);
    const brokenRules = rulesOf(problems);
    const override = problems.length && overrideReason !== null ? { rule: brokenRules.join(','), reason: overrideReason, by: caller.actor.userId } : null;

    const saved = await repo.movePlacement(trx, { episodeId, currentPlacementId: c.placement_id, facilityCode, unitId: unit!.id, cellId, at, reason, recordedBy: caller.actor.userId, override });
    const problemViews: ProblemView[] = problems.map((p) => ({ rule: p.code, cause: p.cause, field: fieldOf(p, cellId), legalBasis: p.legalBasis }));
    const previous = c.placement_id
      ? { id: c.placement_id, unitId: c.unit_id!, unitCode: c.unit_code!, cellId: c.cell_id, cellCode: c.cell_code, validFrom: c.placed_since!.toISOString(), validTo: at.toISOString() }
      : null;
    await recordAudit(trx, caller.audit, {
      action: 'housing.placement.moved',
      targetType: 'placement',
      targetId: saved.id,
      facilityCode,
      personId,
      before: previous ? { placementId: previous.id, unitId: previous.unitId, unitCode: previous.unitCode, cellId: previous.cellId, cellCode: previous.cellCode, validFrom: previous.validFrom, validTo: null } : null,
      after: {
        placementId: saved.id,
        unitId: unit!.id,
        unitCode: unit!.code,
        cellId,
        cellCode: cell?.code ?? null,
        validFrom: at.toISOString(),
        reason,
        previousValidTo: previous ? at.toISOString() : null,
        override: override ? { rules: brokenRules, reason: override.reason } : null,
      },
      details: { ruleSetId: rules.id, problems: problemViews, lateEntry: input.at !== undefined },
    });

    let alertId: string | null = null;
    if (override) {
      await recordAudit(trx, caller.audit, {
        action: 'housing.separation.overridden',
        targetType: 'placement',
        targetId: saved.id,
        facilityCode,
        personId,
        after: { rules: brokenRules, reason: override.reason, ruleSetId: rules.id, unitId: unit!.id, cellId },
        details: { problems: problemViews },
      });
      const where = cell ? `${cell.code} (${unit!.code})` : unit!.code;
      alertId = await raiseAlert(
        trx,
        {
          typeCode: 'separation_override',
          personId,
          facilityCode,
          summary: `${c.prisoner_number} ubicado en ${where}, ${facilityCode}, con excepción a la separación (${brokenRules.join(', ')}): ${override.reason}`.slice(0, 500),
          details: { placementId: saved.id, rules: brokenRules, reason: override.reason, ruleSetId: rules.id, unitId: unit!.id, cellId, problems: problemViews },
          raisedBy: caller.actor.userId,
        },
        caller.audit,
      );
    }

    // Occupancy after the move (the person included when the move is in force now).
    const after = (await placedAt(trx, facilityCode, now, { unitId: unit!.id })).filter(isHeld);
    const date = todayIn(deps.settings.timeZone);
    const unitCapacity = (await facilitiesRepo.findUnit(trx, facilityCode, unit!.id, date))?.capacity ?? null;
    const cellCapacity = cell ? ((await repo.cellsWithCapacity(trx, facilityCode, date, unit!.id)).find((x) => x.id === cell.id)?.capacity ?? null) : null;
    const inCell = cell ? after.filter((r) => r.cell_id === cell.id).length : 0;
    return {
      id: saved.id,
      personId,
      episodeId,
      facilityCode,
      unit: { id: unit!.id, code: unit!.code, name: unit!.name, kind: unit!.kind },
      cell: cell ? { id: cell.id, code: cell.code } : null,
      validFrom: at.toISOString(),
      reason,
      recordedAt: saved.recorded_at.toISOString(),
      recordedBy: { id: caller.actor.userId, name: caller.actor.displayName },
      previous,
      separation: { ruleSetId: rules.id, problems: problemViews },
      override: override && alertId ? { rules: brokenRules, reason: override.reason, by: { id: caller.actor.userId, name: caller.actor.displayName }, alertId } : null,
      occupancy: {
        unit: { capacity: unitCapacity, occupants: after.length, overcrowded: overcrowded(unitCapacity, after.length) },
        cell: cell ? { capacity: cellCapacity, occupants: inCell, overcrowded: overcrowded(cellCapacity, inCell) } : null,
      },
    };
  });
}

// ---- the choices of the placement form ----

/** The units of a centre and, for one of them, its cells with occupancy (the page's selects). */
export async function placementChoices(deps: Deps, actor: Actor, facilityCode: string, unitId: string | undefined) {
  const housing = await getFacilityHousing(deps, actor, facilityCode);
  const unit = unitId ? (housing.units.find((u) => u.id === unitId) ?? null) : null;
  return { units: housing.units.map(({ cells: _cells, ...u }) => u), cells: unit?.cells ?? [] };
}
