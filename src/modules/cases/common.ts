// What the cases module's use cases share: who calls, the transaction, references to people
// and users as the API shows them, and the checks of free text and dates (a 422 naming the
// field, before anything is written).
import type { FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import type { AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { fieldRule } from '../../platform/http/errors.ts';
import { auditActorOf } from '../../platform/http/context.ts';
import { isCalendarDate } from '../../platform/time.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

export const callerOf = (req: FastifyRequest): Caller => ({ actor: req.actor!, audit: auditActorOf(req) });

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

export interface UserRef {
  id: string;
  username: string;
  displayName: string;
}

export const userRef = (id: string | null, username: string | null | undefined, name: string | null | undefined): UserRef | null =>
  id ? { id, username: username ?? '', displayName: name ?? '' } : null;

export interface PersonRef {
  prisonerNumber: string;
  name: string;
}

export function personRef(r: { prisoner_number: string; given_names: string; first_surname: string; second_surname: string | null }): PersonRef {
  return { prisonerNumber: r.prisoner_number, name: [r.given_names, r.first_surname, r.second_surname].filter(Boolean).join(' ') };
}

/** Trimmed text with inner runs of spaces collapsed. */
export const clean = (s: string | null | undefined): string => (s ?? '').trim().replace(/\s+/g, ' ');

/** The text of a required field, or a 422 naming it (empty or too long). */
export function requiredText(value: string | null | undefined, path: string, max: number): string {
  const v = clean(value);
  if (!v) throw fieldRule(path, 'cases.errors.required');
  if (v.length > max) throw fieldRule(path, 'cases.errors.tooLong', { max });
  return v;
}

export function optionalText(value: string | null | undefined, path: string, max: number): string | null {
  const v = clean(value);
  if (v.length > max) throw fieldRule(path, 'cases.errors.tooLong', { max });
  return v || null;
}

/** A calendar date YYYY-MM-DD, or a 422 naming the field. */
export function calendarDate(value: string | null | undefined, path: string): string {
  const v = (value ?? '').trim();
  if (!v) throw fieldRule(path, 'cases.errors.required');
  if (!isCalendarDate(v)) throw fieldRule(path, 'cases.errors.badDate');
  return v;
}

/** An instant (ISO 8601 with offset), or a 422 naming the field. */
export function instant(value: string | null | undefined, path: string): Date {
  const v = (value ?? '').trim();
  if (!v) throw fieldRule(path, 'cases.errors.required');
  const at = new Date(v);
  if (Number.isNaN(at.getTime()) || !/\d{4}-\d{2}-\d{2}T/.test(v)) throw fieldRule(path, 'cases.errors.badTime');
  return at;
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A date column as YYYY-MM-DD (PGlite and node-postgres may return a Date or a string). */
export function dateText(d: string | Date | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  if (typeof d === 'string') return d.slice(0, 10);
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}
