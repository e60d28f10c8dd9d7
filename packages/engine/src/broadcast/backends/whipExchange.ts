/**
 * The three WHIP (RFC 9725) / WHEP exchanges MWSE needs, shared by both protocols since they
 * have the same shape: POST an offer to an endpoint and get `201` + answer + `Location`; DELETE
 * that resource; PATCH it (an empty trickle fragment) to learn whether it still exists.
 */
import { MediaError } from '../MediaBackend.js';
import { mediaType, whipHttp, type WhipAgents } from './whipHttp.js';

export type WhipAction = 'publish' | 'watch';

export interface WhipResource {
  /** Absolute URL of the session resource (the `Location`, resolved against the endpoint URL). */
  url: URL;
  answer: string;
  /** The resource's ETag, sent back as `If-Match` on PATCH. */
  etag?: string;
}

interface ExchangeOptions {
  agents: WhipAgents;
  maxBytes: number;
  token?: string;
  signal: AbortSignal;
}

function authorization(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The first line of an error body, cut short: enough for a log, never a whole page. */
function excerpt(body: string): string {
  const line = body.trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

/**
 * What an HTTP status means to the client. 401/403: the server refused these credentials;
 * 400/406/415/422: it refused the offer; 409: the name is taken; 404: on watch nothing is
 * published under that name, on publish the endpoint does not exist (a configuration problem:
 * unavailable, not the client's fault); 5xx, 429 and anything unexpected: unavailable.
 */
export function whipStatusError(status: number, action: WhipAction, detail: string): MediaError {
  const message = `media server answered ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 404) return new MediaError(action === 'watch' ? 'not-live' : 'media-unavailable', message);
  if ([400, 401, 403, 406, 409, 415, 422].includes(status)) return new MediaError('media-refused', message);
  return new MediaError('media-unavailable', message);
}

/** POSTs the offer and returns the session resource, or throws a {@link MediaError}. */
export async function whipOffer(endpoint: URL, offer: string, action: WhipAction, options: ExchangeOptions): Promise<WhipResource> {
  const res = await whipHttp({
    method: 'POST',
    url: endpoint,
    headers: { 'content-type': 'application/sdp', accept: 'application/sdp', ...authorization(options.token) },
    body: offer,
    signal: options.signal,
    maxBytes: options.maxBytes,
    agents: options.agents,
  });
  if (res.status !== 201) throw whipStatusError(res.status, action, excerpt(res.body));
  if (mediaType(res.headers['content-type']) !== 'application/sdp' || !res.body.startsWith('v=0')) {
    throw new MediaError('media-unavailable', `media server answered 201 without an SDP answer (${mediaType(res.headers['content-type']) || 'no content type'})`);
  }
  const location = res.headers.location;
  if (!location) throw new MediaError('media-unavailable', 'media server answered 201 without a Location');
  let url: URL;
  try {
    url = new URL(location, endpoint);
  } catch {
    throw new MediaError('media-unavailable', `media server answered an unusable Location: ${excerpt(location)}`);
  }
  // A wildcard ETag (MediaMTX sends `*`) is not a version: echoing it would ask for an ICE restart.
  const raw = typeof res.headers.etag === 'string' ? res.headers.etag.trim() : undefined;
  const etag = raw && raw !== '*' && raw !== '"*"' ? raw : undefined;
  return etag ? { url, answer: res.body, etag } : { url, answer: res.body };
}

/** DELETEs a resource. 2xx, 404 and 410 all mean it is gone; anything else throws. */
export async function whipDelete(resource: URL, options: ExchangeOptions): Promise<void> {
  const res = await whipHttp({
    method: 'DELETE',
    url: resource,
    headers: authorization(options.token),
    signal: options.signal,
    maxBytes: 4096,
    agents: options.agents,
  });
  if ((res.status >= 200 && res.status < 300) || res.status === 404 || res.status === 410) return;
  throw new MediaError('media-unavailable', `DELETE of the session answered ${res.status}`);
}

/** What a PATCH probe learnt about a resource. */
export type WhipProbe = 'alive' | 'gone' | 'unsupported' | 'unknown';

/**
 * Asks whether the resource still exists with an ICE fragment that carries the offer's own
 * credentials and no candidate (a no-op trickle, RFC 8840). WHIP gives no other way to ask.
 */
export async function whipProbe(
  resource: URL,
  ice: { ufrag: string; pwd: string } | undefined,
  etag: string | undefined,
  goneStatuses: readonly number[],
  options: ExchangeOptions,
): Promise<WhipProbe> {
  const fragment = ice ? `a=ice-ufrag:${ice.ufrag}\r\na=ice-pwd:${ice.pwd}\r\n` : '';
  const res = await whipHttp({
    method: 'PATCH',
    url: resource,
    headers: {
      'content-type': 'application/trickle-ice-sdpfrag',
      // Never `If-Match: *` without an ETag: RFC 9725 reserves it for an ICE restart.
      ...(etag ? { 'if-match': etag } : {}),
      ...authorization(options.token),
    },
    body: fragment,
    signal: options.signal,
    maxBytes: 4096,
    agents: options.agents,
  });
  if (res.status >= 200 && res.status < 300) return 'alive';
  if (goneStatuses.includes(res.status)) return 'gone';
  if (res.status === 405 || res.status === 501) return 'unsupported';
  return 'unknown';
}

/** The session-level ICE credentials of an SDP (the first ones, as WHIP servers read them). */
export function iceCredentials(sdp: string): { ufrag: string; pwd: string } | undefined {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1];
  return ufrag && pwd ? { ufrag, pwd } : undefined;
}
