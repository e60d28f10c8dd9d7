import { MWSE } from '../MWSE.js';
import type { MWSEOptions } from '../MWSEOptions.js';
import { type FakeSocket, fakeServer, ids } from './fakeServer.js';

/**
 * A client on a fake socket. `scoped: true` (the default) also plays the server's hello. Errors the
 * client reports are collected instead of printed.
 */
export function startClient(options: MWSEOptions & { scoped?: boolean } = {}) {
  const { scoped = true, ...rest } = options;
  const server = fakeServer();
  const mwse = new MWSE({ endpoint: 'ws://mwse.test', WebSocket: server.WebSocket, ...rest });
  const errors: Error[] = [];
  mwse.on('error', (error) => errors.push(error));
  if (scoped) server.socket.hello(ids.me);
  return { mwse, server, errors, socket: () => server.socket };
}

/** Answers the last sent frame of `type` with a `result`. */
export function answer(socket: FakeSocket, type: string, data: unknown = null): void {
  socket.push({ type: 'result', id: socket.last(type).id, data });
}
