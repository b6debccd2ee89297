// The secret behind the audit chain (and the encryption of second-factor secrets). It never
// lives in the database: CUSTODIA_AUDIT_KEY, or else a key file beside the data directory,
// created on first use with owner-only permissions.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Keys {
  /** HMAC key of the audit chain. */
  audit: Buffer;
  /** AES-256-GCM key for secrets stored in the database (TOTP seeds). */
  secrets: Buffer;
  source: 'environment' | 'file';
}

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), `custodia ${purpose}`, 32));
}

export function loadKeys(opts: { auditKey: string | undefined; auditKeyFile: string }): Keys {
  let master: Buffer;
  let source: Keys['source'];
  if (opts.auditKey) {
    if (opts.auditKey.length < 32) throw new Error('CUSTODIA_AUDIT_KEY must be at least 32 characters long');
    master = Buffer.from(opts.auditKey, 'utf8');
    source = 'environment';
  } else {
    if (!fs.existsSync(opts.auditKeyFile)) {
      fs.mkdirSync(path.dirname(opts.auditKeyFile), { recursive: true });
      // 'wx' fails if another process created it meanwhile; then we read theirs.
      try {
        fs.writeFileSync(opts.auditKeyFile, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const mode = fs.statSync(opts.auditKeyFile).mode & 0o077;
    if (mode !== 0) throw new Error(`audit key file ${opts.auditKeyFile} must be readable by its owner only (chmod 600)`);
    master = Buffer.from(fs.readFileSync(opts.auditKeyFile, 'utf8').trim(), 'utf8');
    source = 'file';
  }
  return { audit: derive(master, 'audit chain'), secrets: derive(master, 'stored secrets'), source };
}

export function encryptSecret(keys: Keys, plain: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys.secrets, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(keys: Keys, stored: string): string {
  const [v, iv, tag, body] = stored.split('.');
  if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognized secret format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys.secrets, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
