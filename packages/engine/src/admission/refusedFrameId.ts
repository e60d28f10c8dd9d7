import type { Codec, WireData } from '@mwse/protocol';
import { BinaryKind, isBinaryKind, readClientHeader } from '@mwse/protocol/binary';

/**
 * The correlation id to put on the error for a frame refused before it was handled (over the rate
 * limit), so the sender's call fails at once with `rate-limited` instead of waiting for its
 * timeout. Ids of `response/to` and `request/cancel` belong to another peer's request and are
 * left out: echoing them could fail an unrelated call of the sender.
 *
 * Decoding a refused frame costs what handling it would; it stays bounded because a sender that
 * goes on past `rateBurst` refusals is disconnected.
 */
export function refusedFrameId(data: WireData, codec: Codec): number | undefined {
  if (typeof data !== 'string' && isBinaryKind(data[0])) {
    const header = readClientHeader(data);
    return 'kind' in header && header.kind === BinaryKind.Request ? header.id : undefined;
  }
  const decoded = codec.decodeClient(data);
  if (!decoded.ok) return decoded.error.id;
  const frame = decoded.frame;
  if (!('id' in frame) || frame.type === 'response/to' || frame.type === 'request/cancel') return undefined;
  return frame.id;
}
