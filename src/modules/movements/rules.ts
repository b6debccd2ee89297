// The pure rules of movements: no database, no clock. Separation by sex for a transfer's
// destination, the death-in-custody checklist (Mandela Rules 69–72), which alerts end with
// custody, and which movement an absence writes. Kept as data so that a reviewer reads the
// whole policy here.
import type { DeathChecklistItem, MovementKind, Sex } from '../../platform/db/schema.ts';

export type PopulationGroup = 'men' | 'women' | 'mixed';

/**
 * True when holding a person of this recorded sex in a centre of this population group breaks
 * the separation of men and women (Mandela Rule 11): a woman in a men's centre, a man in a
 * women's centre. A person recorded as intersex goes to a men's or women's centre only by an
 * individual decision, recorded as an override with its reason (like a gender identity that
 * differs from the recorded sex, which the housing module decides per placement).
 */
export function sexSeparationConflict(sex: Sex, group: PopulationGroup): boolean {
  if (group === 'mixed') return false;
  if (sex === 'male') return group === 'women';
  if (sex === 'female') return group === 'men';
  return true;
}

export interface ChecklistEntry {
  item: DeathChecklistItem;
  /** The role that owns the item at the centre (and completes it with evidence). */
  ownerRole: 'director' | 'health';
  /** Hours from the death to the item's deadline. */
  dueHours: number;
}

/**
 * What a death in custody sets in motion, in the order the page shows it. Next of kin are
 * told at once (Rule 69); the death is reported at once to an authority independent of the
 * prison — in Panama the Ministerio Público and the Defensoría del Pueblo (Rule 71); evidence
 * is preserved immediately; the medical report and cause of death follow; the remains are
 * returned to the family (Rule 72).
 */
export const deathChecklist: readonly ChecklistEntry[] = [
  { item: 'preserve_evidence', ownerRole: 'director', dueHours: 2 },
  { item: 'notify_next_of_kin', ownerRole: 'director', dueHours: 24 },
  { item: 'notify_independent_authority', ownerRole: 'director', dueHours: 24 },
  { item: 'medical_report', ownerRole: 'health', dueHours: 72 },
  { item: 'return_remains', ownerRole: 'director', dueHours: 7 * 24 },
];

export const checklistItems: readonly DeathChecklistItem[] = deathChecklist.map((c) => c.item);

export const isChecklistItem = (s: string): s is DeathChecklistItem => (checklistItems as readonly string[]).includes(s);

/**
 * Alert types that lose their object when custody ends (release or death): risks and tasks
 * about holding the person. Alerts about ill-treatment on admission stay open (a complaint is
 * investigated whether or not the person is still held), and so does a death's checklist.
 */
export const alertTypesEndingWithCustody: readonly string[] = [
  'escape',
  'escape_risk',
  'self_harm_risk',
  'separation',
  'separation_override',
  'health_screening_due',
  'medical',
  'foreign_national',
];

export type AbsenceKind = 'court' | 'hospital' | 'leave';
export const absenceKinds: readonly AbsenceKind[] = ['court', 'hospital', 'leave'];

/** The movement that records leaving for, and coming back from, an absence. */
export const absenceMovements: Record<AbsenceKind | 'escape', { out: MovementKind; back: MovementKind }> = {
  court: { out: 'court_out', back: 'court_return' },
  hospital: { out: 'hospital_out', back: 'hospital_return' },
  leave: { out: 'leave_out', back: 'leave_return' },
  escape: { out: 'escape', back: 'recapture' },
};

/** Clocks differ a little between a workstation and the server: a minute ahead is still "now". */
export const clockSkewMs = 60_000;

/** Lengths of the free-text fields (the API schemas and the service check the same limits). */
export const limits = { reason: 1000, note: 1000, destination: 200, place: 300, circumstances: 4000, evidence: 4000, notes: 2000 } as const;
