// The backup file's framing, without a database: whatever the chunk boundaries of the
// decompressed stream, every table's rows come back byte for byte, the `\.` line ends a table
// exactly, and the checksum catches any change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { BackupReader, BackupWriter, countLines, type Trailer } from './format.ts';
import { Progress } from './progress.ts';

// COPY text rows that look like the framing: a backslash is always doubled by COPY, so `\\.`
// at the start of a row is data, never the end marker.
const tables: string[] = [
  '',
  '1\t\\\\.\tx\n2\t\\N\t\\\\.\\n\\\\.\n',
  '\\\\.\n\\\\.\n\\\\.\n',
  Array.from({ length: 60 }, (_, i) => `${i}\tEND {"a":1}\t${'é'.repeat(i % 7)}\\n\\\\.\\n\n`).join(''),
  'x'.repeat(20_000) + '\n',
];

async function written(): Promise<{ file: Buffer; trailer: Trailer }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new BackupWriter(out);
  await w.line('CUSTODIA-BACKUP 1');
  await w.line('HEADER', { n: tables.length });
  for (const [i, t] of tables.entries()) {
    await w.line('TABLE', { name: `t${i}` });
    // Written in uneven pieces, as COPY hands them over.
    for (let at = 0; at < t.length; at += 1 + (at % 5)) await w.write(t.slice(at, at + 1 + (at % 5)));
    await w.write('\\.\n');
  }
  await w.line('SEQUENCES', []);
  const trailer = await w.finish((sha256, bytes) => ({ tables: tables.length, rows: 0, bytes, sha256, hmac: null }));
  return { file: Buffer.concat(chunks), trailer };
}

function rechunked(plain: Buffer, size: (i: number) => number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < plain.length; i++) {
    const n = size(i);
    parts.push(plain.subarray(at, at + n));
    at += n;
  }
  return Readable.from(parts);
}

test('rows come back exactly, whatever the chunk boundaries', async () => {
  const { file, trailer } = await written();
  const plain = zlib.gunzipSync(file);
  for (const size of [() => 1, () => 2, () => 3, (i: number) => 1 + (i % 4), (i: number) => 7 + ((i * 13) % 50), () => 65536]) {
    const r = new BackupReader(rechunked(plain, size));
    assert.equal(await r.line(), 'CUSTODIA-BACKUP 1');
    assert.deepEqual(await r.tagged('HEADER'), { n: tables.length });
    for (const [i, t] of tables.entries()) {
      assert.deepEqual(await r.tagged('TABLE'), { name: `t${i}` });
      const got: Buffer[] = [];
      for await (const c of r.tableData()) got.push(c);
      assert.equal(Buffer.concat(got).toString('utf8'), t, `table ${i}`);
    }
    assert.deepEqual(await r.tagged('SEQUENCES'), []);
    assert.equal(r.digest(), trailer.sha256);
    assert.equal(r.bytes, trailer.bytes);
    assert.equal((await r.tagged<Trailer>('END')).sha256, trailer.sha256);
    await r.expectEnd();
  }
});

test('a cut inside a table is reported as a truncated file', async () => {
  const { file } = await written();
  const plain = zlib.gunzipSync(file);
  const cut = plain.subarray(0, plain.indexOf('x'.repeat(100)));
  const r = new BackupReader(Readable.from([cut]));
  await assert.rejects(
    (async () => {
      for (;;) {
        const l = await r.line();
        if (l.startsWith('TABLE')) for await (const _ of r.tableData());
      }
    })(),
    /truncated/,
  );
});

test('countLines counts rows', () => {
  assert.equal(countLines(Buffer.from('a\nb\n\\\\.\n')), 3);
  assert.equal(countLines(Buffer.alloc(0)), 0);
});

test('progress: a redrawn bar on a terminal, plain lines otherwise', () => {
  const tty: string[] = [];
  const p = new Progress({ write: (t) => tty.push(t), isTTY: true, columns: 80 });
  p.start('persons', 100);
  p.add(50, 1000);
  p.done();
  assert.ok(tty.some((t) => t.includes('\r') && t.includes('[') && t.includes('/100 rows')));
  assert.match(tty.at(-1)!, /persons: 50 rows, 1000 B/);
  const plain: string[] = [];
  const q = new Progress({ write: (t) => plain.push(t), isTTY: false });
  q.start('persons', 100);
  q.add(100, 2048);
  q.done();
  assert.deepEqual(plain.length, 1);
  assert.match(plain[0]!, /^persons: 100 rows, 2\.0 KB \(\d+\.\d s\)\n$/);
});
