// The backup file (docs/decisions/007-backup-format.md): one gzip stream of lines.
//
//   CUSTODIA-BACKUP 1                         magic and format version
//   HEADER {json}                             what the file holds (BackupHeader)
//   TABLE {"name":…,"columns":[…],"rows":n}   then the table's rows in PostgreSQL's COPY text
//   …rows…                                    format, one line each
//   \.                                        end of the table's rows
//   … (every table listed in the header, in its order)
//   SEQUENCES [{json}, …]                     every sequence's value, read after the tables
//   END {json}                                counts, SHA-256 of every byte before this line,
//                                             and an HMAC of that digest under the audit key
//
// A row of COPY text can never be the line `\.` (COPY writes a backslash as `\\`), so the
// framing needs no escaping of its own. Writer and reader stream: neither holds more than a
// chunk of a table at a time.
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Checkpoint } from '../../platform/audit/chain.ts';

export const magicLine = 'CUSTODIA-BACKUP 1';
export const formatVersion = 1;

export interface BackupTable {
  name: string;
  /** Columns in the order of the COPY rows (generated columns are left out: they are recomputed). */
  columns: string[];
  /** Exact row count in the backup's snapshot. */
  rows: number;
}

export interface BackupHeader {
  format: number;
  application: 'custodia';
  appVersion: string;
  createdAt: string;
  source: { kind: 'pglite' | 'postgresql'; serverVersion: string };
  /** schema_migrations of the source, in order: the schema the rows fit. */
  migrations: string[];
  /** The newest seal of the audit chain in the snapshot (null when nothing was sealed). */
  auditCheckpoint: Checkpoint | null;
  /**
   * An HMAC (under a key derived from the audit key) of a fixed text: lets a restore tell at
   * once whether it has the backup's key. Null when the backup was made without a key.
   */
  keyCheck: string | null;
  /** Audit entries in the snapshot that were not sealed yet (sealed after the restore). */
  unsealedAuditEntries: number;
  tables: BackupTable[];
}

export interface SequenceValue {
  name: string;
  /** bigint as text. */
  lastValue: string;
  isCalled: boolean;
}

export interface Trailer {
  tables: number;
  rows: number;
  /** Uncompressed bytes before the END line. */
  bytes: number;
  sha256: string;
  /** HMAC-SHA256 of `sha256` under a key derived from the audit key; null if no key was available. */
  hmac: string | null;
}

/** The HMAC that binds a backup to the audit key without revealing anything about the key. */
export function backupHmac(auditKey: Buffer, sha256: string): string {
  const k = crypto.createHmac('sha256', auditKey).update('custodia backup v1').digest();
  return crypto.createHmac('sha256', k).update(sha256).digest('hex');
}

export function keyCheckOf(auditKey: Buffer): string {
  return backupHmac(auditKey, 'key check');
}

/** A problem with the file itself (truncated, corrupt, not a backup): restoring it is refused. */
export class BackupFileError extends Error {}

export class BackupWriter {
  readonly #gzip: zlib.Gzip;
  readonly #done: Promise<void>;
  readonly #hash = crypto.createHash('sha256');
  #failed: unknown = null;
  bytes = 0;

  constructor(out: Writable) {
    this.#gzip = zlib.createGzip({ level: 4 });
    this.#done = pipeline(this.#gzip, out);
    this.#done.catch((e: unknown) => {
      this.#failed = e;
    });
  }

  async write(data: Buffer | string): Promise<void> {
    if (this.#failed) throw this.#failed;
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#hash.update(b);
    this.bytes += b.length;
    if (!this.#gzip.write(b)) await Promise.race([once(this.#gzip, 'drain'), this.#done.then(() => undefined)]);
    if (this.#failed) throw this.#failed;
  }

  async line(tag: string, payload?: unknown): Promise<void> {
    await this.write(payload === undefined ? `${tag}\n` : `${tag} ${JSON.stringify(payload)}\n`);
  }

  /** Writes the END line (not part of the digest) and closes the stream. */
  async finish(trailer: (sha256: string, bytes: number) => Trailer): Promise<Trailer> {
    const t = trailer(this.#hash.digest('hex'), this.bytes);
    this.#gzip.end(`END ${JSON.stringify(t)}\n`);
    await this.#done;
    return t;
  }

  abort(error: Error): void {
    this.#gzip.destroy(error);
  }
}

const newline = 0x0a;
const terminator = Buffer.from('\n\\.\n');
const maxControlLine = 64 * 1024 * 1024;

export function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(newline); i !== -1; i = b.indexOf(newline, i + 1)) n++;
  return n;
}

/** Reads the framing back from the decompressed stream, hashing every byte before END. */
export class BackupReader {
  readonly #it: AsyncIterator<Buffer>;
  readonly #hash = crypto.createHash('sha256');
  #buf: Buffer = Buffer.alloc(0);
  #eof = false;
  bytes = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.#it.next();
    } catch (e) {
      throw corrupt(e);
    }
    if (next.done) {
      this.#eof = true;
      return false;
    }
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, next.value]) : next.value;
    return true;
  }

  #take(n: number): Buffer {
    const b = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    this.#hash.update(b);
    this.bytes += b.length;
    return b;
  }

  /** The digest of everything read so far. */
  digest(): string {
    return this.#hash.copy().digest('hex');
  }

  /** One control line (without its newline). */
  async line(): Promise<string> {
    let from = 0;
    for (;;) {
      const i = this.#buf.indexOf(newline, from);
      if (i !== -1) return this.#take(i + 1).subarray(0, i).toString('utf8');
      from = this.#buf.length;
      if (from > maxControlLine) throw new BackupFileError('the backup file is not in the expected format (a control line is too long)');
      if (!(await this.#fill())) throw truncated();
    }
  }

  /** A control line `TAG {json}`, checked for its tag. */
  async tagged<T>(tag: string): Promise<T> {
    const l = await this.line();
    if (!l.startsWith(`${tag} `)) throw new BackupFileError(`the backup file is not in the expected format: expected ${tag}, found "${l.slice(0, 40)}"`);
    try {
      return JSON.parse(l.slice(tag.length + 1)) as T;
    } catch {
      throw new BackupFileError(`the backup file is not in the expected format: unreadable ${tag} line`);
    }
  }

  /**
   * The rows of the current table, in chunks of whole or partial lines, up to (and consuming)
   * the `\.` line. Only a few bytes are held back, so a row of any size streams through.
   */
  async *tableData(): AsyncGenerator<Buffer> {
    let lineStart = true;
    for (;;) {
      const buf = this.#buf;
      if (lineStart && buf.length >= 3 && buf[0] === 0x5c && buf[1] === 0x2e && buf[2] === newline) {
        this.#take(3);
        return;
      }
      const t = buf.indexOf(terminator);
      if (t !== -1) {
        const data = this.#take(t + 1);
        this.#take(3);
        if (data.length) yield data;
        return;
      }
      // Hold back what may be the start of the terminator.
      let keep = 0;
      const n = buf.length;
      if (n >= 3 && buf[n - 3] === newline && buf[n - 2] === 0x5c && buf[n - 1] === 0x2e) keep = 3;
      else if (n >= 2 && buf[n - 2] === newline && buf[n - 1] === 0x5c) keep = 2;
      else if (n >= 1 && buf[n - 1] === newline) keep = 1;
      if (lineStart && n <= 2 && Buffer.from('\\.').subarray(0, n).equals(buf)) keep = n;
      if (n - keep > 0) {
        lineStart = false;
        yield this.#take(n - keep);
      }
      if (!(await this.#fill())) throw truncated();
    }
  }

  /** Throws unless the stream ends here. */
  async expectEnd(): Promise<void> {
    if (this.#buf.length || (await this.#fill())) throw new BackupFileError('the backup file has unexpected data after its end');
  }
}

function truncated(): BackupFileError {
  return new BackupFileError('the backup file is truncated: it ends before its last line');
}

function corrupt(e: unknown): BackupFileError {
  const msg = (e as Error).message ?? String(e);
  if (/unexpected end of file/i.test(msg)) return truncated();
  return new BackupFileError(`the backup file is corrupt or not a Custodia backup (${msg})`);
}
