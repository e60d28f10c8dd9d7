import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** One request a stub received, body read as text. */
export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** `body` parsed as JSON (undefined when it is not JSON). */
  json: any;
}

/** Answers one request; may wait (a slow app server) or never answer. */
export type StubHandler = (request: StubRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A real local HTTP server on an ephemeral port standing in for the third-party app server
 * (the bridge's approver and webhook receiver). It records every request.
 */
export class HttpStub {
  readonly requests: StubRequest[] = [];
  url = '';
  private server?: Server;

  constructor(public handler: StubHandler) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
        this.requests.push(request);
        void Promise.resolve(this.handler(request, res)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('stub did not bind');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  /** Requests received so far whose URL starts with `path`. */
  to(path: string): StubRequest[] {
    return this.requests.filter((r) => r.url.startsWith(path));
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** An {@link HttpStub} for the suite: started before the engine, cleared after each test. */
export function useHttpStub(handler: StubHandler): HttpStub {
  const stub = new HttpStub(handler);
  beforeAll(async () => {
    await stub.start();
  });
  afterEach(() => {
    stub.requests.length = 0;
  });
  afterAll(() => stub.close());
  return stub;
}

/** Answer with JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Resolve after `ms` milliseconds. */
export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
