// Load generation for the national benchmark: autocannon with exact percentiles (every
// response's latency is kept, instead of autocannon's coarse p97.5 / p99 buckets), a closed loop
// that replays captured SQL on pg connections, and a sampler of a process's memory.
import fs from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { percentile } from './lib.ts';

export interface Measured {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses outside 2xx. */
  non2xx: number;
  statusCodes: Record<string, number>;
}

export function summarize(latencies: number[], seconds: number, connections: number, extra: { errors?: number; non2xx?: number; statusCodes?: Record<string, number> } = {}): Measured {
  const r = (p: number) => (latencies.length ? Math.round(percentile(latencies, p) * 10) / 10 : NaN);
  return {
    connections,
    seconds,
    requests: latencies.length,
    requestsPerSec: Math.round((latencies.length / seconds) * 10) / 10,
    p50: r(50),
    p95: r(95),
    p99: r(99),
    max: latencies.length ? Math.round(Math.max(...latencies)) : NaN,
    errors: extra.errors ?? 0,
    non2xx: extra.non2xx ?? 0,
    statusCodes: extra.statusCodes ?? {},
  };
}

export interface Shot {
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * Runs autocannon for `seconds` at `connections`, each request made by `next()` (its path,
 * method, body, extra headers). Latencies of every response are kept for exact percentiles.
 */
export async function cannon(url: string, opts: { connections: number; seconds: number; headers: Record<string, string>; next: () => Shot; timeoutSeconds?: number }): Promise<Measured> {
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  let non2xx = 0;
  const instance = autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: opts.timeoutSeconds ?? 30,
    headers: opts.headers,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const s = opts.next();
          return { ...req, method: s.method ?? 'GET', path: s.path, ...(s.body !== undefined ? { body: s.body } : {}), headers: { ...(req.headers as Record<string, string>), ...(s.headers ?? {}) } };
        },
      },
    ],
  } as never) as unknown as import('node:events').EventEmitter & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    codes[statusCode] = (codes[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode > 299) non2xx++;
  });
  const result = await instance;
  return summarize(latencies, opts.seconds, opts.connections, { errors: result.errors + result.timeouts, non2xx, statusCodes: codes });
}

/** A statement as the server sent it (captured from Kysely's log). */
export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

const control = /^\s*(begin|commit|rollback|start transaction)\b/i;

/**
 * `clients` pg connections, each in a closed loop for `seconds`, replaying the statements of
 * one captured request in order — its transaction boundaries included (Kysely logs begin and
 * commit too); statements the request ran outside a transaction run alone, as they did.
 * Latency = the whole sequence, as a client sees it.
 */
export async function replay(databaseUrl: string, requests: Statement[][], opts: { clients: number; seconds: number }): Promise<Measured> {
  // The server's session settings (src/platform/db/connection.ts: JIT off), so that SQL and endpoint compare like with like.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.clients, application_name: 'custodia-bench-sql', options: '-c jit=off' });
  pool.on('error', () => undefined);
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  // Open every connection first: connection set-up is not part of a statement's cost.
  const clients = await Promise.all(Array.from({ length: opts.clients }, () => pool.connect()));
  const end = performance.now() + opts.seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const stmts = requests[i++ % requests.length]!;
        const t0 = performance.now();
        try {
          for (const s of stmts) await (control.test(s.sql) ? c.query(s.sql) : c.query(s.sql, s.parameters as unknown[]));
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
          await c.query('ROLLBACK').catch(() => undefined);
        }
      }
    }),
  );
  for (const c of clients) c.release();
  await pool.end();
  return summarize(latencies, opts.seconds, opts.clients, { errors });
}

/** Samples a process's resident memory (VmRSS) and its peak (VmHWM) from /proc, in MiB. */
export function memorySampler(pid: number, everyMs = 250): { peakMiB(): number | null; currentMiB(): number | null; stop(): void } {
  const file = `/proc/${pid}/status`;
  let peak: number | null = null;
  let current: number | null = null;
  const read = () => {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const rss = /VmRSS:\s+(\d+)/.exec(text)?.[1];
      const hwm = /VmHWM:\s+(\d+)/.exec(text)?.[1];
      if (rss) current = Math.round(Number(rss) / 1024);
      const p = hwm ? Math.round(Number(hwm) / 1024) : current;
      if (p !== null && (peak === null || p > peak)) peak = p;
    } catch {
      /* the process has exited, or this is not Linux */
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  timer.unref();
  return {
    peakMiB: () => (read(), peak),
    currentMiB: () => (read(), current),
    stop: () => clearInterval(timer),
  };
}

/**
 * The number of connections at which p95 reaches `limitMs`, interpolated linearly between the
 * measured steps; null with a bound when every step is above or below it.
 */
export function connectionsAt(
  steps: { connections: number; p95: number; requestsPerSec: number }[],
  limitMs: number,
): { connections: number | null; requestsPerSec: number | null; bound: string | null } {
  const s = [...steps].sort((a, b) => a.connections - b.connections);
  if (s.length === 0) return { connections: null, requestsPerSec: null, bound: null };
  // A step without answers (p95 NaN, null once saved) counts as over the limit.
  const under = (x: { p95: number | null }) => x.p95 !== null && x.p95 <= limitMs;
  if (!under(s[0]!)) return { connections: null, requestsPerSec: null, bound: `< ${s[0]!.connections}` };
  for (let k = 1; k < s.length; k++) {
    const a = s[k - 1]!;
    const b = s[k]!;
    if (under(a) && !under(b)) {
      if (!Number.isFinite(b.p95)) return { connections: a.connections, requestsPerSec: a.requestsPerSec, bound: null };
      const f = (limitMs - a.p95) / (b.p95 - a.p95);
      return { connections: Math.round(a.connections + f * (b.connections - a.connections)), requestsPerSec: Math.round(a.requestsPerSec + f * (b.requestsPerSec - a.requestsPerSec)), bound: null };
    }
  }
  const last = s[s.length - 1]!;
  return { connections: null, requestsPerSec: last.requestsPerSec, bound: `≥ ${last.connections}` };
}
