import { randomBytes } from 'node:crypto';

/** WebSocket opcodes the generator writes or reads (RFC 6455 §5.2). */
export const Opcode = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * Build one masked client frame. Clients must mask (RFC 6455 §5.3); the mask is random per
 * built frame, and a pre-built frame may be written any number of times: the server unmasks
 * each copy the same way, so a workload pays the masking cost once per connection, not per message.
 */
export function maskedFrame(payload: string | Buffer, opcode: number = Opcode.text): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = data.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = 2 + lenBytes;
  const frame = Buffer.allocUnsafe(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (lenBytes === 0) {
    frame[1] = 0x80 | len;
  } else if (lenBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < len; i++) frame[head + 4 + i] = data[i]! ^ mask[i & 3]!;
  return frame;
}
