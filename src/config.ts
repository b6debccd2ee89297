// Environment → typed settings, validated once at start. Every command (server or CLI)
// reads the same settings so they always open the same database with the same keys.
import path from 'node:path';

export interface Settings {
  port: number;
  host: string;
  /** Embedded database directory (PGlite), used when databaseUrl is unset. */
  dataDir: string;
  databaseUrl: string | undefined;
  demo: boolean;
  demoScale: number;
  /** Secret material for the audit HMAC chain and for encrypting second-factor secrets. */
  auditKey: string | undefined;
  auditKeyFile: string;
  auditCheckpointFile: string;
  timeZone: string;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** Failed sign-ins before a temporary lock, and how long the lock lasts. */
  loginLockThreshold: number;
  loginLockMinutes: number;
  /** Per-address rate limits (requests per minute) on sign-in and token creation. */
  loginRateLimitPerMinute: number;
  tokenRateLimitPerMinute: number;
  /** Argon2id cost; tests lower it so that hundreds of sign-ins stay fast. */
  argon2MemoryKiB: number;
  argon2Passes: number;
  logLevel: string;
  trustProxy: boolean;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  return raw === '1' || raw === 'true' || raw === 'yes';
}

function validTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new Error(`CUSTODIA_TIMEZONE "${tz}" is not a valid IANA time zone`);
  }
  return tz;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const databaseUrl = env.DATABASE_URL || undefined;
  const dataDir = path.resolve(env.CUSTODIA_DATA_DIR || './data');
  // Keys and checkpoints live beside the data directory (never inside the database, never in
  // a backup of it); on a server database, beside the working directory unless configured.
  const base = databaseUrl ? path.resolve('custodia') : dataDir;
  const scaleRaw = env.CUSTODIA_DEMO_SCALE;
  const demoScale = scaleRaw ? Number(scaleRaw) : 1;
  if (!(demoScale > 0 && demoScale <= 100)) throw new Error('CUSTODIA_DEMO_SCALE must be a number in (0, 100]');
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl,
    demo: databaseUrl ? flag(env, 'CUSTODIA_DEMO') : env.CUSTODIA_DEMO === undefined || flag(env, 'CUSTODIA_DEMO'),
    demoScale,
    auditKey: env.CUSTODIA_AUDIT_KEY || undefined,
    auditKeyFile: path.resolve(env.CUSTODIA_AUDIT_KEY_FILE || `${base}.audit-key`),
    auditCheckpointFile: path.resolve(env.CUSTODIA_AUDIT_CHECKPOINT || `${base}.audit-checkpoint.json`),
    timeZone: validTimeZone(env.CUSTODIA_TIMEZONE || 'America/Panama'),
    sessionIdleMinutes: int(env, 'CUSTODIA_SESSION_IDLE_MINUTES', 30, 1),
    sessionAbsoluteHours: int(env, 'CUSTODIA_SESSION_ABSOLUTE_HOURS', 12, 1),
    loginLockThreshold: int(env, 'CUSTODIA_LOGIN_LOCK_THRESHOLD', 5, 1),
    loginLockMinutes: int(env, 'CUSTODIA_LOGIN_LOCK_MINUTES', 15, 1),
    loginRateLimitPerMinute: int(env, 'CUSTODIA_LOGIN_RATE_LIMIT', 20, 1),
    tokenRateLimitPerMinute: int(env, 'CUSTODIA_TOKEN_RATE_LIMIT', 10, 1),
    argon2MemoryKiB: int(env, 'CUSTODIA_ARGON2_MEMORY_KIB', 19456, 8),
    argon2Passes: int(env, 'CUSTODIA_ARGON2_PASSES', 2, 1),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: flag(env, 'CUSTODIA_TRUST_PROXY'),
  };
}
