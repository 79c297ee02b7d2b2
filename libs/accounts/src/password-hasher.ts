import { randomBytes, scrypt as scryptCallback, ScryptOptions, timingSafeEqual } from 'node:crypto';

const COST = 15; // N = 2^15: ~32 MiB and tens of ms per hash, the OWASP floor for scrypt
const BLOCK = 8;
const PARALLEL = 1;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (e, key) => (e ? reject(e) : resolve(key))));
}

const options = (cost: number, block: number, parallel: number): ScryptOptions => ({ N: 2 ** cost, r: block, p: parallel, maxmem: 256 * 2 ** cost * block + 1024 * 1024 });

/** `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`: the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, options(COST, BLOCK, PARALLEL));
  return ['scrypt', COST, BLOCK, PARALLEL, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash of nothing, verified when the account does not exist, so both cases take as long. */
const DECOY = hashPassword(randomBytes(16).toString('hex'));

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, cost, block, parallel, salt, key] = (stored ?? (await DECOY)).split('$');
  if (scheme !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, options(Number(cost), Number(block), Number(parallel)));
  return timingSafeEqual(actual, expected) && stored !== null;
}
