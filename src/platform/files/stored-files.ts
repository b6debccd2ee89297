// Photos and scanned documents, stored in the database so that a backup holds them. The
// content type is decided from the file's first bytes, never from what the client claims.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, StoredFilesTable } from '../db/schema.ts';
import { fieldRule } from '../http/errors.ts';

export const maxFileBytes = 10 * 1024 * 1024;
type ContentType = StoredFilesTable['content_type'];

export function sniffContentType(data: Uint8Array): ContentType | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => data[i] === b)) return 'image/png';
  if (data.length >= 5 && Buffer.from(data.subarray(0, 5)).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

/**
 * Stores a file and returns its id. `path` names the field in errors; `allowed` limits the
 * kinds (a photo must be an image).
 */
export async function storeFile(
  db: Kysely<Database>,
  input: { data: Uint8Array; createdBy: string | null; path: string; allowed: readonly ContentType[] },
): Promise<string> {
  if (input.data.length === 0) throw fieldRule(input.path, 'files.empty');
  if (input.data.length > maxFileBytes) throw fieldRule(input.path, 'files.tooLarge', { max: '10 MB' });
  const type = sniffContentType(input.data);
  if (!type || !input.allowed.includes(type)) throw fieldRule(input.path, 'files.wrongType', { allowed: input.allowed.join(', ') });
  const row = await db
    .insertInto('stored_files')
    .values({ content_type: type, size_bytes: input.data.length, sha256: crypto.createHash('sha256').update(input.data).digest('hex'), data: Buffer.from(input.data), created_by: input.createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Decodes a base64 file sent in a JSON body (the API's way of sending photos and scans). */
export function decodeBase64File(value: string, path: string): Buffer {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) throw fieldRule(path, 'files.notBase64');
  return Buffer.from(value, 'base64');
}

export async function readStoredFile(db: Kysely<Database>, id: string): Promise<{ contentType: ContentType; data: Buffer } | null> {
  const row = await db.selectFrom('stored_files').select(['content_type', 'data']).where('id', '=', id).executeTakeFirst();
  return row ? { contentType: row.content_type, data: Buffer.from(row.data) } : null;
}
