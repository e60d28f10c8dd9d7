/**
 * A plain HTTP request, the same whichever transport accepted it. Lets the server app serve
 * files and the API on the WebSocket port without knowing uWebSockets.js or node:http.
 */
export interface HttpRequest {
  method: string;
  /** Path without the query string, percent-encoding kept as sent. */
  path: string;
  /** Query string without the `?` ('' when none). */
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  remoteAddress: string;
  /**
   * Read the whole body. Rejects with an {@link HttpBodyTooLarge} when it is longer than `limit`
   * bytes (the connection is then closed after the response).
   */
  body(limit: number): Promise<Uint8Array>;
}

/** What an HTTP handler answers. */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Handles a plain HTTP request. Answer `undefined` to let the engine reply 404.
 */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse | undefined> | HttpResponse | undefined;

/** Thrown by {@link HttpRequest.body} when the body is over its limit. */
export class HttpBodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body is larger than ${limit} bytes`);
    this.name = 'HttpBodyTooLarge';
    this.limit = limit;
  }
}
