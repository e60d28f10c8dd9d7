import type { IncomingRequest } from './IncomingRequest.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ids, settle } from './test/fakeServer.js';
import { startClient } from './test/startClient.js';

function incoming(
  socket: { push(frame: object): void },
  id = 7,
  body: unknown = { type: 'addition', number1: 1, number2: 5 },
) {
  socket.push({ type: 'request', id, from: ids.alice, body });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('incoming requests', () => {
  it('answers no-handler when nobody listens', () => {
    const { socket } = startClient();
    incoming(socket());
    expect(socket().last('response/to')).toEqual({
      type: 'response/to',
      id: 7,
      to: ids.alice,
      error: { code: 'no-handler', message: 'the peer has no request handler' },
    });
  });

  it("gives the sender's listener body, peer and response (the seed's addition)", () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    alice.on('request', (request: IncomingRequest<{ type: string; number1: number; number2: number }>) => {
      expect(request.peer).toBe(alice);
      if (request.body.type === 'addition')
        request.response(request.body.number1 + request.body.number2);
    });
    incoming(socket());
    expect(socket().last('response/to')).toEqual({
      type: 'response/to',
      id: 7,
      to: ids.alice,
      body: 6,
    });
  });

  it('reaches the client listener too, and answers at most once', () => {
    const { mwse, socket } = startClient();
    const seen: string[] = [];
    mwse.peer(ids.alice).on('request', (req) => {
      seen.push('peer');
      expect(req.response('first')).toBe(true);
    });
    mwse.on('request', (req) => {
      seen.push('client');
      expect(req.answered).toBe(true);
      expect(req.response('second')).toBe(false);
    });
    incoming(socket());
    expect(seen).toEqual(['peer', 'client']);
    expect(socket().frames('response/to')).toEqual([
      { type: 'response/to', id: 7, to: ids.alice, body: 'first' },
    ]);
  });

  it("a listener's throw answers remote-error with its message", () => {
    const { mwse, socket, errors } = startClient();
    mwse.on('request', () => {
      throw new Error('cannot add');
    });
    incoming(socket());
    expect(socket().last('response/to').error).toEqual({
      code: 'remote-error',
      message: 'cannot add',
    });
    expect(errors).toEqual([]);
  });

  it('response(promise) answers with the resolved value, or remote-error on rejection', async () => {
    const { mwse, socket } = startClient();
    mwse.on('request', (req) =>
      req.response(req.body === 'ok' ? Promise.resolve(42) : Promise.reject(new Error('nope'))),
    );
    incoming(socket(), 1, 'ok');
    incoming(socket(), 2, 'fail');
    await settle();
    const [ok, fail] = socket().frames('response/to');
    expect(ok).toEqual({ type: 'response/to', id: 1, to: ids.alice, body: 42 });
    expect(fail).toMatchObject({ id: 2, error: { code: 'remote-error', message: 'nope' } });
  });

  it('an async listener that rejects answers remote-error', async () => {
    const { mwse, socket } = startClient();
    mwse.on('request', async () => {
      await Promise.resolve();
      throw new Error('async failure');
    });
    incoming(socket());
    await settle();
    expect(socket().last('response/to').error).toEqual({
      code: 'remote-error',
      message: 'async failure',
    });
  });

  it('a response JSON cannot encode becomes remote-error instead of silence', () => {
    const { mwse, socket } = startClient();
    // @ts-expect-error the type refuses a bigint; this checks what happens when one gets through
    mwse.on('request', (req) => req.response({ big: 1n }));
    incoming(socket());
    expect(socket().last('response/to').error.code).toBe('remote-error');
  });

  it('req.reject answers remote-error', () => {
    const { mwse, socket } = startClient();
    mwse.on('request', (req) => req.reject('not allowed'));
    incoming(socket());
    expect(socket().last('response/to').error).toEqual({
      code: 'remote-error',
      message: 'not allowed',
    });
  });

  it('an answer given after a reconnect is dropped (the requester knew the old socket)', async () => {
    vi.useFakeTimers();
    const { mwse, server } = startClient({ reconnect: { initialDelay: 10, maxDelay: 10 } });
    let pending: { response(v: unknown): boolean } | undefined;
    mwse.on('request', (req) => {
      pending = req;
    });
    incoming(server.socket);
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(10);
    server.socket.hello(ids.me2);
    pending?.response('late');
    expect(server.socket.frames('response/to')).toEqual([]);
  });
});
