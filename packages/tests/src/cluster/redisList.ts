import { createConnection } from 'node:net';

/** A Redis reply that is an array of bulk strings (KEYS), read to its end. */
export function redisList(port: number, command: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    let text = '';
    socket.on('data', (data) => {
      text += data.toString();
      const lines = text.split('\r\n');
      const count = Number(lines[0]!.slice(1));
      if (!lines[0]!.startsWith('*')) {
        socket.end();
        reject(new Error(`not a list: ${lines[0]}`));
        return;
      }
      if (lines.length < 1 + 2 * count + 1) return;
      socket.end();
      resolve(Array.from({ length: count }, (_, k) => lines[2 + 2 * k]!));
    });
  });
}

/** Socket ids of the session records in Redis, sorted. */
export const sessionIds = async (port: number) =>
  (await redisList(port, 'KEYS mwse:cluster:session:*')).map((key) => key.slice('mwse:cluster:session:'.length)).sort();

