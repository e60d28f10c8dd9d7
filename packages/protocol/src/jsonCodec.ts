import type { z } from 'zod';
import { CLIENT_FRAME_TYPES, ClientFrame } from './ClientFrame.js';
import { ServerFrame } from './ServerFrame.js';
import type { Codec, DecodeError, DecodeResult, WireData } from './Codec.js';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './jsonDepth.js';
import { topLevelId } from './topLevelId.js';

const MAX_ISSUES = 10;
const clientTypes = new Set<string>(CLIENT_FRAME_TYPES);
const serverTypes = new Set<string>(ServerFrame.options.map((o) => o.shape.type.value));
const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(error: DecodeError): { ok: false; error: DecodeError } {
  return { ok: false, error };
}

function toText(data: WireData): string | undefined {
  if (typeof data === 'string') return data;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

function readId(value: Record<string, unknown>): number | undefined {
  const { id } = value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

function describe(issues: z.core.$ZodIssue[]): string[] {
  return issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.length ? i.path.join('.') : '(frame)'}: ${i.message}`);
}

function decodeWith<T>(
  data: WireData,
  known: Set<string>,
  schema: z.ZodType<T>,
): DecodeResult<T> {
  const text = toText(data);
  if (text === undefined) return fail({ code: 'bad-frame', message: 'frame is not valid UTF-8' });
  // Before the parser: a deep frame costs it tens of milliseconds, and JSON.stringify throws on
  // it later. Such frames are refused unparsed.
  if (exceedsJsonDepth(text)) {
    const id = topLevelId(text);
    return fail({
      code: 'too-large',
      message: `frame nests deeper than ${MAX_JSON_DEPTH} levels`,
      ...(id === undefined ? {} : { id }),
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail({ code: 'bad-frame', message: 'frame is not valid JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail({ code: 'bad-frame', message: 'frame must be a JSON object' });
  }
  const record = value as Record<string, unknown>;
  const id = readId(record);
  const withId = id === undefined ? {} : { id };
  if (typeof record.type !== 'string') {
    return fail({ code: 'bad-frame', message: 'frame has no string "type"', ...withId });
  }
  if (!known.has(record.type)) {
    return fail({
      code: 'unknown-type',
      message: `unknown frame type "${record.type.slice(0, 64)}"`,
      ...withId,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return fail({
      code: 'bad-frame',
      message: `invalid "${record.type}" frame`,
      issues: describe(parsed.error.issues),
      ...withId,
    });
  }
  return { ok: true, frame: parsed.data };
}

/** Decode a client frame from text or bytes. Returns a typed frame or a typed error; never throws. */
export function decodeClientFrame(data: WireData): DecodeResult<ClientFrame> {
  return decodeWith(data, clientTypes, ClientFrame);
}

/** Decode a server frame from text or bytes. Returns a typed frame or a typed error; never throws. */
export function decodeServerFrame(data: WireData): DecodeResult<ServerFrame> {
  return decodeWith(data, serverTypes, ServerFrame);
}

/**
 * The JSON codec: one JSON object per text message, `type` naming the frame.
 *
 * @example
 * jsonCodec.encode({ type: 'pack/to', to: peerId, pack: { text: 'hi' } });
 * // '{"type":"pack/to","to":"…","pack":{"text":"hi"}}'
 */
export const jsonCodec: Codec = {
  name: 'json',
  binary: false,
  encode: (frame) => JSON.stringify(frame),
  decodeClient: decodeClientFrame,
  decodeServer: decodeServerFrame,
};
