// The custody periods of one custody episode, built from its records (pure: no I/O, no clock).
//
// What counts as custody (CP art. 53, CPP art. 231), in civil days of the service's time zone:
//   - prison: from the day of the arrest to the day of release (both included; still held →
//     open). Any day with some custody counts, so the day of an escape and the day of the
//     recapture both count; the days strictly between them do not.
//   - hospital: a hospital absence replaces prison on the days it covers (out day to back day);
//     the person is in custody either way, the kind only names where.
//   - credited custody outside the episode (verified orders): house arrest and hospital custody
//     before admission (provisional_custody), and the prison days of an earlier episode for the
//     same case (custody_credit). They only count on days OUTSIDE this episode's span (arrest to
//     release), and never twice: registration refuses overlaps, and this function drops any day
//     already covered, so the result never overlaps whatever the records say.
//
// The result is sorted by start, periods never overlap, and only the last may be open.

import { dayNumber, toIsoDate } from '../sentence/dates.ts';
import type { CustodyKind, CustodyPeriod, IsoDate } from '../sentence/types.ts';

export interface DateSpan {
  from: IsoDate;
  /** null = not ended (still in hospital, not yet recaptured). */
  to: IsoDate | null;
}

export interface CreditedSpan {
  from: IsoDate;
  to: IsoDate;
  kind: Exclude<CustodyKind, 'provisional_detention'>;
}

export interface CustodyRecords {
  /** Civil date of custody_episodes.arrested_at. */
  arrestedOn: IsoDate;
  /** Civil date of custody_episodes.released_at; null while held. */
  releasedOn: IsoDate | null;
  hospital: DateSpan[];
  escapes: DateSpan[];
  /** Verified credit orders, in the order they were verified (earlier wins on a clash). */
  credits: CreditedSpan[];
}

interface Span {
  from: number;
  /** Infinity when open. */
  to: number;
  kind: CustodyKind;
}

const toDay = (s: IsoDate | null): number => (s === null ? Infinity : dayNumber(s));

/** Removes [cutFrom, cutTo] from every span (splitting where needed). */
function cut(spans: Span[], cutFrom: number, cutTo: number): Span[] {
  if (cutTo < cutFrom) return spans;
  const out: Span[] = [];
  for (const s of spans) {
    if (s.to < cutFrom || s.from > cutTo) {
      out.push(s);
      continue;
    }
    if (s.from < cutFrom) out.push({ from: s.from, to: cutFrom - 1, kind: s.kind });
    if (s.to > cutTo) out.push({ from: cutTo + 1, to: s.to, kind: s.kind });
  }
  return out;
}

/**
 * The engine's custody periods of one episode as of `until` (the computation date): nothing
 * after `until` is known yet, so a release, return or recapture after it is treated as not
 * having happened (the period stays open), and spans starting after it are ignored.
 */
export function buildCustodyPeriods(records: CustodyRecords, until: IsoDate): CustodyPeriod[] {
  const limit = dayNumber(until);
  const arrest = dayNumber(records.arrestedOn);
  const known = (d: number): number => (d > limit ? Infinity : d);
  const episodeEnd = records.releasedOn === null ? Infinity : known(dayNumber(records.releasedOn));

  let spans: Span[] = [];
  if (arrest <= limit && episodeEnd >= arrest) {
    spans.push({ from: arrest, to: episodeEnd, kind: 'prison' });
    // Escapes: the days strictly between escape and recapture are not custody.
    for (const e of records.escapes) {
      const out = toDay(e.from);
      if (out > limit) continue;
      const back = e.to === null ? Infinity : known(dayNumber(e.to));
      spans = cut(spans, out + 1, back - 1);
    }
    // Hospital absences: custody of kind hospital on the days they cover.
    for (const h of records.hospital) {
      const out = Math.max(toDay(h.from), arrest);
      if (out > limit) continue;
      const back = Math.min(h.to === null ? Infinity : known(dayNumber(h.to)), episodeEnd);
      if (back < out) continue;
      // Only where the person is held (an escape from hospital ends the hospital stay).
      const covered = spans.filter((s) => s.to >= out && s.from <= back);
      spans = cut(spans, out, back);
      for (const s of covered) spans.push({ from: Math.max(s.from, out), to: Math.min(s.to, back), kind: 'hospital' });
    }
  }

  // Credited custody outside the episode's span, never on a day already counted.
  const occupied: { from: number; to: number }[] = arrest <= limit ? [{ from: arrest, to: episodeEnd }] : [];
  for (const c of records.credits) {
    let pieces: Span[] = [{ from: dayNumber(c.from), to: Math.min(dayNumber(c.to), limit), kind: c.kind }];
    pieces = pieces.filter((p) => p.to >= p.from);
    for (const o of occupied) pieces = cut(pieces, o.from, o.to);
    for (const p of pieces) {
      spans.push(p);
      occupied.push({ from: p.from, to: p.to });
    }
  }

  spans.sort((a, b) => a.from - b.from);
  return spans.map((s) => ({ from: toIsoDate(s.from), to: s.to === Infinity ? null : toIsoDate(s.to), kind: s.kind }));
}
