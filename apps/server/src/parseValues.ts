/**
 * Parsers for configuration strings. Each returns the value, or a short reason why the string is
 * not one; the caller names the variable.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** setTimeout's ceiling: longer delays overflow to 1 ms in Node, so refuse them. */
export const MAX_DURATION_MS = 2_147_483_647;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/**
 * Parse a duration into milliseconds: `500ms`, `10s`, `2m`, `1h`, `1d`, `1.5s`, or a bare number
 * of milliseconds. `max` defaults to what setTimeout can wait.
 *
 * @example parseDuration('10s') // { ok: true, value: 10000 }
 */
export function parseDuration(text: string, { min = 0, max = MAX_DURATION_MS } = {}): Parsed<number> {
  const match = DURATION.exec(text.trim());
  if (!match) return { ok: false, reason: `"${text}" is not a duration (use e.g. 500ms, 10s, 2m)` };
  const ms = Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1);
  if (!Number.isInteger(ms)) return { ok: false, reason: `"${text}" is not a whole number of milliseconds` };
  if (ms < min) return { ok: false, reason: `"${text}" is shorter than ${formatDuration(min)}` };
  if (ms > max) return { ok: false, reason: `"${text}" is longer than ${formatDuration(max)}` };
  return { ok: true, value: ms };
}

/** A duration in the largest unit that states it exactly: `30d`, `90s`, `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Parse a decimal integer in `[min, max]`, digits only (no sign, unit, exponent or spaces inside). */
export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `"${text}" is not a whole number` };
  if (value < min || value > max) {
    return { ok: false, reason: `${value} is out of range (${min}..${max})` };
  }
  return { ok: true, value };
}

/** Parse one of a fixed set of words. */
export function parseChoice<const T extends string>(text: string, choices: readonly T[]): Parsed<T> {
  const value = text.trim() as T;
  if (choices.includes(value)) return { ok: true, value };
  return { ok: false, reason: `"${text}" is not one of ${choices.join(', ')}` };
}

/** Parse an on/off switch: `1`/`0`, also `true`/`false`, `yes`/`no`, `on`/`off`. */
export function parseFlag(text: string): Parsed<boolean> {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return { ok: true, value: true };
  if (['0', 'false', 'no', 'off'].includes(value)) return { ok: true, value: false };
  return { ok: false, reason: `"${text}" is not 0 or 1` };
}

/** Parse a comma-separated list, each item with `item`; empty items are skipped. */
export function parseList<T>(text: string, item: (text: string) => Parsed<T>): Parsed<T[]> {
  const values: T[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const parsed = item(part.trim());
    if (!parsed.ok) return parsed;
    values.push(parsed.value);
  }
  return { ok: true, value: values };
}

/** Parse an absolute `http:` or `https:` URL (the bridge's endpoints). */
export function parseHttpUrl(text: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: `"${text}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `"${text}" is not an http: or https: URL` };
  }
  return { ok: true, value: url.href };
}

/**
 * Parse a browser origin as the Origin header carries it: `scheme://host[:port]`, without path or
 * trailing slash (anything else would never match a request).
 */
export function parseOrigin(text: string): Parsed<string> {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || url.origin === 'null' || url.origin !== text) {
    return { ok: false, reason: `"${text}" is not an origin like https://app.example.com` };
  }
  return { ok: true, value: text };
}

/** An IPv4 CIDR range as numbers. */
export interface Ipv4Network {
  cidr: string;
  /** Network address as an unsigned 32-bit number. */
  base: number;
  /** Number of addresses. */
  size: number;
}

/**
 * Parse an IPv4 network in CIDR notation, `maxPrefix` bits long at most, whose address is the
 * network's first (host bits zero), so a typo does not silently move the range.
 */
export function parseNetwork(text: string, maxPrefix: number): Parsed<Ipv4Network> {
  const cidr = text.trim();
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 32) {
    return { ok: false, reason: `"${text}" is not an IPv4 network like 10.0.0.0/9` };
  }
  if (prefix > maxPrefix) return { ok: false, reason: `"${text}" is smaller than a /${maxPrefix}` };
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    return { ok: false, reason: `"${text}" has host bits set (the network address is the range's first)` };
  }
  return { ok: true, value: { cidr, base: address, size } };
}

/** Secrets shorter than this are refused: they could be guessed. */
export const MIN_SECRET_LENGTH = 16;

/** Parse a shared secret or token: printable, no spaces, at least {@link MIN_SECRET_LENGTH} long. */
export function parseSecret(text: string): Parsed<string> {
  const value = text.trim();
  if (!/^[\x21-\x7e]+$/.test(value)) return { ok: false, reason: 'must be printable ASCII without spaces' };
  if (value.length < MIN_SECRET_LENGTH) {
    return { ok: false, reason: `must be at least ${MIN_SECRET_LENGTH} characters (try: openssl rand -hex 32)` };
  }
  return { ok: true, value };
}

/** Parse an HTTP header name (a token), lower-cased. */
export function parseHeaderName(text: string): Parsed<string> {
  const value = text.trim().toLowerCase();
  if (/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(value)) return { ok: true, value };
  return { ok: false, reason: `"${text}" is not a header name` };
}
