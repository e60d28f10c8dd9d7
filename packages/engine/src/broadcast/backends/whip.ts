/**
 * A vendor-neutral media backend: publishers go in over WHIP (RFC 9725), viewers come out over
 * WHEP, against any server that speaks them (MediaMTX, SRS, Janus's WHIP/WHEP fronts, Cloudflare
 * Stream, Dolby/Millicast…). Both URLs are templates so each stream gets its own endpoint.
 */
import { MediaError, type MediaBackend } from '../MediaBackend.js';
import type { WhipAction } from './whipExchange.js';
import { createWhipCore, type WhipProbeOptions } from './whipSessions.js';
import { compileWhipUrl } from './whipUrlTemplate.js';

/** What a token function is told about the session it authorizes. */
export interface WhipTokenContext {
  action: WhipAction;
  room: string;
  name: string;
  peer: string;
}

export interface WhipBackendOptions extends WhipProbeOptions {
  /**
   * WHIP endpoint template (`MWSE_MEDIA_URL`), with `{room}`, `{name}`, `{peer}` placeholders,
   * e.g. `https://media.example/{room}-{name}/whip`.
   */
  whipUrl: string;
  /** WHEP endpoint template (`MWSE_MEDIA_WHEP_URL`); without one, `watch` fails `media-unavailable`. */
  whepUrl?: string;
  /** Bearer token (`MWSE_MEDIA_SECRET`), or a function minting one per session. */
  token?: string | ((context: WhipTokenContext) => string | undefined);
  /**
   * What `health` asks: default `OPTIONS` on the WHIP URL's origin (any answer below 500 counts
   * as up; WHIP servers must answer OPTIONS for CORS).
   */
  healthUrl?: string;
  healthMethod?: 'GET' | 'OPTIONS';
  /** Shown in logs and metrics; `whip` by default. */
  kind?: string;
}

const PLACEHOLDERS = ['room', 'name', 'peer'] as const;

/**
 * Creates a WHIP/WHEP backend.
 *
 * @example
 * const media = createWhipBackend({
 *   whipUrl: 'http://127.0.0.1:8889/{room}-{name}/whip',
 *   whepUrl: 'http://127.0.0.1:8889/{room}-{name}/whep',
 *   token: process.env.MWSE_MEDIA_SECRET,
 * });
 */
export function createWhipBackend(options: WhipBackendOptions): MediaBackend {
  const whip = compileWhipUrl(options.whipUrl, PLACEHOLDERS);
  const whep = options.whepUrl ? compileWhipUrl(options.whepUrl, PLACEHOLDERS) : undefined;
  const healthUrl = new URL(options.healthUrl ?? new URL(options.whipUrl.replace(/\{[A-Za-z]+\}/g, 'x')).origin + '/');
  const tokenFor = (context: WhipTokenContext): string | undefined =>
    typeof options.token === 'function' ? options.token(context) : options.token;
  return createWhipCore({
    ...options,
    kind: options.kind ?? 'whip',
    health: { url: healthUrl, method: options.healthMethod ?? (options.healthUrl ? 'GET' : 'OPTIONS') },
    patchProbe: true,
    target(action, request) {
      const template = action === 'publish' ? whip : whep;
      if (!template) throw new MediaError('media-unavailable', 'no WHEP URL is configured: this server cannot play streams back');
      const values = { room: request.room, name: request.name, peer: request.peer };
      const token = tokenFor({ action, ...values });
      return token ? { url: template.expand(values), token } : { url: template.expand(values) };
    },
  });
}
