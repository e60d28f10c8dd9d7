/**
 * SRS (ossrs/srs) as the media backend: its WHIP and WHEP handlers (`/rtc/v1/whip/`,
 * `/rtc/v1/whep/` on the HTTP API port) with a token MWSE mints per session in the query, and
 * its `http_hooks` pointed at MWSE (`POST /api/media/hooks/:event`), which allow a publish or a
 * play only for a token minted for that app, stream and action. HLS / HTTP-FLV URLs are
 * announced when configured (SRS makes them with `rtc_to_rtmp`, H.264 only).
 *
 * Shapes taken from SRS's sources (trunk/src/app/srs_app_rtc_api.cpp, srs_app_http_hooks.cpp,
 * trunk/conf/full.conf, 6.0 line): the WHIP/WHEP query reaches the hooks as `param`; the hook
 * must answer 200 with `{"code":0}` (or `0`) to allow; a WHIP/WHEP POST that SRS refuses (a hook
 * said no, a bad offer) is answered by closing the connection without a response, which is why a
 * dropped POST whose token our own hook refused is reported as `media-refused`.
 * Not run against a live SRS here: see docs/broadcast-backends.md.
 */
import { createHash } from 'node:crypto';
import { MediaError, type MediaBackend, type MediaHookResult } from '../MediaBackend.js';
import { createWhipCore, type WhipProbeOptions, type WhipTarget } from './whipSessions.js';
import { SrsTokens, type SrsToken } from './srsTokens.js';
import { compileWhipUrl, type WhipUrlTemplate } from './whipUrlTemplate.js';

export interface SrsBackendOptions extends WhipProbeOptions {
  /** SRS's HTTP API base (`MWSE_MEDIA_URL`), e.g. `http://127.0.0.1:1985`. */
  url: string;
  /** SRS app every MWSE stream goes to; `live` by default. */
  app?: string;
  /** How long a minted token waits for its `on_publish`/`on_play` hook, in ms (default 30 s). */
  tokenTtlMs?: number;
  /** HLS URL template with `{app}` and `{stream}`, e.g. `http://srs:8080/{app}/{stream}.m3u8`. */
  hlsUrl?: string;
  /** HTTP-FLV URL template with `{app}` and `{stream}`, e.g. `http://srs:8080/{app}/{stream}.flv`. */
  flvUrl?: string;
  /** Maps an MWSE room and stream name to an SRS stream name (default {@link srsStreamName}). */
  streamName?: (room: string, name: string) => string;
}

/** The hook events MWSE answers; SRS's other hooks (on_connect, on_dvr…) are refused. */
export const SRS_HOOK_EVENTS = ['on_publish', 'on_play', 'on_unpublish', 'on_stop'] as const;

const SAFE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * `room-name` when both are plain words (readable in SRS's console and HLS paths; `-` cannot
 * occur in either, so distinct pairs never collide), else `h` + 32 hex digits of a SHA-256.
 */
export function srsStreamName(room: string, name: string): string {
  if (SAFE.test(room) && SAFE.test(name)) return `${room}-${name}`;
  return `h${createHash('sha256').update(room).update('\0').update(name).digest('hex').slice(0, 32)}`;
}

function refuse(code: number, msg: string): MediaHookResult {
  return { status: 403, body: { code, msg } };
}
function allow(): MediaHookResult {
  return { status: 200, body: { code: 0 } };
}

/** The `token` in SRS's `param`: `?token=…` (RTMP) or the raw WHIP query `app=…&token=…`. */
function tokenIn(param: unknown): string | undefined {
  if (typeof param !== 'string' || param.length > 4096) return undefined;
  return new URLSearchParams(param.startsWith('?') ? param.slice(1) : param).get('token') ?? undefined;
}

/**
 * Creates the SRS preset.
 *
 * @example
 * const media = createSrsBackend({ url: 'http://127.0.0.1:1985', hlsUrl: 'http://127.0.0.1:8080/{app}/{stream}.m3u8' });
 */
export function createSrsBackend(options: SrsBackendOptions): MediaBackend {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`SRS URL ${options.url}: only http: and https:`);
  const app = options.app ?? 'live';
  const streamName = options.streamName ?? srsStreamName;
  const tokens = new SrsTokens(options.tokenTtlMs ?? 30_000);
  const byTarget = new WeakMap<WhipTarget, SrsToken>();
  const players: Array<[string, WhipUrlTemplate]> = [];
  if (options.hlsUrl) players.push(['hls', compileWhipUrl(options.hlsUrl, ['app', 'stream'])]);
  if (options.flvUrl) players.push(['flv', compileWhipUrl(options.flvUrl, ['app', 'stream'])]);

  const core = createWhipCore({
    ...options,
    kind: 'srs',
    health: { url: new URL('/api/v1/versions', base), method: 'GET' },
    // SRS serves its resource URL with the WHIP handler itself: a PATCH would be read as an offer.
    patchProbe: false,
    target(action, request) {
      const stream = streamName(request.room, request.name);
      const token = tokens.mint({ action, app, stream, room: request.room, name: request.name, peer: request.peer });
      const url = new URL(action === 'publish' ? '/rtc/v1/whip/' : '/rtc/v1/whep/', base);
      url.searchParams.set('app', app);
      url.searchParams.set('stream', stream);
      url.searchParams.set('token', token.value);
      const target: WhipTarget = { url };
      if (players.length > 0) {
        target.urls = Object.fromEntries(
          players.map(([key, template]) => {
            const player = template.expand({ app, stream });
            // SRS calls on_play for an HTTP-FLV play (not for HLS files): it needs a token of ours.
            if (key === 'flv') player.searchParams.set('token', tokens.companion(token).value);
            return [key, player.href];
          }),
        );
      }
      byTarget.set(target, token);
      return target;
    },
    failure(error, _action, target) {
      const token = byTarget.get(target);
      if (token) tokens.forget(token);
      if (token?.refused && error.code === 'media-unavailable') {
        return new MediaError('media-refused', 'SRS refused the session (its hook was denied)');
      }
      return error;
    },
    opened(id, target) {
      const token = byTarget.get(target);
      if (!token) return;
      tokens.bind(token, id);
      // SRS ended it while the POST was still on its way back.
      if (token.ended) queueMicrotask(() => core.lost(id));
    },
    closing(id) {
      const token = tokens.forSession(id);
      if (token) tokens.forget(token);
    },
  });

  const hook = async (event: string, body: unknown): Promise<MediaHookResult> => {
    if (!(SRS_HOOK_EVENTS as readonly string[]).includes(event)) return refuse(404, `hook ${event} is not handled`);
    if (typeof body !== 'object' || body === null) return refuse(400, 'hook body is not a JSON object');
    const fields = body as Record<string, unknown>;
    if (fields.action !== undefined && fields.action !== event) return refuse(400, `action ${String(fields.action)} sent to ${event}`);
    const value = tokenIn(fields.param);
    const token = value ? tokens.find(value) : undefined;
    if (!token) return refuse(401, 'no token MWSE minted');
    if (tokens.expired(token)) {
      token.refused = true;
      return refuse(401, 'token expired');
    }
    const action = event === 'on_publish' || event === 'on_unpublish' ? 'publish' : 'watch';
    if (token.action !== action || fields.app !== token.app || fields.stream !== token.stream) {
      token.refused = true;
      return refuse(403, 'token is for another stream or action');
    }
    if (token.reusable) return allow();
    if (event === 'on_publish' || event === 'on_play') {
      if (token.used) {
        token.refused = true;
        return refuse(403, 'token already used');
      }
      tokens.use(token);
      return allow();
    }
    // on_unpublish / on_stop: SRS ended the session. Ours to report unless we stopped it.
    if (token.session) core.lost(token.session);
    else token.ended = true;
    return allow();
  };

  return {
    kind: core.kind,
    publish: core.publish,
    watch: core.watch,
    stop: core.stop,
    health: core.health,
    onHangup: core.onHangup,
    hook,
    close: core.close,
  };
}
