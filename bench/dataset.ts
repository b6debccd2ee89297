// The national benchmark's datasets: the demo (src/modules/demo) at a scale, built once with
// `custodia demo --scale N` and kept — on PostgreSQL as the database custodia_bench_s<N> (its
// comment records what built it), on PGlite as a data directory under the temporary directory —
// then copied for each run (PostgreSQL: CREATE DATABASE … TEMPLATE, a file copy), so that the
// admissions a run writes never change the dataset the next run reads. A dataset is rebuilt
// when anything that shapes it changed since (migrations, the demo generator, the reference
// data): its fingerprint is a hash of those files.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { root } from './lib.ts';

export const benchAuditKey = 'national-bench-audit-key-0123456789abcdef0123456789';
export const benchTimeZone = 'America/Panama';

export interface DatasetInfo {
  scale: number;
  fingerprint: string;
  /** When and how fast it was built. */
  builtAt: string;
  buildSeconds: number;
  /** The builder's peak resident memory (MiB). */
  buildPeakMiB: number | null;
  /** Size on disk after the build (MiB). */
  sizeMiB: number | null;
  /** PostgreSQL: VACUUM ANALYZE after the build, before the first copy. */
  vacuumSeconds?: number;
}

export const scaleTag = (scale: number): string => String(scale).replace(/\W/g, '_');

/** Files whose change changes the dataset: migrations, the demo generator and every module's demo step, the reference data. */
export function datasetFingerprint(): string {
  const files: string[] = [];
  const add = (dir: string, keep: (f: string) => boolean) => {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return;
    for (const f of fs.readdirSync(abs, { recursive: true }) as string[]) {
      const p = path.join(abs, f);
      if (fs.statSync(p).isFile() && keep(f)) files.push(p);
    }
  };
  add('migrations', (f) => f.endsWith('.sql'));
  add('seed', () => true);
  add('src/modules/demo', (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const m of fs.readdirSync(path.join(root, 'src/modules'))) {
    const demo = path.join(root, 'src/modules', m, 'demo.ts');
    if (fs.existsSync(demo)) files.push(demo);
  }
  files.push(path.join(root, 'src/modules/facilities/reference-data.ts'));
  const h = crypto.createHash('sha256');
  for (const f of files.sort()) h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

export function onDatabase(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withAdmin<T>(serverUrl: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: onDatabase(serverUrl, 'postgres') });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Runs `custodia demo --scale N` with the given environment, timed, with a heap large enough
 * for the scale (the generator plans every row in memory before writing it in bulk), and its
 * peak memory sampled. Progress goes to the terminal.
 */
async function runDemoBuild(scale: number, env: Record<string, string>): Promise<{ seconds: number; peakMiB: number | null }> {
  const heapMiB = Math.min(16_384, Math.max(4096, Math.ceil(2048 + scale * 1000)));
  const t0 = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, 'src/main.ts', 'demo', '--scale', String(scale)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak: number | null = null;
  const timer = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peak = Math.max(peak ?? 0, Math.round(Number(hwm) / 1024));
    } catch {
      /* exited */
    }
  }, 1000);
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // Never echo the demo's secrets (second-factor secret, partner token).
      if (!/secret|token/i.test(line)) console.log(`  [demo s${scale}] ${line}`);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`building the demo at scale ${scale} failed (exit ${code}):\n${tail.join('\n')}`);
  return { seconds: Math.round((performance.now() - t0) / 100) / 10, peakMiB: peak };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export async function postgresDataset(serverUrl: string, scale: number, opts: { rebuild: boolean }): Promise<{ baseName: string; info: DatasetInfo; built: boolean }> {
  const baseName = `custodia_bench_s${scaleTag(scale)}`;
  const fingerprint = datasetFingerprint();
  const existing = await withAdmin(serverUrl, async (c) => {
    const r = await c.query<{ comment: string | null }>(`select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`, [baseName]);
    if (r.rows.length === 0) return null;
    try {
      return JSON.parse(r.rows[0]!.comment ?? 'null') as DatasetInfo | null;
    } catch {
      return null;
    }
  });
  if (existing && existing.scale === scale && existing.fingerprint === fingerprint && !opts.rebuild) return { baseName, info: existing, built: false };
  console.log(existing ? `dataset ${baseName} is stale (built from other sources or asked to rebuild): rebuilding` : `building dataset ${baseName}`);
  await withAdmin(serverUrl, async (c) => {
    await c.query(`drop database if exists ${baseName} with (force)`);
    await c.query(`create database ${baseName}`);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-bench-build-'));
  const { seconds, peakMiB } = await runDemoBuild(scale, {
    DATABASE_URL: onDatabase(serverUrl, baseName),
    CUSTODIA_DEMO: '1',
    CUSTODIA_AUDIT_KEY: benchAuditKey,
    CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'checkpoint.json'),
    CUSTODIA_TIMEZONE: benchTimeZone,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const info: DatasetInfo = { scale, fingerprint, builtAt: new Date().toISOString(), buildSeconds: seconds, buildPeakMiB: peakMiB, sizeMiB: null };
  await withAdmin(serverUrl, async (c) => {
    // Statistics and visibility map for the copy, then the record of what was built.
    const b = new pg.Client({ connectionString: onDatabase(serverUrl, baseName) });
    await b.connect();
    const v0 = performance.now();
    await b.query('vacuum analyze');
    info.vacuumSeconds = Math.round((performance.now() - v0) / 100) / 10;
    await b.end();
    info.sizeMiB = Math.round(Number((await c.query<{ n: string }>(`select pg_database_size($1) as n`, [baseName])).rows[0]!.n) / 2 ** 20);
    await c.query(`comment on database ${baseName} is ${quoteLiteral(JSON.stringify(info))}`);
  });
  return { baseName, info, built: true };
}

/** A fresh copy of the dataset for one run (the base stays as built). */
export async function postgresWorkingCopy(serverUrl: string, baseName: string): Promise<{ url: string; copySeconds: number; drop: () => Promise<void> }> {
  const name = `${baseName}_run`;
  const t0 = performance.now();
  await withAdmin(serverUrl, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [baseName]);
    await c.query(`create database ${name} template ${baseName} strategy file_copy`);
  });
  return {
    url: onDatabase(serverUrl, name),
    copySeconds: Math.round((performance.now() - t0) / 100) / 10,
    drop: () => withAdmin(serverUrl, async (c) => void (await c.query(`drop database if exists ${name} with (force)`))),
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite

export function pgliteRoot(): string {
  return process.env.BENCH_DATA_DIR ?? path.join(os.tmpdir(), 'custodia-bench');
}

function dirSizeMiB(dir: string): number {
  let total = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const st = fs.statSync(path.join(dir, f));
    if (st.isFile()) total += st.size;
  }
  return Math.round(total / 2 ** 20);
}

export async function pgliteDataset(scale: number, opts: { rebuild: boolean }): Promise<{ baseDir: string; info: DatasetInfo; built: boolean }> {
  const baseDir = path.join(pgliteRoot(), `pglite-s${scaleTag(scale)}`);
  const metaFile = `${baseDir}.json`;
  const fingerprint = datasetFingerprint();
  const existing = fs.existsSync(metaFile) && fs.existsSync(baseDir) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as DatasetInfo) : null;
  if (existing && existing.scale === scale && existing.fingerprint === fingerprint && !opts.rebuild) return { baseDir, info: existing, built: false };
  console.log(existing ? `dataset ${baseDir} is stale or asked to rebuild: rebuilding` : `building dataset ${baseDir}`);
  fs.rmSync(baseDir, { recursive: true, force: true });
  fs.rmSync(metaFile, { force: true });
  fs.mkdirSync(baseDir, { recursive: true });
  const { seconds, peakMiB } = await runDemoBuild(scale, {
    CUSTODIA_DATA_DIR: baseDir,
    CUSTODIA_DEMO: '1',
    CUSTODIA_AUDIT_KEY: benchAuditKey,
    CUSTODIA_AUDIT_CHECKPOINT: path.join(pgliteRoot(), `pglite-s${scaleTag(scale)}-checkpoint.json`),
    CUSTODIA_TIMEZONE: benchTimeZone,
  });
  const info: DatasetInfo = { scale, fingerprint, builtAt: new Date().toISOString(), buildSeconds: seconds, buildPeakMiB: peakMiB, sizeMiB: dirSizeMiB(baseDir) };
  fs.writeFileSync(metaFile, JSON.stringify(info, null, 2) + '\n');
  return { baseDir, info, built: true };
}

export function pgliteWorkingCopy(baseDir: string): { dir: string; copySeconds: number; drop: () => void } {
  const dir = `${baseDir}-run`;
  const t0 = performance.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(baseDir, dir, { recursive: true, filter: (src) => path.basename(src) !== 'custodia.lock' });
  return { dir, copySeconds: Math.round((performance.now() - t0) / 100) / 10, drop: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
