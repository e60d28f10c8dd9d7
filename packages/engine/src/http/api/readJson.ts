import type { z } from 'zod';
import { HttpBodyTooLarge, type HttpRequest } from '../HttpTypes.js';
import { ApiError } from './ApiError.js';

/**
 * Read and validate a JSON body: 413 over `limit`, 400 for bad JSON or a wrong shape. An empty body
 * is `empty` when given (a route whose fields are all optional), bad JSON otherwise.
 */
export async function readJson<T>(req: HttpRequest, schema: z.ZodType<T>, limit: number, empty?: unknown): Promise<T> {
  let raw: Uint8Array;
  try {
    raw = await req.body(limit);
  } catch (error) {
    if (error instanceof HttpBodyTooLarge) {
      throw new ApiError(413, 'too-large', error.message, undefined, { connection: 'close' });
    }
    throw error;
  }
  let value: unknown = empty;
  try {
    if (raw.byteLength > 0 || empty === undefined) value = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new ApiError(400, 'bad-request', 'body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new ApiError(400, 'bad-request', 'body does not match the schema', issues);
  }
  return parsed.data;
}
