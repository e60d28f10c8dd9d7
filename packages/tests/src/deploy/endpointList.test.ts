import { afterEach, describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { freePort } from '@mwse/testkit/net';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { endpointOf, once, withTimeout } from '../integration/harness.js';
import { ServerProcess } from '../integration/fuzz/ServerProcess.js';

const fast = { initialDelay: 50, maxDelay: 200 };

/**
 * The SDK's endpoint list against real single-node servers, one of them down or killed: no load
 * balancer in front, the client rotates by itself (docs/cluster.md, Deployment).
 */
describe('new MWSE({ endpoint: [...] }) with one server down', () => {
  const engines: Engine[] = [];
  const proxies: CutProxy[] = [];
  const processes: ServerProcess[] = [];
  const clients: MWSE[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const p of proxies.splice(0)) await p.stop();
    await Promise.all(engines.splice(0).map((e) => e.close()));
    for (const p of processes.splice(0)) p.child.kill('SIGKILL');
  });
  const engine = async (): Promise<Engine> => {
    const started = await createEngine({ host: '127.0.0.1', port: 0, resumeGrace: 60_000 });
    engines.push(started);
    return started;
  };
  const client = (endpoint: string[]): MWSE => {
    const mwse = new MWSE({ endpoint, reconnect: fast });
    // Failed attempts are expected here; without a listener the SDK prints the first of each run.
    mwse.on('connect/error', () => {});
    clients.push(mwse);
    return mwse;
  };
  const scoped = (mwse: MWSE) => withTimeout(mwse.scope(), 10_000, 'scope');

  it('every client connects through the endpoint that answers, after failing on the dead one if it started there', async () => {
    const live = endpointOf(await engine());
    const dead = `ws://127.0.0.1:${await freePort()}`;
    // Clients start on a random endpoint: with 8 of them, about half start on the dead one.
    const all = Array.from({ length: 8 }, () => {
      const mwse = client([dead, live]);
      const failed: string[] = [];
      mwse.on('connect/error', (failure) => failed.push(failure.message));
      return { mwse, failed };
    });
    await Promise.all(all.map(({ mwse }) => scoped(mwse)));
    for (const { mwse, failed } of all) {
      expect(mwse.endpoint).toBe(`${live}/`);
      expect(mwse.endpoints).toEqual([`${dead}/`, `${live}/`]);
      for (const message of failed) expect(message).toMatch(new RegExp(`^cannot connect to ${dead}/: no answer \\(connect ECONNREFUSED`));
    }
  });

  it('a session resumes through whichever endpoint answers: dropped, refused by the dead one, resumed on its own server', async () => {
    const server = await engine();
    const proxy = await new CutProxy(server.port).start();
    proxies.push(proxy);
    const dead = `ws://127.0.0.1:${await freePort()}`;
    const a = client([proxy.endpoint, dead]);
    await scoped(a);
    const b = new MWSE({ endpoint: endpointOf(server), reconnect: false });
    clients.push(b);
    await scoped(b);
    await a.disablePairAuth();
    const socketId = a.me.socketId;
    const failures: string[] = [];
    a.on('connect/error', (failure) => failures.push(failure.message));
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a, 'reconnect', 10_000);
    proxy.cutAll();
    // Sent while a is away: the resume delivers it.
    b.peer(socketId).send({ n: 1 });
    const message = once<[unknown]>(a.peer(b.me.socketId), 'message', 10_000);
    expect((await reconnect)[0]).toEqual({ resumed: true });
    expect(a.me.socketId).toBe(socketId);
    // After the drop it moved to the other endpoint (the dead one) before coming back.
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatch(new RegExp(`^cannot connect to ${dead}/`));
    expect((await message)[0]).toEqual({ n: 1 });
  });

  it('after kill -9 of its server the client goes to the other one (a new session there: single nodes share nothing)', async () => {
    const doomed = await ServerProcess.start({ MWSE_RESUME_GRACE: '60s' });
    processes.push(doomed);
    const other = await engine();
    const order = [doomed.url, endpointOf(other)];
    // Until a client lands on the doomed server (it starts on a random endpoint); bounded.
    let a: MWSE | undefined;
    for (let i = 0; i < 20 && !a; i++) {
      const candidate = client(order);
      await scoped(candidate);
      if (candidate.endpoint === `${doomed.url}/`) a = candidate;
      else candidate.close();
    }
    expect(a, 'a client on the doomed server within 20 tries').toBeDefined();
    const before = a!.me.socketId;
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a!, 'reconnect', 15_000);
    doomed.child.kill('SIGKILL');
    expect((await reconnect)[0]).toEqual({ resumed: false, reason: 'unknown' });
    expect(a!.endpoint).toBe(`${endpointOf(other)}/`);
    expect(a!.me.socketId).not.toBe(before);
    // It works there: a peer of the other server reaches it.
    const b = new MWSE({ endpoint: endpointOf(other), reconnect: false });
    clients.push(b);
    await scoped(b);
    await a!.disablePairAuth();
    const got = once<[unknown]>(a!.peer(b.me.socketId), 'message', 5000);
    b.peer(a!.me.socketId).send({ hello: 'again' });
    expect((await got)[0]).toEqual({ hello: 'again' });
  });
});
