import type { MediaOptions } from '@mwse/engine';
import { ConfigError } from './ConfigError.js';
import { parseChoice, parseDuration, parseList, parseSecret, type Parsed } from './parseValues.js';
import type { ReadVariable } from './readVariable.js';

/** Broadcast rooms' media server (docs/broadcast.md). */
export interface MediaConfig {
  /** Undefined with `MWSE_MEDIA=none` (the default): broadcast calls fail `media-unavailable`. */
  media: MediaOptions | undefined;
}

/** Backends `MWSE_MEDIA` names. `stub` moves no media (signalling tests and benchmarks). */
export const MEDIA_BACKENDS = ['none', 'janus', 'whip', 'srs', 'stub'] as const;

interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Read {@link MediaConfig}: `MWSE_MEDIA`, `MWSE_MEDIA_URL`, `MWSE_MEDIA_WHEP_URL`,
 * `MWSE_MEDIA_SECRET`, `MWSE_MEDIA_TIMEOUT`, `MWSE_ICE_SERVERS`, `MWSE_TURN_SECRET`,
 * `MWSE_TURN_URLS`, `MWSE_TURN_TTL`; for WHIP also `MWSE_MEDIA_HEALTH_URL`, for SRS
 * `MWSE_MEDIA_SRS_APP`, `MWSE_MEDIA_HLS_URL`, `MWSE_MEDIA_FLV_URL`. Throws a `ConfigError` naming the variable.
 */
export function readMedia(read: ReadVariable): MediaConfig {
  const kind = read('MWSE_MEDIA', 'none', (text) => parseChoice(text.trim().toLowerCase(), MEDIA_BACKENDS));
  const url = read<string | undefined>('MWSE_MEDIA_URL', undefined, parseMediaUrl);
  const whepUrl = read<string | undefined>('MWSE_MEDIA_WHEP_URL', undefined, parseWhepTemplate);
  const secret = read<string | undefined>('MWSE_MEDIA_SECRET', undefined, parseSecret);
  const timeout = read('MWSE_MEDIA_TIMEOUT', 5000, (text) => parseDuration(text, { min: 1, max: 120_000 }));
  const iceServers = read<IceServerConfig[]>('MWSE_ICE_SERVERS', [], parseIceServers);
  const turnSecret = read<string | undefined>('MWSE_TURN_SECRET', undefined, parseSecret);
  const turnUrls = read<string[]>('MWSE_TURN_URLS', [], (text) => parseList(text, parseIceUrl));
  const healthUrl = read<string | undefined>('MWSE_MEDIA_HEALTH_URL', undefined, parseMediaUrl);
  const srsApp = read<string | undefined>('MWSE_MEDIA_SRS_APP', undefined, parseSrsApp);
  const hlsUrl = read<string | undefined>('MWSE_MEDIA_HLS_URL', undefined, parseSrsTemplate);
  const flvUrl = read<string | undefined>('MWSE_MEDIA_FLV_URL', undefined, parseSrsTemplate);
  const turnTtl = read('MWSE_TURN_TTL', 3_600_000, (text) => parseDuration(text, { min: 60_000, max: 7 * 24 * 3_600_000 }));
  if (turnSecret && turnUrls.length === 0) throw new ConfigError('MWSE_TURN_URLS', 'is required with MWSE_TURN_SECRET (for example turn:turn.example.com:3478)');
  if (!turnSecret && turnUrls.length > 0) throw new ConfigError('MWSE_TURN_SECRET', 'is required with MWSE_TURN_URLS (coturn static-auth-secret)');
  if (kind === 'none') return { media: undefined };
  if (kind !== 'stub' && !url) {
    const example = kind === 'janus' ? 'ws://127.0.0.1:8188' : 'http://127.0.0.1:1985/rtc/v1/whip/';
    throw new ConfigError('MWSE_MEDIA_URL', `is required with MWSE_MEDIA=${kind} (for example ${example})`);
  }
  if (kind === 'janus' && url && !/^wss?:/.test(url)) throw new ConfigError('MWSE_MEDIA_URL', `Janus is reached over ws:// or wss://, not "${url}"`);
  if (kind !== 'janus' && kind !== 'stub' && url && !/^https?:/.test(url)) throw new ConfigError('MWSE_MEDIA_URL', `${kind} is reached over http:// or https://, not "${url}"`);
  const options: Record<string, unknown> = {};
  if (url) options.url = url;
  if (whepUrl) options.whepUrl = whepUrl;
  if (secret) options[kind === 'janus' ? 'adminKey' : 'token'] = secret;
  if (healthUrl) {
    if (kind !== 'whip') throw new ConfigError('MWSE_MEDIA_HEALTH_URL', 'applies to MWSE_MEDIA=whip only');
    options.healthUrl = healthUrl;
  }
  for (const [name, key, value] of [
    ['MWSE_MEDIA_SRS_APP', 'app', srsApp],
    ['MWSE_MEDIA_HLS_URL', 'hlsUrl', hlsUrl],
    ['MWSE_MEDIA_FLV_URL', 'flvUrl', flvUrl],
  ] as const) {
    if (value === undefined) continue;
    if (kind !== 'srs') throw new ConfigError(name, 'applies to MWSE_MEDIA=srs only');
    options[key] = value;
  }
  return {
    media: {
      backend: kind,
      options,
      timeout,
      iceServers,
      ...(turnSecret ? { turn: { secret: turnSecret, urls: turnUrls, ttl: Math.round(turnTtl / 1000) } } : {}),
    },
  };
}

function parseMediaUrl(text: string): Parsed<string> {
  try {
    const url = new URL(text.trim());
    if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) return { ok: false, reason: `"${url.protocol}" is not ws:, wss:, http: or https:` };
    return { ok: true, value: text.trim() };
  } catch {
    return { ok: false, reason: `"${text}" is not a URL` };
  }
}

/** A WHEP URL, maybe with `{room}` and `{name}` placeholders (filled per broadcast). */
function parseWhepTemplate(text: string): Parsed<string> {
  const probe = text.trim().replaceAll('{room}', 'r').replaceAll('{name}', 'n');
  const parsed = parseMediaUrl(probe);
  return parsed.ok ? { ok: true, value: text.trim() } : parsed;
}

/** An SRS app name: what SRS accepts in `?app=` (letters, digits, `-`, `_`, `.`, `/`). */
function parseSrsApp(text: string): Parsed<string> {
  const app = text.trim();
  return /^[A-Za-z0-9._/-]{1,64}$/.test(app) ? { ok: true, value: app } : { ok: false, reason: `"${text}" is not an SRS app name (letters, digits, . _ - /)` };
}

/** An HLS or HTTP-FLV URL template with `{app}` and `{stream}` placeholders. */
function parseSrsTemplate(text: string): Parsed<string> {
  const probe = text.trim().replaceAll('{app}', 'a').replaceAll('{stream}', 's');
  const parsed = parseMediaUrl(probe);
  return parsed.ok ? { ok: true, value: text.trim() } : parsed;
}

function parseIceUrl(text: string): Parsed<string> {
  if (!/^(stuns?|turns?):[^\s]+$/.test(text)) return { ok: false, reason: `"${text}" is not a stun:, stuns:, turn: or turns: URL` };
  return { ok: true, value: text };
}

/** A comma-separated list of stun:/turn: URLs, or a JSON array of `RTCIceServer`s (with credentials). */
function parseIceServers(text: string): Parsed<IceServerConfig[]> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) {
    const urls = parseList(trimmed, parseIceUrl);
    return urls.ok ? { ok: true, value: urls.value.map((u) => ({ urls: u })) } : urls;
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, reason: 'is not valid JSON (a JSON array of {"urls", "username", "credential"})' };
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'must be a JSON array' };
  for (const server of value as unknown[]) {
    const s = server as Partial<IceServerConfig> | null;
    const urls = s && (typeof s.urls === 'string' ? [s.urls] : s.urls);
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && parseIceUrl(u).ok)) {
      return { ok: false, reason: 'each entry needs "urls": stun:/turn: URLs' };
    }
    if ((s!.username !== undefined && typeof s!.username !== 'string') || (s!.credential !== undefined && typeof s!.credential !== 'string')) {
      return { ok: false, reason: '"username" and "credential" must be strings' };
    }
  }
  return { ok: true, value: value as IceServerConfig[] };
}
