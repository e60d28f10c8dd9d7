import { signWebhook } from '../bridge/signature.js';
import type { UpgradeRequest } from '../transports/Transport.js';

/** What the app server's approval may give a connection besides admitting it. */
export interface Approval {
  identity?: string;
  info?: Record<string, unknown>;
}

export interface BridgeApproverOptions {
  url: string;
  /** Milliseconds to wait for the answer. */
  timeout: number;
  /** Approvals in flight at once; handshakes past it are refused rather than queued. */
  maxPending: number;
  /** Request headers forwarded to the app server (lower case). */
  forwardHeaders: readonly string[];
  /** Largest answer body read, in bytes. */
  maxAnswerBytes?: number;
  /** Signs each request like the webhooks, so the app server can tell it came from MWSE. */
  secret?: string;
}

/** Why an approval failed; becomes the refused-handshake metric's reason. */
export type Refusal = 'denied' | 'bridge-error' | 'bridge-busy';

/**
 * Asks the third-party app server whether a connection may open (SPEC §4, bridge). Fail-closed:
 * anything but a 2xx JSON answer with `"allow": true` refuses, including timeouts, redirects,
 * malformed and oversize answers.
 */
export class BridgeApprover {
  private pending = 0;

  constructor(private readonly options: BridgeApproverOptions) {}

  async approve(request: UpgradeRequest): Promise<Approval | Refusal> {
    if (this.pending >= this.options.maxPending) return 'bridge-busy';
    this.pending++;
    try {
      return await this.ask(request);
    } catch {
      return 'bridge-error';
    } finally {
      this.pending--;
    }
  }

  private async ask(request: UpgradeRequest): Promise<Approval | Refusal> {
    const headers: Record<string, string> = {};
    for (const name of this.options.forwardHeaders) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const body = JSON.stringify({
      origin: request.headers.origin ?? null,
      path: request.path,
      query: request.query,
      headers,
      remoteAddress: request.remoteAddress,
    });
    const requestHeaders: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.secret) {
      const timestamp = String(Date.now());
      requestHeaders['x-mwse-timestamp'] = timestamp;
      requestHeaders['x-mwse-signature'] = signWebhook(this.options.secret, timestamp, body);
    }
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: requestHeaders,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeout),
    });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      return response.status === 403 ? 'denied' : 'bridge-error';
    }
    const answer = parseAnswer(await readLimited(response, this.options.maxAnswerBytes ?? 64 * 1024));
    if (answer === undefined) return 'bridge-error';
    return answer;
  }
}

async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAnswer(text: string | undefined): Approval | Refusal | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { allow, identity, info } = value as Record<string, unknown>;
  // Only `false` is a decision; anything else that is not `true` is a malformed answer.
  if (typeof allow !== 'boolean') return undefined;
  if (!allow) return 'denied';
  const approval: Approval = {};
  if (identity !== undefined) {
    if (typeof identity !== 'string' || identity.length === 0 || identity.length > 256) return undefined;
    approval.identity = identity;
  }
  if (info !== undefined) {
    if (typeof info !== 'object' || info === null || Array.isArray(info)) return undefined;
    approval.info = info as Record<string, unknown>;
  }
  return approval;
}
