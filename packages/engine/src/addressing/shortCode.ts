import { randomInt } from 'node:crypto';

/**
 * Characters of short codes: upper-case letters and digits without the pairs people confuse
 * when reading aloud or copying (0/O, 1/I/L, 2/Z, 5/S, 8/B).
 */
export const SHORT_CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
export const SHORT_CODE_LENGTH = 6;

export function randomShortCode(): string {
  let code = '';
  for (let i = 0; i < SHORT_CODE_LENGTH; i++) code += SHORT_CODE_ALPHABET[randomInt(SHORT_CODE_ALPHABET.length)];
  return code;
}

/** Codes are read case-insensitively. */
export function normaliseShortCode(text: string): string {
  return text.trim().toUpperCase();
}
