import { timingSafeEqual } from 'node:crypto';
import { ApiBodies } from '@mwse/protocol';
import { clientAddress, isForwarded, isLoopback } from '../../admission/clientAddress.js';
import type { Hub } from '../../Hub.js';
import type { HttpRequest, HttpResponse } from '../HttpTypes.js';
import type { KeyStore } from '../KeyStore.js';
import { roomsEverywhere, sendFromServerAnywhere } from '../../cluster/ServerCalls.js';
import { ApiError, json } from './ApiError.js';
import { readJson } from './readJson.js';

/** Events `POST /api/bridge/inbox/read` returns when the body names no `limit`. */
const INBOX_READ_LIMIT = 100;

/** What the control plane reads from the running engine. */
export interface ControlPlaneContext {
  hub: Hub;
  keys: KeyStore;
  closing(): boolean;
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(req: HttpRequest, params: string[], ctx: ControlPlaneContext): Promise<HttpResponse> | HttpResponse;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A percent-encoded path segment; 400 when its encoding is broken (not a 500 from a URIError). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'bad-request', 'the path is not valid percent-encoding');
  }
}

/** 401 without a key, 403 with one that is not ours. */
async function requireKey(req: HttpRequest, ctx: ControlPlaneContext): Promise<string> {
  const key = req.headers['x-api-key'];
  if (!key) throw new ApiError(401, 'unauthorized', 'x-api-key header is required');
  const domain = await ctx.keys.check(key);
  if (domain === undefined) throw new ApiError(403, 'forbidden', 'x-api-key is not valid');
  return domain;
}

/** The control plane's routes (SPEC §5 and the operations endpoints). */
export const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/auth\/key$/,
    async handle(req, _params, ctx) {
      const { options } = ctx.hub;
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
      // A wrong token is refused even from loopback: it means a misconfigured or hostile caller,
      // possibly behind a local reverse proxy that makes every request look like loopback.
      if (token !== undefined && !(options.adminToken !== undefined && sameSecret(token, options.adminToken))) {
        throw new ApiError(403, 'forbidden', 'the admin token is not valid');
      }
      // Local means the socket itself comes from this host and no proxy handled the request.
      // A forwarded address is never taken as loopback, whatever trustProxy says: the client
      // writes that header (a forged 127.0.0.1 must not mint keys), and behind a proxy on this
      // host every request would otherwise be local.
      const local = !isForwarded(req.headers) && isLoopback(clientAddress(req.headers, req.remoteAddress, 0));
      if (token === undefined && !local) {
        throw new ApiError(401, 'unauthorized', 'keys are minted from loopback or with the admin token');
      }
      const { domain } = await readJson(req, ApiBodies.mintKey, options.apiBodyLimit);
      // 201 only once the key's digest is in the store (committed, for a durable one).
      const key = await ctx.keys.mint(domain);
      if (!key) throw new ApiError(429, 'exhausted', 'too many API keys');
      return json(201, { key, domain });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/rooms$/,
    // In a cluster: every live node's public rooms (a node that does not answer in 10 s is left out).
    handle: async (_req, _params, ctx) => json(200, { rooms: ctx.hub.cluster ? await roomsEverywhere(ctx.hub) : ctx.hub.publicRooms() }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/client\/([^/]+)\/send$/,
    async handle(req, [id], ctx) {
      await requireKey(req, ctx);
      const { pack } = await readJson(req, ApiBodies.sendToClient, ctx.hub.options.apiBodyLimit);
      const socketId = decodePathSegment(id!);
      const peer = ctx.hub.peer(socketId);
      if (peer) ctx.hub.send(peer, { type: 'pack', from: 'server', pack });
      // In a cluster a peer of another node is sent to there.
      else if (!ctx.hub.cluster || !(await sendFromServerAnywhere(ctx.hub, socketId, pack))) {
        throw new ApiError(404, 'not-found', `no peer ${id} is connected`);
      }
      return json(200, { delivered: true });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/bridge\/inbox$/,
    async handle(req, _params, ctx) {
      await requireKey(req, ctx);
      if (!ctx.hub.bridge.inboxEnabled) throw new ApiError(404, 'not-found', 'the inbox is off (BRIDGE_INBOX=1 turns it on)');
      return json(200, { events: await ctx.hub.bridge.drain() });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/bridge\/inbox\/read$/,
    async handle(req, _params, ctx) {
      await requireKey(req, ctx);
      if (!ctx.hub.bridge.inboxEnabled) throw new ApiError(404, 'not-found', 'the inbox is off (BRIDGE_INBOX=1 turns it on)');
      const { ack, limit = INBOX_READ_LIMIT } = await readJson(req, ApiBodies.inboxRead, ctx.hub.options.apiBodyLimit, {});
      return json(200, { events: await ctx.hub.bridge.read(ack, limit) });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/media\/hooks\/([^/]+)$/,
    async handle(req, [event], ctx) {
      // The backend checks what the media server sends (SRS http_hooks carry tokens MWSE minted).
      if (!ctx.hub.broadcasts.takesHooks) throw new ApiError(404, 'not-found', 'the media backend takes no hooks');
      const body = await readJson(req, ApiBodies.mediaHook, ctx.hub.options.apiBodyLimit);
      const { status, body: result } = await ctx.hub.broadcasts.hook(decodePathSegment(event!), body)!;
      return json(status, result);
    },
  },
  {
    method: 'GET',
    pattern: /^\/healthz$/,
    handle: (_req, _params, ctx) =>
      json(200, ctx.hub.cluster ? { status: 'ok', node: ctx.hub.cluster.nodeId, mode: 'cluster' } : { status: 'ok', mode: 'single' }),
  },
  {
    method: 'GET',
    pattern: /^\/readyz$/,
    handle: (_req, _params, ctx) => (ctx.closing() ? json(503, { ready: false }) : json(200, { ready: true })),
  },
  {
    method: 'GET',
    pattern: /^\/metrics$/,
    handle: async (_req, _params, ctx) => ({
      status: 200,
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
      body: ctx.hub.metrics.render() + (await ctx.hub.processMetrics.render()),
    }),
  },
];
