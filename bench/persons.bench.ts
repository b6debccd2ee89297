// Issue 4's benchmarks: search at 20 concurrent clients compared in the same run with the bare
// SQL the endpoint executes (PostgreSQL; goals p95 ≤ 50 ms and within 1.5× of the SQL), the
// person page, admissions per second, and the demo's seeding time. On PGlite: absolute figures.
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import autocannon from 'autocannon';
import type { Database } from '../src/platform/db/schema.ts';
import { searchPersons, setNameThreshold } from '../src/modules/persons/repository.ts';
import { searchModeOf } from '../src/modules/persons/service.ts';
import { personScopeSql } from '../src/modules/persons/scope.ts';
import { createApiToken } from '../src/platform/auth/tokens.ts';
import { freshDatabase, load, machine, percentile, saveResults, startServerProcess, tempDir, writeSection, type LoadResult } from './lib.ts';

function misspell(s: string, i: number): string {
  if (s.length < 5) return s;
  const k = 1 + (i % (s.length - 2));
  return s.slice(0, k) + s.slice(k + 1);
}

async function loadCycling(url: string, paths: string[], headers: Record<string, string>, seconds: number, connections: number): Promise<LoadResult> {
  let i = 0;
  const r = await autocannon({ url, connections, duration: seconds, headers, requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[i++ % paths.length] }) }] } as never);
  return { requestsPerSec: Math.round(r.requests.average), p50: r.latency.p50, p95: (r.latency as unknown as Record<string, number>).p97_5 ?? r.latency.p90, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/** The search SQL alone, as the endpoint runs it (same transaction shape), from 20 clients. */
async function bareSearch(db: Kysely<Database>, queries: string[], seconds: number, clients: number) {
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        const q = queries[i++ % queries.length]!;
        const t0 = performance.now();
        await db.transaction().execute(async (trx) => {
          await setNameThreshold(trx);
          await searchPersons(trx, personScopeSql({ facilities: null }), searchModeOf(q), {}, 20, new Date());
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { requestsPerSec: Math.round(latencies.length / seconds), p50: Math.round(percentile(latencies, 50) * 10) / 10, p95: Math.round(percentile(latencies, 95) * 10) / 10, p99: Math.round(percentile(latencies, 99) * 10) / 10 };
}

export async function benchPersons(opts: { seconds: number; postgres: boolean; baseUrl?: string }): Promise<Record<string, unknown>> {
  const dir = tempDir('custodia-bench-persons-');
  const base = opts.baseUrl ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databaseUrl = opts.postgres ? await freshDatabase(base, 'custodia_bench_persons') : undefined;
  const env: Record<string, string> = {
    CUSTODIA_DATA_DIR: path.join(dir, 'data'),
    CUSTODIA_AUDIT_KEY_FILE: path.join(dir, 'audit.key'),
    CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'checkpoint.json'),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, CUSTODIA_DEMO: '1' } : {}),
  };
  const server = await startServerProcess(env, 3950 + Math.floor(Math.random() * 40));
  const seedMs = Math.round(server.ms);
  const token = server.output.map((l) => /(cst_[\w-]+)/.exec(l)?.[1]).find(Boolean)!;
  const headers = { authorization: `Bearer ${token}` };

  // Queries people type: "surname given", a misspelling, a cédula, a prisoner number.
  const sample = (await (await fetch(`${server.url}/api/v1/persons?limit=200`, { headers })).json()) as { items: { id: string; prisonerNumber: string; givenNames: string; firstSurname: string }[] };
  const queries = sample.items.flatMap((p, i) => [`${p.firstSurname} ${p.givenNames.split(' ')[0]}`, misspell(`${p.givenNames.split(' ')[0]} ${p.firstSurname}`, i), p.prisonerNumber]);
  const searchPaths = queries.map((q) => `/api/v1/persons?q=${encodeURIComponent(q)}&limit=20`);
  const personPaths = sample.items.map((p) => `/api/v1/persons/${p.id}`);

  const search = await loadCycling(server.url, searchPaths, headers, opts.seconds, 20);
  const personPage = await loadCycling(server.url, personPaths, headers, opts.seconds, 20);
  const health = await load(`${server.url}/health`, { connections: 20, seconds: Math.min(5, opts.seconds) });
  let bare: Awaited<ReturnType<typeof bareSearch>> | null = null;
  if (databaseUrl) {
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 20 }) }) });
    bare = await bareSearch(db, queries, opts.seconds, 20);
    // Admissions per second: verified orders prepared directly, then real admissions via the API.
    const users = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['demo.records_officer', 'demo.legal']).execute();
    const officer = users.find((u) => u.username === 'demo.records_officer')!.id;
    const legal = users.find((u) => u.username === 'demo.legal')!.id;
    const orders = await db
      .insertInto('judicial_orders')
      .values(Array.from({ length: 3000 }, (_, i) => ({ kind: 'commitment' as const, authority_kind: 'court' as const, issuing_authority: 'Juzgado de Garantías', case_number: `BENCH-${i}`, order_date: '2026-11-01', subject_name: `Bench ${i}`, facility_code: 'PA-NLJ', legal_status: 'pretrial' as const, registered_by: officer, status: 'verified' as const, verified_by: legal, verified_at: new Date(), verification_method: 'telephone' })))
      .returning('id')
      .execute();
    const { token: officerToken } = await createApiToken(db, { userId: officer, label: 'bench', createdBy: null });
    let n = 0;
    const admittedAt = new Date(Date.now() - 3600_000).toISOString();
    const arrestAt = new Date(Date.now() - 7200_000).toISOString();
    const r = await autocannon({
      url: `${server.url}/api/v1/admissions`,
      connections: 10,
      amount: orders.length,
      method: 'POST',
      headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req: Record<string, unknown>) => { const i = n++; return { ...req, body: JSON.stringify({ facilityCode: 'PA-NLJ', orderId: orders[i]!.id, arrest: { at: arrestAt, place: 'Pacora' }, admittedAt, person: { givenNames: 'Prueba', firstSurname: `Carga${i}`, sex: 'male', dateOfBirth: '1990-01-01', nationality: 'PA' } }) }; } }],
    } as never);
    (bare as Record<string, unknown>).admissions = { perSecond: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, total: orders.length };
    await db.destroy();
  }
  await server.stop();

  const kind = databaseUrl ? 'postgresql' : 'pglite';
  const persons = sample.items.length;
  const result = { database: kind, seedMs, search, bareSearch: bare, personPage, health, ratio: bare ? Math.round((search.p95 / Math.max(bare.p95, 0.1)) * 100) / 100 : null, sampledPersons: persons };
  const file = saveResults(`persons-${kind}`, result);
  const adm = (bare as unknown as { admissions?: { perSecond: number; p50: number; p99: number; non2xx: number } } | null)?.admissions;
  writeSection(
    `persons-${kind}`,
    `## The prisoner file (${kind}) — ${new Date().toISOString().slice(0, 10)}

Machine: ${machine()}. Demo at scale 1: today's ~24,000 people held and the history since 2014 (≈150,000 persons searched). Raw figures: \`bench/results/${path.basename(file)}\`.

| measure | result | goal |
|---|---|---|
| first start with the demo (migrations + seeding) | ${(seedMs / 1000).toFixed(1)} s | — |
| \`GET /api/v1/persons?q=…\` (names, misspellings, prisoner numbers), 20 clients | ${search.requestsPerSec} req/s, p50 ${search.p50} ms, p97.5 ${search.p95} ms, p99 ${search.p99} ms, ${search.errors + search.non2xx} errors | p95 ≤ 50 ms |
${bare ? `| the same searches as bare SQL (repository, same transaction), 20 clients | ${bare.requestsPerSec} q/s, p50 ${bare.p50} ms, p95 ${bare.p95} ms, p99 ${bare.p99} ms | — |
| endpoint p97.5 ÷ SQL p95 | ${result.ratio}× | ≤ 1.5× |
` : ''}| \`GET /api/v1/persons/:id\` (audited read), 20 clients | ${personPage.requestsPerSec} req/s, p50 ${personPage.p50} ms, p97.5 ${personPage.p95} ms, ${personPage.errors + personPage.non2xx} errors | — |
${adm ? `| \`POST /api/v1/admissions\` (new person, verified order), 10 clients | ${adm.perSecond} admissions/s, p50 ${adm.p50} ms, p99 ${adm.p99} ms, ${adm.non2xx} non-2xx | — |
` : ''}`,
  );
  return result;
}
