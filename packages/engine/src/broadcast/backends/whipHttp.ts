/**
 * One HTTP exchange with a WHIP/WHEP server, with a deadline that covers everything (DNS,
 * connect, headers, body) and a bound on the body read. `fetch` would do most of this, but it
 * keeps sockets in a process-wide pool a backend cannot destroy on `close()`, and it reads a
 * body without a bound unless streamed by hand; node:http with our own agents does both plainly.
 */
import http from 'node:http';
import https from 'node:https';
import { MediaError } from '../MediaBackend.js';

/** The sockets of one backend: destroyed together on `close()`. */
export interface WhipAgents {
  http: http.Agent;
  https: https.Agent;
}

export function createWhipAgents(): WhipAgents {
  // No keep-alive: a pooled socket the server closed just as it is reused would fail a request
  // that should have worked, and signalling calls are too rare for reuse to matter.
  return { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };
}

export function destroyWhipAgents(agents: WhipAgents): void {
  agents.http.destroy();
  agents.https.destroy();
}

export interface WhipHttpRequest {
  method: 'POST' | 'DELETE' | 'PATCH' | 'GET' | 'OPTIONS';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** A 2xx body longer than this fails the call; a longer error body is cut (only its status matters). */
  maxBytes: number;
  agents: WhipAgents;
}

export interface WhipHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends one request. Resolves with any HTTP status; rejects with `media-unavailable` when the
 * server cannot be reached, hangs up, does not answer before the signal fires, or sends a 2xx
 * body over `maxBytes`.
 */
export function whipHttp(request: WhipHttpRequest): Promise<WhipHttpResponse> {
  return new Promise((resolve, reject) => {
    const { url, signal } = request;
    const where = `${request.method} ${url.origin}${url.pathname}`;
    if (signal.aborted) {
      reject(new MediaError('media-unavailable', `${where}: deadline passed before the request`));
      return;
    }
    const secure = url.protocol === 'https:';
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const headers: Record<string, string> = { ...request.headers };
    if (body) headers['content-length'] = String(body.length);
    let settled = false;
    const finish = (error: MediaError | undefined, response?: WhipHttpResponse): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(response!);
    };
    const onAbort = (): void => {
      finish(new MediaError('media-unavailable', `${where}: no answer before the deadline`));
      req.destroy();
    };
    const req = (secure ? https : http).request(url, {
      method: request.method,
      headers,
      agent: secure ? request.agents.https : request.agents.http,
    });
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish(new MediaError('media-unavailable', `${where}: ${error.code ?? error.message}`));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers['content-length']);
      if (ok && Number.isFinite(declared) && declared > request.maxBytes) {
        finish(new MediaError('media-unavailable', `${where}: answer of ${declared} bytes is over ${request.maxBytes}`));
        req.destroy();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size <= request.maxBytes) {
          chunks.push(chunk);
          return;
        }
        if (ok) {
          finish(new MediaError('media-unavailable', `${where}: answer is over ${request.maxBytes} bytes`));
        } else {
          // Keep what fits: the start of an error body is the useful part.
          chunks.push(chunk.subarray(0, chunk.length - (size - request.maxBytes)));
          finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        }
        req.destroy();
      });
      res.on('end', () => finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish(new MediaError('media-unavailable', `${where}: the answer was cut off`)));
      res.on('aborted', () => finish(new MediaError('media-unavailable', `${where}: the answer was cut off`)));
    });
    req.end(body);
  });
}

/** The media type of a `Content-Type` header, lower case, without parameters. */
export function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Composes the caller's deadline with a shorter one of our own (background probes). */
export function deadline(ms: number, outer?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(ms);
  return outer ? AbortSignal.any([outer, own]) : own;
}
