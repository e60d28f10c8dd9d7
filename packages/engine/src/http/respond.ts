import type { ServerResponse } from 'node:http';
import type { HttpResponse } from './HttpTypes.js';

/** Write a transport-neutral response through node:http. */
export function writeNodeResponse(res: ServerResponse, answer: HttpResponse): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.end(answer.body ?? '');
}
