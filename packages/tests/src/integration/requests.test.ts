import type { IncomingRequest } from '@mwse/client';
import { describe, expect, it } from 'vitest';
import { MWSEError } from '@mwse/client';
import { SETUPS, once, useServer } from './harness.js';

describe.each(SETUPS)('request/response over %s with %s frames', (transport, codec) => {
  const { client, state } = useServer(transport, {}, codec);

  async function pairOff() {
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    return { a, b, bFromA: a.peer(b.me.socketId), aFromB: b.peer(a.me.socketId) };
  }

  it('answers a request as the seed wiki writes it (1 + 5 = 6)', async () => {
    const { bFromA, aFromB } = await pairOff();
    aFromB.on('request', (request: IncomingRequest<{ type: string; number1: number; number2: number }>) => {
      expect(request.peer).toBe(aFromB);
      if (request.body.type === 'addition') request.response(request.body.number1 + request.body.number2);
    });
    const answer = await bFromA.request({ type: 'addition', number1: 1, number2: 5 });
    expect(answer).toBe(6);
  });

  it('routes requests from anyone to mwse.on("request")', async () => {
    const { b, bFromA } = await pairOff();
    b.on('request', (req: IncomingRequest<string>) => req.response(req.body.toUpperCase()));
    expect(await bFromA.request('shout')).toBe('SHOUT');
  });

  it('matches answers that come back out of order', async () => {
    const { aFromB, bFromA } = await pairOff();
    aFromB.on('request', (req: IncomingRequest<number>) => {
      // the first question is answered last
      setTimeout(() => req.response(`answer${req.body}`), req.body === 1 ? 150 : 10);
    });
    const first = bFromA.request(1);
    const second = bFromA.request(2);
    const order: string[] = [];
    first.then((v) => order.push(v as string));
    second.then((v) => order.push(v as string));
    expect(await Promise.all([first, second])).toEqual(['answer1', 'answer2']);
    expect(order).toEqual(['answer2', 'answer1']);
  });

  it('accepts a promise as the answer', async () => {
    const { aFromB, bFromA } = await pairOff();
    aFromB.on('request', (req: { response(v: unknown): void }) =>
      req.response(new Promise((r) => setTimeout(() => r('later'), 20))),
    );
    expect(await bFromA.request(null)).toBe('later');
  });

  it('rejects with timeout when no answer comes, and the server forgets the request', async () => {
    const { a, aFromB, bFromA } = await pairOff();
    aFromB.on('request', () => {}); // never answers
    const error = await bFromA.request('x', { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MWSEError);
    expect((error as MWSEError).code).toBe('timeout');
    // the requester cancelled: nothing stays in flight on the server
    await new Promise((r) => setTimeout(r, 50));
    expect(state.engine.hub.peer(a.me.socketId)?.pendingRequests?.size ?? 0).toBe(0);
  });

  it('rejects within a second when the target disconnects', async () => {
    const { b, aFromB, bFromA } = await pairOff();
    aFromB.on('request', () => {}); // holds the request
    const started = Date.now();
    const pending = bFromA.request('wait', { timeout: 10_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    b.close();
    const error = (await pending) as MWSEError;
    expect(error.code).toBe('peer-disconnected');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects with no-handler when the target listens for no requests', async () => {
    const { bFromA } = await pairOff();
    await expect(bFromA.request('anyone?')).rejects.toMatchObject({ code: 'no-handler' });
  });

  it('rejects with remote-error when the handler throws', async () => {
    const { aFromB, bFromA } = await pairOff();
    aFromB.on('request', () => {
      throw new Error('boom');
    });
    await expect(bFromA.request('x')).rejects.toMatchObject({ code: 'remote-error' });
  });

  it('rejects at once with not-paired when the target has pair-auth on', async () => {
    const a = await client();
    const b = await client();
    b.peer(a.me.socketId).on('request', (req: { response(v: unknown): void }) => req.response('leak'));
    const started = Date.now();
    await expect(a.peer(b.me.socketId).request('x', { timeout: 5000 })).rejects.toMatchObject({
      code: 'not-paired',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects with unreachable for an unknown peer', async () => {
    const a = await client();
    await expect(a.peer('00000000-0000-4000-8000-000000000000').request('x')).rejects.toMatchObject({
      code: 'unreachable',
    });
  });

  it('sends one answer even when the handler responds twice', async () => {
    const { aFromB, bFromA } = await pairOff();
    aFromB.on('request', (req: { response(v: unknown): void }) => {
      req.response('one');
      req.response('two');
    });
    expect(await bFromA.request('q')).toBe('one');
    expect(await bFromA.request('q')).toBe('one');
  });
});
