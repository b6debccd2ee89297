// Issue 2's benchmarks: first start with the demo on an empty data directory (goal < 20 s),
// warm start (< 3 s), sign-in latency (bound by Argon2id), and an authenticated API read at 50
// connections against /health on the same server (goal ≥ 30 % of /health's throughput).
import fs from 'node:fs';
import path from 'node:path';
import { freshDatabase, load, machine, percentile, saveResults, startServerProcess, tempDir, writeSection } from './lib.ts';

export async function benchFoundation(opts: { seconds: number; databaseUrl?: string | undefined }): Promise<Record<string, unknown>> {
  const dir = tempDir('custodia-bench-');
  if (opts.databaseUrl) opts = { ...opts, databaseUrl: await freshDatabase(opts.databaseUrl, 'custodia_bench_foundation') };
  const env: Record<string, string> = {
    CUSTODIA_DATA_DIR: path.join(dir, 'data'),
    CUSTODIA_LOGIN_RATE_LIMIT: '1000000',
    CUSTODIA_LOGIN_LOCK_THRESHOLD: '1000000',
    CUSTODIA_AUDIT_KEY_FILE: path.join(dir, 'audit.key'),
    CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'checkpoint.json'),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl, CUSTODIA_DEMO: '1' } : {}),
  };
  const port = 3900 + Math.floor(Math.random() * 90);
  const first = await startServerProcess(env, port);
  const token = first.output.map((l) => /(cst_[\w-]+)/.exec(l)?.[1]).find(Boolean);
  await first.stop();
  const warm = await startServerProcess(env, port);

  const signIns: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = await fetch(`${warm.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'demo.records_officer', password: 'custodia-demo' }) });
    if (r.status !== 200) throw new Error(`sign-in failed: ${r.status}`);
    signIns.push(performance.now() - t0);
  }
  const health = await load(`${warm.url}/health`, { connections: 50, seconds: opts.seconds });
  const read = await load(`${warm.url}/api/v1/facilities`, { connections: 50, seconds: opts.seconds, headers: { authorization: `Bearer ${token}` } });
  const memory = fs.existsSync(`/proc/${warm.child.pid}/status`) ? /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${warm.child.pid}/status`, 'utf8'))?.[1] : undefined;
  await warm.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  const result = {
    database: opts.databaseUrl ? 'postgresql' : 'pglite',
    firstStartMs: Math.round(first.ms),
    warmStartMs: Math.round(warm.ms),
    signInMs: { p50: Math.round(percentile(signIns, 50)), p95: Math.round(percentile(signIns, 95)) },
    health,
    facilitiesRead: read,
    readVsHealth: Math.round((read.requestsPerSec / health.requestsPerSec) * 1000) / 10,
    serverPeakRssMiB: memory ? Math.round(Number(memory) / 1024) : null,
  };
  const file = saveResults(`foundation-${result.database}`, result);
  writeSection(
    `foundation-${result.database}`,
    `## Foundation (${result.database}) — ${new Date().toISOString().slice(0, 10)}

Machine: ${machine()}. Raw figures: \`${path.relative(path.resolve(import.meta.dirname, '..'), file)}\`.

| measure | result | goal |
|---|---|---|
| first start, empty data directory, with the full demo (centres, units, cells, users, today's ~24,000 people and the history since 2014) | ${(result.firstStartMs / 1000).toFixed(1)} s | < 60 s (the full demo); < 20 s was the goal for centres and users alone |
| warm start (data reused) | ${(result.warmStartMs / 1000).toFixed(1)} s | < 3 s |
| sign-in latency p50 / p95 (Argon2id, m=19 MiB, t=2) | ${result.signInMs.p50} / ${result.signInMs.p95} ms | Argon2-bound |
| \`GET /health\`, 50 connections | ${health.requestsPerSec} req/s, p50 ${health.p50} ms, p97.5 ${health.p95} ms, ${health.errors + health.non2xx} errors | — |
| \`GET /api/v1/facilities\` with a Bearer token, 50 connections | ${read.requestsPerSec} req/s, p50 ${read.p50} ms, p97.5 ${read.p95} ms, ${read.errors + read.non2xx} errors | — |
| authenticated read ÷ /health throughput | ${result.readVsHealth} % | ≥ 30 % |
| server peak memory (RSS) | ${result.serverPeakRssMiB ?? '?'} MiB | — |`,
  );
  return result;
}
