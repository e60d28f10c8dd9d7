import { createConnection } from 'node:net';

/**
 * Redis commands over a raw socket, for the cluster tests to read and change what the nodes keep
 * in their test's own redis-server (no client library, no redis-cli).
 */

/** One RESP reply, parsed (arrays of bulk strings, integers, simple strings, nil). */
export type Reply = string | number | null | Reply[];
function parseReply(text: string, at = 0): { value: Reply; end: number } | undefined {
  const eol = text.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const kind = text[at];
  const head = text.slice(at + 1, eol);
  if (kind === '+' || kind === '-') return { value: head, end: eol + 2 };
  if (kind === ':') return { value: Number(head), end: eol + 2 };
  if (kind === '$') {
    const n = Number(head);
    if (n < 0) return { value: null, end: eol + 2 };
    if (Buffer.byteLength(text.slice(eol + 2)) < n + 2) return undefined;
    return { value: text.slice(eol + 2, eol + 2 + n), end: eol + 4 + n };
  }
  if (kind === '*') {
    const n = Number(head);
    const items: Reply[] = [];
    let end = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseReply(text, end);
      if (!item) return undefined;
      items.push(item.value);
      end = item.end;
    }
    return { value: items, end };
  }
  throw new Error(`unexpected reply ${text.slice(at, at + 40)}`);
}

/** Send one inline command to Redis over a fresh socket and resolve with its whole reply. */
export function redisCall(port: number, command: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    let text = '';
    socket.on('data', (data) => {
      text += data.toString();
      const reply = parseReply(text);
      if (!reply) return;
      socket.end();
      resolve(reply.value);
    });
  });
}

/** A reply that is an array of bulk strings (KEYS). */
export async function redisList(port: number, command: string): Promise<string[]> {
  const reply = await redisCall(port, command);
  if (!Array.isArray(reply)) throw new Error(`not a list: ${JSON.stringify(reply)}`);
  return reply as string[];
}

/** Socket ids of the session records in Redis, sorted. */
export const sessionIds = async (port: number) =>
  (await redisList(port, 'KEYS mwse:cluster:session:*')).map((key) => key.slice('mwse:cluster:session:'.length)).sort();
