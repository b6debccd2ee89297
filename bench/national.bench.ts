// Issue 7's national-scale benchmark: `npm run bench -- --scale N` (default 10; 1 ≈ Panama today
// with ten years of history). Builds (or reuses) the demo dataset at that scale, starts the real
// server as a child process on PostgreSQL (BENCH_DATABASE_URL, else the machine's server) — or on
// PGlite with --pglite — and measures with autocannon: people search, the person's file (API)
// and page (HTML), national occupancy on a past date, the roll of the largest centre, and
// admissions (writes, each with a fresh Idempotency-Key and a verified order); then a mixed
// workload at stepped connection counts, to find how many connections one server holds at
// p95 ≤ 200 ms. On PostgreSQL, in the same run, every read's bare SQL — the statements the
// endpoint sends for that request, captured from an in-process app — is replayed directly with pg
// at the same concurrency, and each endpoint is reported as a ratio to it. Reports p50/p95/p99
// (exact: every response's latency is kept), requests/s, errors, and the server's peak RSS.
// Rate limits are raised through the environment only. Never part of `npm test` or CI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../src/platform/db/schema.ts';
import { openDatabase } from '../src/platform/db/connection.ts';
import { createApiToken } from '../src/platform/auth/tokens.ts';
import { loadSettings } from '../src/config.ts';
import { loadKeys } from '../src/platform/audit/keys.ts';
import { buildApp, appVersion } from '../src/app.ts';
import { machine, root, saveResults, startServerProcess, tempDir, writeSection, type Started } from './lib.ts';
import { cannon, connectionsAt, memorySampler, replay, type Measured, type Shot, type Statement } from './load.ts';
import { benchAuditKey, benchTimeZone, pgliteDataset, pgliteWorkingCopy, postgresDataset, postgresWorkingCopy, scaleTag, type DatasetInfo } from './dataset.ts';

export interface NationalOptions {
  scale: number;
  seconds: number;
  /** Run on PGlite (absolute figures only) instead of PostgreSQL. */
  pglite: boolean;
  /** Connection counts for each endpoint (default 20 and 50). */
  connections: number[];
  /** Connection counts for the mixed workload (default 10, 20, 50; extended while p95 stays under the limit). */
  steps: number[];
  rebuild: boolean;
  /** Only build (or check) the dataset. */
  buildOnly: boolean;
  /** Write results and BENCHMARKS.md even below scale 1 (development runs print only). */
  record: boolean;
  serverUrl?: string | undefined;
}

const limitMs = 200;
const officerName = 'demo.records_officer';
const demoPassword = 'custodia-demo';

type ReadName = 'search' | 'personFile' | 'personPage' | 'occupancy' | 'roll';
const readLabels: Record<ReadName | 'admissions' | 'mixed', string> = {
  search: '`GET /api/v1/persons?q=…` (search: names, misspellings, prisoner numbers)',
  personFile: "`GET /api/v1/persons/:id` (the person's file, audited)",
  personPage: '`GET /persons/:id` (the person page, HTML, audited)',
  occupancy: '`GET /api/v1/statistics/occupancy?date=2024-07-15` (national, past date)',
  roll: '`GET /api/v1/facilities/:code/roll` (roll of the largest centre, audited)',
  admissions: '`POST /api/v1/admissions` (new person, verified order, Idempotency-Key)',
  mixed: 'mixed workload',
};
/** The mixed workload: what a records office does in a day, by share of requests. */
const mix: [ReadName | 'admissions', number][] = [
  ['search', 40],
  ['personPage', 25],
  ['personFile', 22],
  ['occupancy', 5],
  ['roll', 3],
  ['admissions', 5],
];

function misspell(s: string, i: number): string {
  if (s.length < 5) return s;
  const k = 1 + (i % (s.length - 2));
  return s.slice(0, k) + s.slice(k + 1);
}

/** Letters only (a valid name), distinct for each n. */
function letters(n: number): string {
  const a = 'bcdfghjklmnprstvz';
  let s = '';
  let x = n;
  do {
    s += a[x % a.length];
    x = Math.floor(x / a.length);
  } while (x > 0);
  return s[0]!.toUpperCase() + s.slice(1);
}

interface Prepared {
  volume: Record<string, number>;
  centre: { code: string; held: number };
  heldToday: number;
  token: string;
  officerId: string;
  orders: string[];
  runTag: string;
  paths: Record<ReadName, string[]>;
}

/** Inputs, a token and verified orders, written on the working copy before the server starts. */
async function prepare(db: Kysely<Database>, orderCount: number): Promise<Prepared> {
  const count = async (t: string) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]!.n);
  const volume: Record<string, number> = {};
  for (const t of ['persons', 'custody_episodes', 'facility_stays', 'legal_status_periods', 'placements', 'absences', 'transfers', 'movements', 'judicial_orders', 'audit_log'])
    volume[t] = await count(t);
  const held = (await sql<{ code: string; n: number }>`select facility_code as code, count(*)::int as n from custody_episodes where released_at is null group by 1 order by 2 desc, 1`.execute(db))
    .rows;
  const largest = held.find((r) => r.code === 'PA-NLJ') ?? held[0]!;
  const centre = { code: largest.code, held: largest.n };
  const heldToday = held.reduce((s, r) => s + r.n, 0);
  const users = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', [officerName, 'demo.legal']).execute();
  const officerId = users.find((u) => u.username === officerName)!.id;
  const legalId = users.find((u) => u.username === 'demo.legal')!.id;
  const { token } = await createApiToken(db, { userId: officerId, label: 'national benchmark', createdBy: null });
  const runTag = Date.now().toString(36);
  const orders = (
    await sql<{
      id: string;
    }>`insert into judicial_orders (kind, authority_kind, issuing_authority, case_number, order_date, subject_name, facility_code, legal_status, registered_by, status, verified_by, verified_at, verification_method)
      select 'commitment', 'court', 'Juzgado de Garantías del Primer Circuito Judicial de Panamá', ${`BENCH-${runTag}-`} || g, (now() at time zone ${benchTimeZone})::date - 1, 'Persona de prueba ' || g, ${centre.code},
        'pretrial', ${officerId}::uuid, 'verified', ${legalId}::uuid, now(), 'telephone'
      from generate_series(1, ${orderCount}::int) g order by g returning id`.execute(db)
  ).rows.map((r) => r.id);
  // A deterministic sample of everyone on file (held today and released), 200 people.
  const sample = (
    await sql<{ id: string; prisoner_number: string; given_names: string; first_surname: string }>`
    select id, prisoner_number, given_names, first_surname from persons order by md5(prisoner_number) limit 200`.execute(db)
  ).rows;
  const queries = sample.flatMap((p, i) => [`${p.first_surname} ${p.given_names.split(' ')[0]}`, misspell(`${p.given_names.split(' ')[0]} ${p.first_surname}`, i), p.prisoner_number]);
  const paths: Record<ReadName, string[]> = {
    search: queries.map((q) => `/api/v1/persons?q=${encodeURIComponent(q)}&limit=20`),
    personFile: sample.map((p) => `/api/v1/persons/${p.id}`),
    personPage: sample.map((p) => `/persons/${p.id}`),
    occupancy: ['/api/v1/statistics/occupancy?date=2024-07-15'],
    roll: [`/api/v1/facilities/${centre.code}/roll`],
  };
  return { volume, centre, heldToday, token, officerId, orders, runTag, paths };
}

/** Same type parsers as the server's pool (src/platform/db/connection.ts). */
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 1082) return (v: string) => v;
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/**
 * The bare SQL of each read: an in-process app on the same database answers each request once
 * while Kysely's log records every statement it sends (the caller's credential lookup, the
 * read, the audit entry), in order. Up to `perRead` requests per read.
 */
async function captureSql(
  databaseUrl: string,
  env: Record<string, string>,
  paths: Record<ReadName, string[]>,
  headers: Record<string, string>,
  perRead = 40,
): Promise<Record<ReadName, Statement[][]>> {
  const settings = loadSettings({ ...process.env, ...env, DATABASE_URL: databaseUrl });
  let capturing: Statement[] | null = null;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, types: typeParsers, options: '-c jit=off' });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (capturing && e.level === 'query') capturing.push({ sql: e.query.sql, parameters: [...e.query.parameters] });
    },
  });
  const app = await buildApp({ db, dbKind: 'postgresql', settings, keys: loadKeys(settings), version: appVersion, ready: true });
  await app.ready();
  const out = {} as Record<ReadName, Statement[][]>;
  try {
    for (const [name, list] of Object.entries(paths) as [ReadName, string[]][]) {
      out[name] = [];
      for (const url of list.slice(0, perRead)) {
        await app.inject({ method: 'GET', url, headers }); // warm (caches, prepared plans)
        const stmts: Statement[] = [];
        capturing = stmts;
        const res = await app.inject({ method: 'GET', url, headers });
        capturing = null;
        if (res.statusCode !== 200) throw new Error(`capturing ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        out[name].push(stmts);
      }
    }
  } finally {
    await app.close();
    await db.destroy();
  }
  return out;
}

function admissionShot(p: Prepared, i: number, centre: string): Shot {
  const orderId = p.orders[i];
  if (!orderId) throw new Error('the benchmark ran out of verified orders: raise the order count');
  const now = Date.now();
  return {
    method: 'POST',
    path: '/api/v1/admissions',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${p.runTag}-${i}` },
    body: JSON.stringify({
      facilityCode: centre,
      orderId,
      arrest: { at: new Date(now - 7_200_000).toISOString(), place: 'Pacora, Panamá' },
      admittedAt: new Date(now - 3_600_000).toISOString(),
      person: { givenNames: 'Prueba', firstSurname: `Carga${letters(i)}`, secondSurname: letters(i + 7919), sex: 'male', dateOfBirth: '1990-01-01', nationality: 'PA' },
    }),
  };
}

interface EndpointResult {
  endpoint: Measured;
  sql: Measured | null;
  ratio: { p50: number; p95: number; throughput: number } | null;
  serverPeakMiB: number | null;
}

const ratioOf = (e: Measured, s: Measured) =>
  e.requests === 0 || s.requests === 0
    ? null
    : {
        p50: Math.round((e.p50 / s.p50) * 100) / 100,
        p95: Math.round((e.p95 / s.p95) * 100) / 100,
        throughput: Math.round((e.requestsPerSec / Math.max(s.requestsPerSec, 0.1)) * 100) / 100,
      };

export async function benchNational(opts: NationalOptions): Promise<NationalResult | { database: string; dataset: DatasetInfo; built: boolean }> {
  const kind = opts.pglite ? 'pglite' : 'postgresql';
  const serverUrl = opts.serverUrl ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const record = opts.record || opts.scale >= 1;
  const loadBefore = os.loadavg()[0]!;

  // ---- the dataset and this run's copy of it
  let dataset: { info: DatasetInfo; built: boolean };
  let copy: { copySeconds: number; drop: () => unknown };
  let dbEnv: Record<string, string>;
  let databaseUrl: string | null = null;
  if (opts.pglite) {
    const d = await pgliteDataset(opts.scale, { rebuild: opts.rebuild });
    dataset = d;
    if (opts.buildOnly) return { database: kind, dataset: d.info, built: d.built };
    const c = pgliteWorkingCopy(d.baseDir);
    copy = c;
    dbEnv = { CUSTODIA_DATA_DIR: c.dir };
  } else {
    const d = await postgresDataset(serverUrl, opts.scale, { rebuild: opts.rebuild });
    dataset = d;
    if (opts.buildOnly) return { database: kind, dataset: d.info, built: d.built };
    const c = await postgresWorkingCopy(serverUrl, d.baseName);
    copy = c;
    databaseUrl = c.url;
    dbEnv = { DATABASE_URL: c.url };
  }
  console.log(`dataset at scale ${opts.scale}: ${dataset.built ? 'built' : 'reused'} (build ${dataset.info.buildSeconds} s); working copy in ${copy.copySeconds} s`);

  const dir = tempDir('custodia-bench-national-');
  let server: Started | null = null;
  let result: NationalResult;
  try {
    const env: Record<string, string> = {
      ...dbEnv,
      CUSTODIA_DEMO: '1',
      CUSTODIA_DEMO_SCALE: String(opts.scale),
      CUSTODIA_AUDIT_KEY: benchAuditKey,
      CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'checkpoint.json'),
      CUSTODIA_TIMEZONE: benchTimeZone,
      // Rate limits and locks raised through settings only.
      CUSTODIA_LOGIN_RATE_LIMIT: '1000000',
      CUSTODIA_TOKEN_RATE_LIMIT: '1000000',
      CUSTODIA_LOGIN_LOCK_THRESHOLD: '1000000',
      CUSTODIA_SESSION_IDLE_MINUTES: '600',
    };

    // ---- inputs, token and orders (PGlite: before the server holds the data directory)
    const admissionsWanted = Math.max(2000, opts.seconds * 400) + opts.steps.length * opts.seconds * 200 + 2000;
    const handle = await openDatabase({ databaseUrl: databaseUrl ?? undefined, dataDir: dbEnv.CUSTODIA_DATA_DIR ?? '', poolSize: 2 });
    const p = await prepare(handle.db, admissionsWanted);
    await handle.close();
    const tokenHeaders = { authorization: `Bearer ${p.token}` };

    // ---- the server
    server = await startServerProcess(env, 4000 + Math.floor(Math.random() * 900));
    const url = server.url;
    const memory = memorySampler(server.child.pid!);
    const startSeconds = Math.round(server.ms / 100) / 10;
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: officerName, password: demoPassword }) });
    const sid = /custodia_sid=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (login.status !== 200 || !sid) throw new Error(`sign-in for the person page failed: ${login.status}`);
    const headers = { ...tokenHeaders, cookie: `custodia_sid=${sid}` };

    let captured: Record<ReadName, Statement[][]> | null = null;
    if (databaseUrl) captured = await captureSql(databaseUrl, env, p.paths, headers);

    const cursor: Record<string, number> = {};
    const nextOf = (name: ReadName) => (): Shot => {
      const list = p.paths[name];
      const i = (cursor[name] = (cursor[name] ?? 0) + 1);
      return { path: list[i % list.length]! };
    };
    // Every admission sent is kept: the same request is sent again at the end (same key, same body).
    const sentAdmissions: Shot[] = [];
    const nextAdmission = (): Shot => {
      const shot = admissionShot(p, sentAdmissions.length, p.centre.code);
      sentAdmissions.push(shot);
      return shot;
    };

    // autocannon stops at the end of a measurement without waiting for the answers in flight:
    // the server finishes them first (on PGlite, one at a time), so wait until it answers a cheap
    // request again before the next measurement starts.
    const drain = async () => {
      const r = await fetch(`${url}/api/v1/facilities`, { headers: tokenHeaders, signal: AbortSignal.timeout(600_000) });
      await r.arrayBuffer();
    };
    const measure = async (c: number, next: () => Shot) => {
      const r = await cannon(url, { connections: c, seconds: opts.seconds, headers, next, timeoutSeconds: 120 });
      await drain();
      return r;
    };

    // ---- each read at each connection count, with its bare SQL at the same concurrency
    const reads = {} as Record<ReadName, EndpointResult[]>;
    for (const name of ['search', 'personFile', 'personPage', 'occupancy', 'roll'] as ReadName[]) {
      reads[name] = [];
      await cannon(url, { connections: 4, seconds: 2, headers, next: nextOf(name) }); // warm-up
      await drain();
      for (const c of opts.connections) {
        const endpoint = await measure(c, nextOf(name));
        const bare = captured && databaseUrl ? await replay(databaseUrl, captured[name], { clients: c, seconds: opts.seconds }) : null;
        reads[name].push({ endpoint, sql: bare, ratio: bare ? ratioOf(endpoint, bare) : null, serverPeakMiB: memory.peakMiB() });
        console.log(
          `${name} @${c}: p50 ${endpoint.p50} p95 ${endpoint.p95} p99 ${endpoint.p99} ms, ${endpoint.requestsPerSec}/s, ${endpoint.errors + endpoint.non2xx} errors${bare ? `; SQL p95 ${bare.p95} ms, ${bare.requestsPerSec}/s` : ''}`,
        );
      }
    }

    // ---- admissions (writes)
    const admissions: Measured[] = [];
    for (const c of [opts.connections[0] ?? 20]) {
      const r = await measure(c, nextAdmission);
      admissions.push(r);
      console.log(`admissions @${c}: p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms, ${r.requestsPerSec}/s, ${r.errors + r.non2xx} errors`);
    }

    // ---- the mixed workload, stepping connections until p95 passes the limit
    const table: (ReadName | 'admissions')[] = mix.flatMap(([n, w]) => Array.from({ length: w }, () => n));
    let k = 0;
    const nextMixed = (): Shot => {
      const n = table[(k++ * 37) % table.length]!;
      return n === 'admissions' ? nextAdmission() : nextOf(n)();
    };
    const steps: Measured[] = [];
    const planned = [...opts.steps].sort((a, b) => a - b);
    for (let s = 0; s < planned.length; s++) {
      const c = planned[s]!;
      const r = await measure(c, nextMixed);
      steps.push(r);
      console.log(`mixed @${c}: p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms, ${r.requestsPerSec}/s, ${r.errors + r.non2xx} errors`);
      // Below the limit at the largest step: one more, twice as many (bounded).
      if (s === planned.length - 1 && r.p95 <= limitMs && c < 400) planned.push(c * 2);
    }
    // Above the limit already at the smallest step: fewer.
    const fewest = () => [...steps].sort((a, b) => a.connections - b.connections)[0];
    for (let extra = 0; extra < 3 && fewest() && fewest()!.connections > 1 && !(fewest()!.p95 <= limitMs); extra++) {
      const c = Math.max(1, Math.floor(fewest()!.connections / 2));
      const r = await measure(c, nextMixed);
      steps.push(r);
      console.log(`mixed @${c}: p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms, ${r.requestsPerSec}/s`);
    }
    const capacity = connectionsAt(steps, limitMs);

    // ---- every admission sent again with its key: each must answer 201 (a replay when it was
    // done — including those still in flight when a measurement ended — or done now).
    let replayed = 0;
    let notCreated = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < sentAdmissions.length) {
          const s = sentAdmissions[next++]!;
          const r = await fetch(`${url}${s.path}`, { method: 'POST', headers: { ...tokenHeaders, ...s.headers }, body: s.body! });
          await r.arrayBuffer();
          if (r.status !== 201) notCreated++;
          else if (r.headers.get('idempotent-replayed') === 'true') replayed++;
        }
      }),
    );
    const serverPeakMiB = memory.peakMiB();
    memory.stop();
    await server.stop();
    server = null;

    // ---- every admission answered 201 is there exactly once
    const check = await openDatabase({ databaseUrl: databaseUrl ?? undefined, dataDir: dbEnv.CUSTODIA_DATA_DIR ?? '', poolSize: 2 });
    const stored = (
      await sql<{
        n: string;
        episodes: string;
      }>`select count(distinct e.admission_order_id) as n, count(*) as episodes from custody_episodes e join judicial_orders o on o.id = e.admission_order_id where o.case_number like ${`BENCH-${p.runTag}-%`}`.execute(
        check.db,
      )
    ).rows[0]!;
    await check.close();
    const sent = sentAdmissions.length;
    const admissionCheck = {
      sent,
      replayed,
      notCreated,
      episodes: Number(stored.episodes),
      distinctOrders: Number(stored.n),
      ok: notCreated === 0 && Number(stored.episodes) === sent && Number(stored.n) === sent,
    };
    result = {
      database: kind,
      scale: opts.scale,
      seconds: opts.seconds,
      loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0]! * 100) / 100 },
      dataset: dataset.info,
      datasetBuiltThisRun: dataset.built,
      copySeconds: copy.copySeconds,
      volume: p.volume,
      heldToday: p.heldToday,
      centre: p.centre,
      serverStartSeconds: startSeconds,
      reads,
      admissions,
      admissionCheck,
      mixed: { shares: Object.fromEntries(mix), steps, limitMs, capacity },
      serverPeakMiB,
    };
  } finally {
    await server?.stop();
    await copy.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!result.admissionCheck.ok) console.error(`ADMISSIONS CHECK FAILED: ${JSON.stringify(result.admissionCheck)}`);
  if (record) {
    const file = saveResults(`national-${kind}-s${scaleTag(opts.scale)}`, result);
    writeSection(`national-${kind}-s${scaleTag(opts.scale)}`, runSection(result, path.relative(root, file)));
    writeSummary();
  } else {
    console.log('(scale below 1: results printed only; --record writes them)');
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// BENCHMARKS.md

export interface NationalResult {
  database: string;
  scale: number;
  seconds: number;
  loadAverage: { before: number; after: number };
  dataset: DatasetInfo;
  datasetBuiltThisRun: boolean;
  copySeconds: number;
  volume: Record<string, number>;
  heldToday: number;
  centre: { code: string; held: number };
  serverStartSeconds: number;
  reads: Record<ReadName, EndpointResult[]>;
  admissions: Measured[];
  admissionCheck: { sent: number; replayed: number; notCreated: number; episodes: number; distinctOrders: number; ok: boolean };
  mixed: { shares: Record<string, number>; steps: Measured[]; limitMs: number; capacity: ReturnType<typeof connectionsAt> };
  serverPeakMiB: number | null;
  date?: string;
  machine?: string;
}
type Result = NationalResult;

const fmt = (n: number) => n.toLocaleString('en');
const lat = (m: Measured) => (m.requests > 0 ? `p50 ${m.p50} / p95 **${m.p95}** / p99 ${m.p99} ms` : `no answer within ${m.seconds} s`);
const errs = (m: Measured) => m.errors + m.non2xx;

function runSection(r: Result, file: string): string {
  const day = new Date().toISOString().slice(0, 10);
  const v = r.volume;
  const pgsql = r.database === 'postgresql';
  const rows: string[] = [];
  for (const name of Object.keys(r.reads) as ReadName[]) {
    for (const x of r.reads[name]) {
      rows.push(
        `| ${readLabels[name]} | ${x.endpoint.connections} | ${lat(x.endpoint)} | ${x.endpoint.requestsPerSec} | ${errs(x.endpoint)} |${pgsql ? ` ${x.sql ? `p95 ${x.sql.p95} ms, ${x.sql.requestsPerSec}/s` : '—'} | ${x.ratio ? `${x.ratio.p95}× / ${x.ratio.throughput}×` : '—'} |` : ''}`,
      );
    }
  }
  for (const a of r.admissions) rows.push(`| ${readLabels.admissions} | ${a.connections} | ${lat(a)} | ${a.requestsPerSec} | ${errs(a)} |${pgsql ? ' — | — |' : ''}`);
  const steps = [...r.mixed.steps].sort((a, b) => a.connections - b.connections);
  const cap = r.mixed.capacity;
  return `## National scale ${r.scale} (${r.database}) — ${day}

Machine: ${machine()}; ${pgsql ? 'PostgreSQL server on the same machine' : 'embedded PGlite in the server process'}; one-minute load average ${r.loadAverage.before} before, ${r.loadAverage.after} after.
Raw figures: \`${file}\`. Command: \`npm run bench -- --scale ${r.scale}${pgsql ? '' : ' --pglite'}\`.

Dataset (the demo at scale ${r.scale}): ${fmt(v.persons!)} persons, ${fmt(r.heldToday)} held today, ${fmt(v.custody_episodes!)} custody episodes, ${fmt(v.facility_stays!)} facility stays,
${fmt(v.legal_status_periods!)} legal-status periods, ${fmt(v.placements!)} placements, ${fmt(v.absences!)} absences, ${fmt(v.transfers!)} transfers, ${fmt(v.movements!)} movements;
${r.dataset.sizeMiB !== null ? `${fmt(r.dataset.sizeMiB)} MiB on disk; ` : ''}built by \`custodia demo --scale ${r.scale}\` in **${r.dataset.buildSeconds} s** (builder peak ${r.dataset.buildPeakMiB ?? '?'} MiB)${r.datasetBuiltThisRun ? ' in this run' : ` on ${r.dataset.builtAt.slice(0, 10)}, reused`}.
Largest centre: ${r.centre.code}, ${fmt(r.centre.held)} people held. Server start on it: ${r.serverStartSeconds} s. **Server peak RSS ${r.serverPeakMiB ?? '?'} MiB.**

Each figure: ${r.seconds} s of autocannon at the connection count shown, exact percentiles over every response.${pgsql ? ` "SQL": the statements the endpoint sends for the same requests (credential lookup, the read, the audit entry; captured from an in-process app), replayed in order with pg (its transactions as the endpoint ran them), same concurrency; "ratio": endpoint p95 ÷ SQL p95 / endpoint throughput ÷ SQL throughput.` : ' Embedded database: absolute figures only.'}

| request | connections | latency | req/s | errors |${pgsql ? ' bare SQL | ratio (p95 / throughput) |' : ''}
|---|---|---|---|---|${pgsql ? '---|---|' : ''}
${rows.join('\n')}

Afterwards every admission sent (${fmt(r.admissionCheck.sent)}, in the admissions and mixed runs) was sent again with its Idempotency-Key:
${r.admissionCheck.ok ? `each answered 201 (${fmt(r.admissionCheck.replayed)} replayed) and each is on file exactly once` : `**MISMATCH**: ${JSON.stringify(r.admissionCheck)}`}.

Mixed workload (${mix.map(([n, w]) => `${w} % ${n}`).join(', ')}):

| connections | latency | req/s | errors |
|---|---|---|---|
${steps.map((s) => `| ${s.connections} | ${lat(s)} | ${s.requestsPerSec} | ${errs(s)} |`).join('\n')}

${capacityText(cap, steps)}`;
}

function capacityText(cap: ReturnType<typeof connectionsAt>, steps: Measured[]): string {
  if (cap.connections !== null) return `p95 ≤ ${limitMs} ms holds up to **≈ ${cap.connections} connections (${cap.requestsPerSec} req/s)**, interpolated between the steps.`;
  if (cap.bound?.startsWith('<')) return `p95 ≤ ${limitMs} ms is **not met even at ${steps[0]?.connections ?? 1} connection${steps[0]?.connections === 1 ? '' : 's'}** (p95 ${steps[0]?.p95} ms).`;
  return `p95 ≤ ${limitMs} ms holds at **every step measured, up to ${steps[steps.length - 1]?.connections} connections** (${cap.requestsPerSec} req/s).`;
}

/** The newest result per scale and database, from bench/results. */
function latestResults(): Result[] {
  const dir = path.join(root, 'bench/results');
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /-national-(postgresql|pglite)-s[\w]+\.json$/.test(f))
        .sort()
    : [];
  const byKey = new Map<string, Result>();
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Result;
    byKey.set(`${r.database}-${r.scale}`, r);
  }
  return [...byKey.values()].sort((a, b) => a.scale - b.scale);
}

/** The deployment paragraph, from the largest scale measured: what its figures say, nothing more. */
function deployment(r: Result): string {
  const cap = r.mixed.capacity;
  const steps = [...r.mixed.steps].sort((a, b) => a.connections - b.connections);
  const busy =
    r.loadAverage.before > 1.5 ? `; measured while other work loaded the machine, one-minute load average ${r.loadAverage.before}–${r.loadAverage.after}, so read these as lower bounds` : '';
  const where = `At scale ${r.scale}, one server (${(r.machine ?? machine()).split(',')[0]}, the database on the same machine${busy})`;
  if (cap.bound?.startsWith('<')) {
    return `${where} does not keep p95 ≤ ${limitMs} ms on the mixed workload even at ${steps[0]?.connections ?? 1} connection (p95 ${steps[0]?.p95} ms, ${steps[0]?.requestsPerSec} req/s): the slowest requests in the table set the limit and must be made cheaper before such a server holds a national service.`;
  }
  const rps = cap.requestsPerSec ?? 0;
  const held =
    cap.connections !== null
      ? `up to ≈ ${cap.connections} such connections, about ${rps} requests/s`
      : `at every step measured, up to ${steps[steps.length - 1]?.connections} connections (${rps} requests/s)`;
  const users10 = Math.round(rps * 10);
  const users30 = Math.round(rps * 30);
  const staff = 1431;
  return `${where} keeps p95 ≤ ${limitMs} ms on the mixed workload ${held}. A person at a desk sends far fewer: counting one
request every 10 s while working (search, open a file, page through it), that is **≈ ${fmt(users10)} people working at the same time**
(≈ ${fmt(users30)} at one request every 30 s). Panama's prison service had ${fmt(staff)} staff in all in 2016 (panama.md), only part
of them at a desk at any moment: ${users10 >= staff ? 'one such server holds every one of them at once' : users30 >= staff ? 'one such server holds all of them at once only at the slower pace, and the busy hours of the records offices at the faster one' : 'one such server holds the records offices of the country at their busy hours only if fewer than that work at once; more need a larger server or a second application process'}.
The expensive requests are the national statistics and the rolls of large centres (see the table): they are the first to
watch as the data grows.`;
}

/** What the largest scale measured says beyond Panama today: where the mixed workload stands, which requests set it, how the indexed reads moved. */
function beyond(r: Result, base: Result): string {
  const steps = [...r.mixed.steps].sort((a, b) => a.connections - b.connections);
  const cap = r.mixed.capacity;
  const holds = cap.bound?.startsWith('<')
    ? `does not keep p95 ≤ ${limitMs} ms on the mixed workload even at ${steps[0]?.connections ?? 1} connection (p95 ${steps[0]?.p95} ms)`
    : cap.connections !== null
      ? `keeps p95 ≤ ${limitMs} ms on the mixed workload up to ≈ ${cap.connections} connections (${cap.requestsPerSec} req/s)`
      : `keeps p95 ≤ ${limitMs} ms on the mixed workload at every step measured`;
  const p95 = (x: EndpointResult | undefined) => (!x ? '—' : x.endpoint.requests === 0 ? `no answer within ${x.endpoint.seconds} s` : `${fmt(x.endpoint.p95)} ms`);
  const first = (q: Result, name: ReadName) => q.reads[name]?.[0];
  const slowest = (Object.keys(r.reads) as ReadName[])
    .sort((a, b) => {
      const v = (n: ReadName) => (first(r, n)!.endpoint.requests === 0 ? Infinity : first(r, n)!.endpoint.p95);
      return v(b) - v(a);
    })
    .slice(0, 2)
    .map((name) => `${readLabels[name]} (${p95(first(r, name))})`);
  const moved = (['search', 'personFile', 'personPage'] as ReadName[]).map((name) => `${readLabels[name]} ${p95(first(base, name))} → ${p95(first(r, name))}`);
  return `At scale ${r.scale} (${fmt(r.volume.persons!)} persons, ${fmt(r.heldToday)} held, ${fmt(r.centre.held)} in ${r.centre.code}) the same server ${holds}. The requests that set it are ${slowest.join(' and ')}: each returns or scans everything a centre or the country holds, so it grows with the scale. The indexed reads, p95 at the first connection count from scale ${base.scale} to ${r.scale}: ${moved.join('; ')}.`;
}

export function writeSummary(): void {
  const all = latestResults().filter((r) => r.scale >= 1);
  const pgsql = all.filter((r) => r.database === 'postgresql');
  if (pgsql.length === 0) return;
  const at = (r: Result, name: ReadName, c: number) => r.reads[name]?.find((x) => x.endpoint.connections === c) ?? r.reads[name]?.[0];
  const c0 = 20;
  const line = (label: string, f: (r: Result) => string) => `| ${label} | ${pgsql.map(f).join(' | ')} |`;
  const readLine = (name: ReadName) =>
    line(`${readLabels[name]}, p95 at ${c0} conn. (× its SQL)`, (r) => {
      const x = at(r, name, c0);
      return !x ? '—' : x.endpoint.requests === 0 ? `no answer within ${x.endpoint.seconds} s` : `${x.endpoint.p95} ms (${x.ratio?.p95 ?? '—'}×)`;
    });
  const cap = (r: Result) => (r.mixed.capacity.connections !== null ? `≈ ${r.mixed.capacity.connections} (${r.mixed.capacity.requestsPerSec} req/s)` : `${r.mixed.capacity.bound}`);
  const table = [
    `| measure | ${pgsql.map((r) => `scale ${r.scale}`).join(' | ')} |`,
    `|---|${pgsql.map(() => '---').join('|')}|`,
    line('persons / movements', (r) => `${fmt(r.volume.persons!)} / ${fmt(r.volume.movements!)}`),
    line('people held today (largest centre)', (r) => `${fmt(r.heldToday)} (${fmt(r.centre.held)})`),
    line('dataset build (`custodia demo --scale N`)', (r) => `${r.dataset.buildSeconds} s, ${fmt(r.dataset.sizeMiB ?? 0)} MiB`),
    readLine('search'),
    readLine('personFile'),
    readLine('personPage'),
    readLine('occupancy'),
    readLine('roll'),
    line(`admissions/s at ${c0} conn. (p95)`, (r) => (r.admissions[0] ? `${r.admissions[0].requestsPerSec} (${r.admissions[0].p95} ms)` : '—')),
    line(`mixed workload: connections at p95 ≤ ${limitMs} ms`, cap),
    line('server peak RSS', (r) => `${r.serverPeakMiB ?? '?'} MiB`),
    line('measured on (load average before–after)', (r) => `${(r.date ?? '').slice(0, 10)} (${r.loadAverage.before}–${r.loadAverage.after})`),
  ];
  const largest = pgsql[pgsql.length - 1]!;
  // The deployment paragraph speaks of Panama today (scale 1); larger scales say how far it carries.
  const today = pgsql.find((r) => r.scale === 1) ?? largest;
  const pglite = all.filter((r) => r.database === 'pglite');
  writeSection(
    'national-summary',
    `## National scale: how cost grows, and what it means for a deployment

From the newest \`npm run bench -- --scale N\` result at each scale (PostgreSQL; details in the sections below; machine: ${largest.machine ?? machine()}).
The dataset grows linearly with the scale (scale 1 ≈ Panama today with ten years of history). Indexed reads (search,
the person's file and page) should barely grow — the table shows whether they do; the national occupancy scans every stay and legal-status period in force
on the date, and the roll lists every person in the centre, so both grow with what they return.

${table.join('\n')}

**What it means for a national deployment.** "Connections" are closed loops without think time: each sends its next
request the moment the previous one is answered. ${deployment(today)}${largest !== today ? `

${beyond(largest, today)}` : ''}
${pglite.length ? `\nOn the embedded database (PGlite, one connection inside the server process): ${pglite.map((r) => `scale ${r.scale}: mixed workload p95 ≤ ${limitMs} ms up to ${r.mixed.capacity.connections !== null ? `≈ ${r.mixed.capacity.connections}` : r.mixed.capacity.bound} connections, peak RSS ${r.serverPeakMiB} MiB`).join('; ')} — for one centre or a trial, not a national service.` : ''}`,
  );
}
