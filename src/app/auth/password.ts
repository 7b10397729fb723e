import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TenureError } from '../errors.ts';

/**
 * Passwords hashed with scrypt (memory-hard; node:crypto): N = 2^15, r = 8, p = 1 costs 32 MiB
 * and tens of milliseconds a guess. The parameters are read back from each stored hash, so
 * raising them later keeps old hashes verifiable; a stored hash weaker than the floor never
 * matches. Stored as `scrypt$N$r$p$salt$hash` (salt 16 bytes, hash 32 bytes, base64url).
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Lowest parameters a stored hash may carry: a weaker one is refused, not trusted. */
const MIN_N = 2 ** 15;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new password must be long enough (length beats composition rules) and not absurdly long. */
export function checkNewPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new TenureError('USAGE', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw new TenureError('USAGE', `the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Parameters and salt of a stored hash; null for anything not in the format (or weaker than the floor). */
export function parseHash(stored: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < MIN_N || (N & (N - 1)) !== 0 || r < 8 || p < 1 || N > 2 ** 20 || r > 32 || p > 16) return null;
  const key = Buffer.from(m[5] as string, 'base64url');
  if (key.length !== KEY_BYTES) return null;
  return { N, r, p, salt: Buffer.from(m[4] as string, 'base64url'), key };
}

/** A hash no password matches, verified when the user does not exist so that timing tells nothing. */
const DUMMY = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$${Buffer.alloc(SALT_BYTES).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = parseHash(stored ?? DUMMY) ?? parseHash(DUMMY);
  if (!parsed || [...password].length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed);
  return timingSafeEqual(key, parsed.key) && stored !== null;
}
