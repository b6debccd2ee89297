// The fixed vocabularies of criminal cases, charges and court hearings (the CHECK constraints of
// migration 004) and the lengths of their free-text fields, shared by the API schemas, the
// services and the pages.
import type { CaseClosureReason, CaseStage, HearingStatus, LegalStatus, OffenceCategory } from '../../platform/db/schema.ts';

export const offenceCategories = [
  'life_and_integrity',
  'sexual',
  'property',
  'economic',
  'drugs',
  'public_security',
  'public_administration',
  'family',
  'public_faith',
  'environment',
  'other',
] as const satisfies readonly OffenceCategory[];

export const authorityKinds = ['court', 'prosecutor'] as const;
export const defenceKinds = ['public_defender', 'private_lawyer', 'unknown'] as const;
export const caseStages = ['investigation', 'trial', 'first_instance', 'appeal', 'final'] as const satisfies readonly CaseStage[];
export const closureReasons = ['acquitted', 'dismissed', 'detention_lifted', 'sentence_served', 'other'] as const satisfies readonly CaseClosureReason[];
export const hearingStatuses = ['scheduled', 'taken', 'held', 'postponed', 'cancelled'] as const satisfies readonly HearingStatus[];

export type AuthorityKind = (typeof authorityKinds)[number];
export type DefenceKind = (typeof defenceKinds)[number];

/** Offence codes: upper-case letters, digits, dots and hyphens (the catalogue's CHECK). */
export const offenceCodePattern = /^[A-Z0-9][A-Z0-9.-]{0,31}$/;

export const limits = {
  article: 20,
  offenceName: 300,
  authorityName: 200,
  caseNumber: 100,
  judgeName: 200,
  defenceName: 200,
  chargeNotes: 1000,
  chargesPerRequest: 20,
  counts: 999,
  court: 200,
  purpose: 300,
  reason: 1000,
  outcome: 2000,
  search: 100,
} as const;

/** How far ahead a hearing may be scheduled, and how far back one may still be recorded. */
export const hearingWindow = { aheadDays: 3 * 366, backDays: 31 } as const;

/** The stage a case opened from a commitment order starts in, from the order's legal status. */
export function stageFromLegalStatus(status: LegalStatus | null | undefined): CaseStage {
  return status === 'sentenced' ? 'final' : 'investigation';
}
