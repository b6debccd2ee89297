// Second factor: TOTP (RFC 6238) with otplib, 30-second steps, one step of clock drift
// accepted either way, and a used step never accepted twice (replay).
import { generate, generateSecret, generateURI, verify } from 'otplib';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, username: string): string {
  return generateURI({ issuer: 'Custodia', label: username, secret });
}

export function totpCode(secret: string, at = Date.now()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at / 1000) });
}

/**
 * Returns the time step the code belongs to, or null when it is wrong, malformed or a replay
 * of a step at or before `lastStep`.
 */
export async function checkTotp(secret: string, code: string, lastStep: number | null, at = Date.now()): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const now = Math.floor(at / 1000);
  for (const drift of [0, -1, 1]) {
    const epoch = now + drift * 30;
    const step = Math.floor(epoch / 30);
    if (lastStep !== null && step <= lastStep) continue;
    const r = await verify({ secret, token: code, epoch });
    if (r.valid && (r as { delta?: number }).delta === 0) return step;
  }
  return null;
}
