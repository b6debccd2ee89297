// The admission's rules that need no database: times (no arrest in the future, no admission
// before the arrest or in the future) and ages. (Identity fields and documents, the cédula
// format among them, are the persons module's rules: personInputProblems.) Each broken
// rule names its field, so the API and the pages show it where it belongs. The service checks
// them all at once, before writing anything.
import type { FieldError } from '../../platform/http/errors.ts';
import { addYears } from '../../platform/time.ts';
import { dateIn } from '../../platform/time.ts';
import type { AdmissionInput, DraftData } from './schemas.ts';

/** Clocks differ a little: a time up to this far ahead of the server's is not "in the future". */
export const clockToleranceMs = 5 * 60_000;
/**
 * Adults only: people under 18 fall under the juvenile criminal justice system (Ley 40 de 1999)
 * and are not admitted to adult centres.
 */
export const adultAge = 18;

const instant = (v: string | undefined): number | null => {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
};

/** Arrest, admission and rights-information times. */
export function timeProblems(input: Pick<DraftData, 'arrest' | 'admittedAt' | 'rightsInformation'>, now: Date): FieldError[] {
  const out: FieldError[] = [];
  const limit = now.getTime() + clockToleranceMs;
  const arrested = instant(input.arrest?.at);
  const admitted = instant(input.admittedAt);
  if (arrested !== null && arrested > limit) out.push({ path: 'arrest.at', key: 'admission.errors.arrestInFuture' });
  if (admitted !== null && admitted > limit) out.push({ path: 'admittedAt', key: 'admission.errors.admittedInFuture' });
  else if (admitted !== null && arrested !== null && admitted < arrested) out.push({ path: 'admittedAt', key: 'admission.errors.admittedBeforeArrest' });
  const given = instant(input.rightsInformation?.givenAt);
  if (given !== null && given > limit) out.push({ path: 'rightsInformation.givenAt', key: 'admission.errors.rightsInFuture' });
  else if (given !== null && arrested !== null && given < arrested) out.push({ path: 'rightsInformation.givenAt', key: 'admission.errors.rightsBeforeArrest' });
  return out;
}

/** The date of birth (or estimated age) against the admission day, in the centres' time zone. */
export function personProblems(person: NonNullable<DraftData['person']>, admittedAt: string | undefined, timeZone: string): FieldError[] {
  const out: FieldError[] = [];
  const admitted = instant(admittedAt);
  const admissionDay = dateIn(timeZone, admitted !== null ? new Date(admitted) : new Date());
  if (person.dateOfBirth && /^\d{4}-\d{2}-\d{2}$/.test(person.dateOfBirth)) {
    if (person.dateOfBirth > admissionDay) out.push({ path: 'person.dateOfBirth', key: 'admission.errors.bornAfterAdmission' });
    else if (addYears(person.dateOfBirth, adultAge) > admissionDay) out.push({ path: 'person.dateOfBirth', key: 'admission.errors.underAge', params: { age: adultAge } });
  } else if (typeof person.estimatedAge === 'number' && person.estimatedAge < adultAge) {
    out.push({ path: 'person.estimatedAge', key: 'admission.errors.underAge', params: { age: adultAge } });
  }
  return out;
}

/** Children's dates of birth are not after the admission day. */
export function childProblems(children: DraftData['children'], admittedAt: string | undefined, timeZone: string): FieldError[] {
  const admitted = instant(admittedAt);
  const day = dateIn(timeZone, admitted !== null ? new Date(admitted) : new Date());
  const out: FieldError[] = [];
  (children ?? []).forEach((c, i) => {
    if (c.dateOfBirth && c.dateOfBirth > day) out.push({ path: `children[${i}].dateOfBirth`, key: 'admission.errors.childBornLater' });
  });
  return out;
}

/** Which of person / personId and order / orderId were given (exactly one of each). */
export function presenceProblems(input: Pick<AdmissionInput, 'person' | 'personId' | 'order' | 'orderId'>): FieldError[] {
  const out: FieldError[] = [];
  if (!input.person && !input.personId) out.push({ path: 'person', key: 'admission.errors.personRequired' });
  if (input.person && input.personId) out.push({ path: 'personId', key: 'admission.errors.personOrPersonId' });
  if (!input.order && !input.orderId) out.push({ path: 'order', key: 'admission.errors.orderRequired' });
  if (input.order && input.orderId) out.push({ path: 'order', key: 'admission.errors.orderOrOrderId' });
  return out;
}

/** The date of birth to record: the one given, or one estimated from the age at admission. */
export function birthDateOf(person: Pick<NonNullable<AdmissionInput['person']>, 'dateOfBirth' | 'estimatedAge' | 'birthDateEstimated'>, admissionDay: string): { date: string | null; estimated: boolean } {
  if (person.dateOfBirth) return { date: person.dateOfBirth, estimated: person.birthDateEstimated ?? false };
  if (typeof person.estimatedAge === 'number') return { date: addYears(admissionDay, -person.estimatedAge), estimated: true };
  return { date: null, estimated: false };
}
