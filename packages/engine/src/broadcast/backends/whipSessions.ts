/**
 * The part of a WHIP/WHEP backend that does not depend on the server: the session map, the
 * deadlines, hang-up detection and shutdown. `createWhipBackend` and `createSrsBackend` each give
 * it a `target` (where and with which credentials a session is opened) and hooks of their own.
 *
 * Hang-up: WHIP and WHEP have no way for the server to tell its client that a session ended.
 * What can be learnt is learnt by asking: a background health probe (the server is gone → every
 * session is gone) and a no-op PATCH per session (404/410, and 403 on a resource whose
 * credentials were accepted before, mean the server dropped it). A server that answers PATCH with
 * 405/501 (no trickle) only has the health probe; one that keeps a dead resource cannot be seen.
 */
import { randomUUID } from 'node:crypto';
import { MediaError, type MediaBackend, type MediaSession, type PublishRequest, type WatchRequest } from '../MediaBackend.js';
import { iceCredentials, whipDelete, whipOffer, whipProbe, type WhipAction } from './whipExchange.js';
import { createWhipAgents, deadline, destroyWhipAgents, whipHttp } from './whipHttp.js';

/** Where one session is opened. */
export interface WhipTarget {
  url: URL;
  /** Bearer token for this session's requests (POST, PATCH, DELETE). */
  token?: string;
  /** Announced in `MediaSession.urls`. */
  urls?: Record<string, string>;
}

/** Hang-up detection and bounds; every field has a default in {@link WHIP_PROBE_DEFAULTS}. */
export interface WhipProbeOptions {
  /** How often live sessions are checked, in ms; `0` turns hang-up detection off. */
  probeIntervalMs?: number;
  /** Consecutive failed health probes after which every session counts as lost. */
  probeFailures?: number;
  /** Deadline of one background probe, in ms. */
  probeTimeoutMs?: number;
  /** Sessions PATCH-probed per interval (round robin), so thousands of viewers cost a few requests. */
  probeBatch?: number;
  /** PATCH answers that mean the server dropped the session. */
  goneStatuses?: readonly number[];
  /** Largest answer SDP accepted, in bytes. */
  maxAnswerBytes?: number;
}

export const WHIP_PROBE_DEFAULTS = {
  probeIntervalMs: 2000,
  probeFailures: 2,
  probeTimeoutMs: 1000,
  probeBatch: 32,
  goneStatuses: [403, 404, 410] as readonly number[],
  maxAnswerBytes: 64 * 1024,
};

export interface WhipCoreConfig extends WhipProbeOptions {
  kind: string;
  /** Throws a {@link MediaError} when the action cannot be served (no WHEP URL configured…). */
  target(action: WhipAction, request: PublishRequest | WatchRequest): WhipTarget;
  health: { url: URL; method: 'GET' | 'OPTIONS' };
  /** `false` when the server's resource URL must not receive PATCH (SRS treats it as a new offer). */
  patchProbe: boolean;
  /** Rewrites a failed open (SRS: a dropped connection its own hook refused is a refusal). */
  failure?(error: MediaError, action: WhipAction, target: WhipTarget): MediaError;
  /** A session was opened / is being stopped by MWSE (SRS binds and forgets its tokens). */
  opened?(id: string, target: WhipTarget): void;
  closing?(id: string, target: WhipTarget): void;
}

interface Live {
  target: WhipTarget;
  resource: URL;
  etag?: string;
  ice?: { ufrag: string; pwd: string };
  patch: boolean;
}

/** A {@link MediaBackend} plus the hang-up entry SRS's hooks report through. */
export interface WhipCore extends MediaBackend {
  /** Ends a live session the server dropped: forgets it and tells the hang-up listeners. */
  lost(id: string): void;
}

export function createWhipCore(config: WhipCoreConfig): WhipCore {
  const o = { ...WHIP_PROBE_DEFAULTS, ...stripUndefined(config) };
  const agents = createWhipAgents();
  const live = new Map<string, Live>();
  const listeners: Array<(session: string) => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let healthFailures = 0;
  let probing = false;
  let cursor = 0;
  let closed = false;

  const lost = (id: string): void => {
    const session = live.get(id);
    if (!session) return;
    live.delete(id);
    config.closing?.(id, session.target);
    for (const listener of listeners) {
      try {
        listener(id);
      } catch {
        // A listener's failure must not stop the others nor the probe loop.
      }
    }
    schedule();
  };

  const health = async (signal: AbortSignal): Promise<void> => {
    const res = await whipHttp({ method: config.health.method, url: config.health.url, signal, maxBytes: 4096, agents });
    if (res.status >= 500) throw new MediaError('media-unavailable', `health probe answered ${res.status}`);
  };

  const probeOnce = async (): Promise<void> => {
    try {
      await health(deadline(o.probeTimeoutMs));
      healthFailures = 0;
    } catch {
      healthFailures += 1;
      if (healthFailures >= o.probeFailures) {
        healthFailures = 0;
        for (const id of [...live.keys()]) lost(id);
        return;
      }
    }
    const ids = [...live.keys()].filter((id) => live.get(id)!.patch);
    if (ids.length === 0) return;
    const batch: string[] = [];
    for (let i = 0; i < Math.min(o.probeBatch, ids.length); i++) batch.push(ids[(cursor + i) % ids.length]!);
    cursor = (cursor + batch.length) % Math.max(ids.length, 1);
    await Promise.all(
      batch.map(async (id) => {
        const session = live.get(id);
        if (!session) return;
        const token = session.target.token;
        const verdict = await whipProbe(session.resource, session.ice, session.etag, o.goneStatuses, {
          agents,
          maxBytes: 4096,
          signal: deadline(o.probeTimeoutMs),
          ...(token ? { token } : {}),
        }).catch(() => 'unknown' as const);
        if (verdict === 'gone') lost(id);
        else if (verdict === 'unsupported') session.patch = false;
      }),
    );
  };

  // One timer for the backend, running only while sessions exist (an idle backend costs nothing).
  function schedule(): void {
    if (closed || o.probeIntervalMs <= 0) return;
    if (live.size === 0) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      return;
    }
    if (timer || probing) return;
    timer = setTimeout(() => {
      timer = undefined;
      probing = true;
      void probeOnce().finally(() => {
        probing = false;
        schedule();
      });
    }, o.probeIntervalMs);
    timer.unref();
  }

  const open = async (action: WhipAction, request: PublishRequest | WatchRequest): Promise<MediaSession> => {
    if (closed) throw new MediaError('media-unavailable', `${config.kind} backend is closed`);
    const target = config.target(action, request);
    let resource;
    try {
      resource = await whipOffer(target.url, request.offer, action, {
        agents,
        maxBytes: o.maxAnswerBytes,
        signal: request.signal,
        ...(target.token ? { token: target.token } : {}),
      });
    } catch (error) {
      const media = error instanceof MediaError ? error : new MediaError('media-unavailable', String(error));
      throw config.failure ? config.failure(media, action, target) : media;
    }
    if (closed) {
      // Closed while the POST was out: free what the server just made, and say so.
      const token = target.token;
      await whipDelete(resource.url, { agents, maxBytes: 4096, signal: deadline(o.probeTimeoutMs), ...(token ? { token } : {}) }).catch(() => {});
      throw new MediaError('media-unavailable', `${config.kind} backend closed during the request`);
    }
    const id = `${config.kind}-${randomUUID()}`;
    const ice = iceCredentials(request.offer);
    live.set(id, {
      target,
      resource: resource.url,
      patch: config.patchProbe,
      ...(resource.etag ? { etag: resource.etag } : {}),
      ...(ice ? { ice } : {}),
    });
    config.opened?.(id, target);
    schedule();
    return target.urls ? { id, answer: resource.answer, urls: target.urls } : { id, answer: resource.answer };
  };

  return {
    kind: config.kind,
    publish: (request) => open('publish', request),
    watch: (request) => open('watch', request),
    async stop(id, signal) {
      const session = live.get(id);
      if (!session) return;
      // Forgotten first: a hang-up the server reports for our own DELETE is not a loss.
      live.delete(id);
      config.closing?.(id, session.target);
      schedule();
      const token = session.target.token;
      await whipDelete(session.resource, { agents, maxBytes: 4096, signal, ...(token ? { token } : {}) });
    },
    health,
    onHangup(listener) {
      listeners.push(listener);
    },
    lost,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const sessions = [...live.entries()];
      live.clear();
      // Best effort: free what the server still holds for us, each DELETE with a short deadline.
      await Promise.allSettled(
        sessions.map(([id, session]) => {
          config.closing?.(id, session.target);
          const token = session.target.token;
          return whipDelete(session.resource, { agents, maxBytes: 4096, signal: deadline(o.probeTimeoutMs), ...(token ? { token } : {}) });
        }),
      );
      listeners.length = 0;
      destroyWhipAgents(agents);
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
