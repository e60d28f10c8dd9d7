import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
// scrypt's defaults (N=16384, r=8, p=1): ~50 ms per hash here, slow enough to make guessing
// expensive, cheap enough for a join.
const hash = (password: string, salt: Buffer) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** A room password as it is stored: salt and scrypt key, never the password itself. */
export interface PasswordHash {
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, key: await hash(password, salt) };
}

/** Compare in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  return timingSafeEqual(await hash(password, stored.salt), stored.key);
}
