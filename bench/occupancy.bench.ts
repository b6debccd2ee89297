// Issue 5's occupancy benchmark: national occupancy on a past date over the full history
// (goal ≤ 200 ms on PostgreSQL), through the API at 20 connections, compared in the same run with
// the bare SQL the endpoint executes from 20 clients. The database holds the full demo (ten
// years of history) at the scale asked; it is built once (`npx custodia demo --scale N`, timed)
// and reused by later runs. Results in BENCHMARKS.md; no timings are asserted anywhere.
//
//   npm run bench -- --only occupancy --postgres            (scale 1: BENCH_OCCUPANCY_SCALE=N for more)
//   npx node -e "import('./bench/occupancy.bench.ts').then((m) => m.benchOccupancy({ seconds: 10 })).then((r) => console.log(r))"
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import type { Database } from '../src/platform/db/schema.ts';
import { createApiToken } from '../src/platform/auth/tokens.ts';
import { occupancyQuery } from '../src/modules/statistics/repository.ts';
import { asOfInstant } from '../src/modules/statistics/occupancy-rules.ts';
import { load, machine, percentile, root, saveResults, startServerProcess, tempDir, writeSection } from './lib.ts';

const auditKey = 'occupancy-bench-audit-key-0123456789abcdef0123';
const timeZone = 'America/Panama';

export interface OccupancyBenchOptions {
  seconds: number;
  /** A PostgreSQL server URL; the benchmark uses its own database on that server. */
  databaseUrl?: string | undefined;
  /** Demo scale (1 = the issue's full history). */
  scale?: number;
  /** The past date asked for (default: July 2024, a published national figure). */
  date?: string;
  connections?: number;
  /** Also time the first start of the embedded database with the full demo (default true). */
  pglite?: boolean;
}

function onDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The demo scale the database was seeded with, or null when it is missing or not seeded. */
async function seededScale(url: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    const r = await c.query<{ scale: string | null }>(`select details->>'scale' as scale from audit_log where action = 'demo.seeded' limit 1`);
    return r.rows[0]?.scale ? Number(r.rows[0].scale) : null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function recreate(serverUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: onDatabase(serverUrl, 'postgres') });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
}

interface Latencies {
  requestsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** `clients` concurrent loops calling `run` for `seconds`; exact percentiles of each call. */
async function closedLoop(run: () => Promise<boolean>, clients: number, seconds: number): Promise<Latencies> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ok = await run().catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const r = (p: number) => Math.round(percentile(latencies, p) * 10) / 10;
  return { requestsPerSec: Math.round((latencies.length / seconds) * 10) / 10, p50: r(50), p95: r(95), p99: r(99), errors };
}

export async function benchOccupancy(opts: OccupancyBenchOptions): Promise<Record<string, unknown>> {
  const scale = opts.scale ?? Number(process.env.BENCH_OCCUPANCY_SCALE ?? 1);
  const date = opts.date ?? '2024-07-15';
  const connections = opts.connections ?? 20;
  const server = opts.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `custodia_bench_occupancy_s${String(scale).replace(/\W/g, '_')}`;
  const url = onDatabase(server, name);
  const loadBefore = os.loadavg()[0]!;
  const dir = tempDir('custodia-bench-occupancy-');
  const env: Record<string, string> = {
    DATABASE_URL: url,
    CUSTODIA_DEMO: '1',
    CUSTODIA_AUDIT_KEY: auditKey,
    CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'checkpoint.json'),
    CUSTODIA_TIMEZONE: timeZone,
  };

  // The database: reused when it already holds the demo at this scale, otherwise built (timed).
  let seedSeconds: number | null = null;
  if ((await seededScale(url)) !== scale) {
    await recreate(server, name);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['src/main.ts', 'demo', '--scale', String(scale)], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`demo seed failed: ${r.stderr || r.stdout}`);
    seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  }

  // The embedded database: first start on an empty data directory with the full demo, then the
  // same request (absolute figures: one process, one connection).
  let embedded: { firstStartSeconds: number; single: { p50: number; min: number }; api: Latencies } | null = null;
  if (opts.pglite ?? true) {
    const pgliteDir = tempDir('custodia-bench-occupancy-pglite-');
    const pgliteEnv = { CUSTODIA_DATA_DIR: path.join(pgliteDir, 'data'), CUSTODIA_DEMO_SCALE: String(scale), CUSTODIA_AUDIT_KEY_FILE: path.join(pgliteDir, 'audit.key'), CUSTODIA_AUDIT_CHECKPOINT: path.join(pgliteDir, 'checkpoint.json'), CUSTODIA_TIMEZONE: timeZone };
    const first = await startServerProcess(pgliteEnv, 3750 + Math.floor(Math.random() * 90));
    await first.stop();
    // The partner's token cannot read statistics: give the statistician one, then serve again.
    const tokenRun = spawnSync(process.execPath, ['src/main.ts', 'token', 'create', '--username', 'demo.statistician', '--label', 'occupancy benchmark'], { cwd: root, env: { ...process.env, ...pgliteEnv }, encoding: 'utf8' });
    const pgliteToken = tokenRun.stdout.trim().split('\n').pop()!;
    if (!pgliteToken.startsWith('cst_')) throw new Error(`no token: ${tokenRun.stderr || tokenRun.stdout}`);
    const warm = await startServerProcess(pgliteEnv, 3750 + Math.floor(Math.random() * 90));
    const h = { authorization: `Bearer ${pgliteToken}` };
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const r = await fetch(`${warm.url}/api/v1/statistics/occupancy?date=${date}`, { headers: h });
      await r.arrayBuffer();
      times.push(performance.now() - t0);
    }
    const pgliteApi = await closedLoop(async () => {
      const r = await fetch(`${warm.url}/api/v1/statistics/occupancy?date=${date}`, { headers: h });
      await r.arrayBuffer();
      return r.ok;
    }, connections, opts.seconds);
    await warm.stop();
    fs.rmSync(pgliteDir, { recursive: true, force: true });
    embedded = { firstStartSeconds: Math.round(first.ms / 100) / 10, single: { p50: Math.round(percentile(times, 50)), min: Math.round(Math.min(...times)) }, api: pgliteApi };
  }

  const pool = new pg.Pool({ connectionString: url, max: connections });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const volume = (await sql<{ persons: number; episodes: number; stays: number; movements: number; statuses: number; absences: number }>`select
      (select count(*) from persons)::int as persons, (select count(*) from custody_episodes)::int as episodes, (select count(*) from facility_stays)::int as stays,
      (select count(*) from movements)::int as movements, (select count(*) from legal_status_periods)::int as statuses, (select count(*) from absences)::int as absences`.execute(db)).rows[0]!;
  const statistician = await db.selectFrom('users').select('id').where('username', '=', 'demo.statistician').executeTakeFirstOrThrow();
  const { token } = await createApiToken(db, { userId: statistician.id, label: 'occupancy benchmark', createdBy: null });
  const headers = { authorization: `Bearer ${token}` };

  const app = await startServerProcess({ ...env, CUSTODIA_DATA_DIR: path.join(dir, 'data') }, 3850 + Math.floor(Math.random() * 90));
  const apiPath = `/api/v1/statistics/occupancy?date=${date}`;
  const body = await (await fetch(`${app.url}${apiPath}`, { headers })).json() as { national: { population: number; capacity: number | null; occupancyRate: number | null; unsentenced: number } };

  // The bare statement the endpoint runs, compiled once.
  const compiled: CompiledQuery = occupancyQuery(null, date, asOfInstant(date, timeZone)).compile(db);
  const explain = (await db.executeQuery<{ 'QUERY PLAN': string }>({ ...compiled, sql: `explain (analyze, buffers) ${compiled.sql}` })).rows.map((r) => r['QUERY PLAN']);
  const executionMs = Number(/Execution Time: ([\d.]+)/.exec(explain.join('\n'))?.[1] ?? NaN);

  // Warm-up, then the same closed loop for the API and for the bare SQL; autocannon for the API too.
  for (let i = 0; i < 5; i++) await fetch(`${app.url}${apiPath}`, { headers });
  const api = await closedLoop(async () => {
    const r = await fetch(`${app.url}${apiPath}`, { headers });
    await r.arrayBuffer();
    return r.ok;
  }, connections, opts.seconds);
  const bare = await closedLoop(async () => ((await db.executeQuery(compiled)).rows.length > 0), connections, opts.seconds);
  const cannon = await load(`${app.url}${apiPath}`, { connections, seconds: opts.seconds, headers });
  const single: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await db.executeQuery(compiled);
    single.push(performance.now() - t0);
  }
  await app.stop();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });

  const loadAverage = { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0]! * 100) / 100 };
  const result = {
    database: 'postgresql',
    loadAverage,
    scale,
    date,
    connections,
    seconds: opts.seconds,
    volume,
    national: body.national,
    seedSeconds,
    explainExecutionMs: executionMs,
    singleQueryMs: { p50: Math.round(percentile(single, 50) * 10) / 10, min: Math.round(Math.min(...single) * 10) / 10 },
    api,
    autocannon: cannon,
    bareSql: bare,
    apiVsSql: { p50: Math.round((api.p50 / bare.p50) * 100) / 100, p95: Math.round((api.p95 / bare.p95) * 100) / 100, throughput: Math.round((api.requestsPerSec / bare.requestsPerSec) * 100) / 100 },
    embedded,
    plan: explain,
  };
  const file = saveResults(`occupancy-postgresql-s${scale}`, result);
  const day = new Date().toISOString().slice(0, 10);
  writeSection(
    'occupancy-postgresql',
    `## Occupancy on a past date over the full history (PostgreSQL) — ${day}

Machine: ${machine()}. PostgreSQL server on the same machine; one-minute load average ${loadAverage.before} before the run, ${loadAverage.after} after (other work shares the cores). Raw figures and the query plan: \`${path.relative(root, file)}\`.
Demo at scale ${scale}: ${volume.persons.toLocaleString('en')} persons, ${volume.episodes.toLocaleString('en')} custody episodes, ${volume.stays.toLocaleString('en')} facility stays, ${volume.statuses.toLocaleString('en')} legal-status periods, ${volume.absences.toLocaleString('en')} absences, ${volume.movements.toLocaleString('en')} movements${seedSeconds !== null ? `; built in this run by \`npx custodia demo --scale ${scale}\` in ${seedSeconds} s` : ' (database reused from an earlier run)'}.
Query: \`GET ${apiPath}\` (national scope: every centre, ${body.national.population.toLocaleString('en')} people held on that date), ${connections} concurrent clients, ${opts.seconds} s each, same run.

| measure | result | goal |
|---|---|---|
| API, ${connections} connections (closed loop, exact percentiles) | p50 ${api.p50} ms, p95 **${api.p95} ms**, p99 ${api.p99} ms; ${api.requestsPerSec} req/s; ${api.errors} errors | p95 ≤ 200 ms |
| bare SQL the endpoint runs, ${connections} clients (same loop) | p50 ${bare.p50} ms, p95 ${bare.p95} ms, p99 ${bare.p99} ms; ${bare.requestsPerSec} queries/s | — |
| API ÷ bare SQL | p50 ${result.apiVsSql.p50}×, p95 ${result.apiVsSql.p95}×, throughput ${result.apiVsSql.throughput}× | — |
| API under autocannon, ${connections} connections | ${cannon.requestsPerSec} req/s, p50 ${cannon.p50} ms, p97.5 ${cannon.p95} ms, p99 ${cannon.p99} ms, ${cannon.errors + cannon.non2xx} errors | — |
| the statement alone, one client (EXPLAIN ANALYZE execution / wall p50) | ${executionMs} ms / ${result.singleQueryMs.p50} ms | ≤ 200 ms |

One statement counts every centre (parallel scans of the stays, persons and legal-status periods
in force, hash joins, the capacity in force per centre by index). Identical requests arriving
together share one computation — never one whose statement has already started, so every answer
includes what was committed before its request —: the API serves ${connections} clients from one statement at a
time, where the bare SQL runs ${connections} statements at once on ${machine().split(' ×')[0]} cores and queues.
${
  embedded
    ? `
Embedded database (PGlite), same demo: **first start on an empty data directory ${embedded.firstStartSeconds} s** (goal < 60 s: migrations,
centres, users, today's population and the whole history; \`npm start\` until \`/health\` answers 200);
the same request ${embedded.single.p50} ms (p50 of 10, min ${embedded.single.min} ms), and at ${connections} connections p50 ${embedded.api.p50} ms,
p95 ${embedded.api.p95} ms, ${embedded.api.requestsPerSec} req/s.`
    : ''
}`,
  );
  return result;
}
