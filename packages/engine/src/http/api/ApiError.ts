import type { HttpResponse } from '../HttpTypes.js';

/** A refused API call: answered as `{"error": {"code", "message", "issues"?}}` with `status`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toResponse(): HttpResponse {
    const error = { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
    return json(this.status, { error }, this.headers);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
