// Passwords: Argon2id from node:crypto (PHC string format), and the policy of NIST SP 800-63B:
// length 12–128, not a commonly used password, no forced rotation.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const argon2 = promisify(crypto.argon2);
const dumbPasswords = createRequire(import.meta.url)('dumb-passwords') as { check(pw: string): boolean };

export const passwordMinLength = 12;
export const passwordMaxLength = 128;

export interface Argon2Cost {
  memoryKiB: number;
  passes: number;
}

export async function hashPassword(password: string, cost: Argon2Cost): Promise<string> {
  const nonce = crypto.randomBytes(16);
  const tag = await argon2('argon2id', { message: password, nonce, parallelism: 1, tagLength: 32, memory: cost.memoryKiB, passes: cost.passes });
  return `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.passes},p=1$${nonce.toString('base64url')}$${Buffer.from(tag).toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const tag = await argon2('argon2id', {
    message: password,
    nonce: Buffer.from(m[4]!, 'base64url'),
    parallelism: Number(m[3]),
    tagLength: expected.length,
    memory: Number(m[1]),
    passes: Number(m[2]),
  });
  return crypto.timingSafeEqual(Buffer.from(tag), expected);
}

/** A hash to compare against when the user does not exist, so both paths take the same time. */
let decoy: Promise<string> | undefined;
export function decoyHash(cost: Argon2Cost): Promise<string> {
  decoy ??= hashPassword(crypto.randomBytes(16).toString('hex'), cost);
  return decoy;
}

/** Returns the catalogue key of the first rule the password breaks, or null. */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < passwordMinLength) return 'auth.password.tooShort';
  if (password.length > passwordMaxLength) return 'auth.password.tooLong';
  const lower = password.toLowerCase();
  if (/^(.)\1+$/.test(password)) return 'auth.password.common';
  // A common password padded with digits or symbols is still a common password.
  const core = lower.replace(/[\d\W_]+$/u, '');
  if (dumbPasswords.check(lower) || (core.length >= 6 && dumbPasswords.check(core))) return 'auth.password.common';
  if (/^(0123456789|1234567890|qwertyuiop|asdfghjkl)/.test(lower)) return 'auth.password.common';
  if (username && lower.includes(username.toLowerCase())) return 'auth.password.containsUsername';
  return null;
}
