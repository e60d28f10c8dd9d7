import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from '@mwse/server';
import { TRANSPORTS, eventually, httpOf, useServer, type RawClient } from './harness.js';

const site = mkdtempSync(join(tmpdir(), 'mwse-password-checks-'));
writeFileSync(join(site, 'hello.txt'), 'hello from disk');
afterAll(() => rmSync(site, { recursive: true, force: true }));

/** The bound these suites run with (the engine's default). */
const MAX_CHECKS = 2;

let n = 0;
const unique = (base: string) => `${base}-${++n}`;

/** Send `count` joins of `room` with wrong passwords at once; resolves with how many got each code. */
async function flood(socket: RawClient, room: string, count: number): Promise<Record<string, number>> {
  for (let id = 1; id <= count; id++) socket.send({ type: 'room/join', id, name: room, password: `guess-${id}` });
  const answered = () => socket.frames.filter((f) => f.type === 'error' || f.type === 'result');
  await eventually(() => answered().length >= count, 20_000, `answers to ${count} joins`);
  const codes: Record<string, number> = {};
  for (const f of answered()) {
    const code = f.type === 'result' ? 'joined' : String(f.code);
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return codes;
}

describe.each(TRANSPORTS)('room password checks over %s', (transport) => {
  const { state, client, raw } = useServer(transport, () => ({
    maxPasswordChecks: MAX_CHECKS,
    maxPasswordChecksPerPeer: 1,
    http: createHttpHandler({ publicDir: site, sdkDir: site }),
  }));
  const highWater = () => Number(state.engine.hub.metrics.render().match(/^mwse_password_checks_high_water (\d+)$/m)?.[1]);

  it('refuses a flood of wrong-password joins at once, keeps scrypt within its bound and serves files meanwhile (regression: 400 joins starved the thread pool)', async () => {
    const owner = await client();
    const room = unique('flooded');
    await owner.room({ name: room, joinType: 'password', password: 'right' }).createRoom();
    const flooder = await raw();
    const answers = flood(flooder, room, 400);
    // While the flood is handled: a static file (read on the thread pool scrypt also uses) and a
    // correct join from another connection.
    const file = fetch(`${httpOf(state.engine)}/hello.txt`).then(async (r) => [r.status, await r.text()]);
    const guest = await client();
    const joined = guest.room({ name: room, password: 'right' }).join();
    const codes = await answers;
    expect(await file).toEqual([200, 'hello from disk']);
    await expect(joined).resolves.toMatchObject({ name: room, members: expect.arrayContaining([guest.me.socketId]) });
    expect(codes['rate-limited']).toBeGreaterThanOrEqual(390);
    expect(codes['wrong-password']).toBeGreaterThanOrEqual(1);
    expect((codes['rate-limited'] ?? 0) + (codes['wrong-password'] ?? 0)).toBe(400);
    const refusal = flooder.frames.find((f) => f.code === 'rate-limited');
    expect(refusal?.message).toMatch(/password checks/);
    expect(highWater()).toBeGreaterThanOrEqual(1);
    expect(highWater()).toBeLessThanOrEqual(MAX_CHECKS);
  });

  it('keeps the global bound when several connections flood at once', async () => {
    const owner = await client();
    const room = unique('crowded');
    await owner.room({ name: room, joinType: 'password', password: 'right' }).createRoom();
    const flooders = await Promise.all([1, 2, 3, 4, 5].map(() => raw()));
    const all = await Promise.all(flooders.map((socket) => flood(socket, room, 50)));
    const refused = all.reduce((sum, codes) => sum + (codes['rate-limited'] ?? 0), 0);
    expect(refused).toBeGreaterThanOrEqual(200);
    expect(highWater()).toBeLessThanOrEqual(MAX_CHECKS);
    expect(state.engine.hub.metrics.render()).toMatch(/^mwse_password_checks_running 0$/m);
  });

  it('makes a connection that keeps guessing wait before its next check, and lets others in', async () => {
    const owner = await client();
    const room = unique('guessed');
    await owner.room({ name: room, joinType: 'password', password: 'right' }).createRoom();
    const guesser = await client();
    for (let i = 0; i < 3; i++) {
      await expect(guesser.room({ name: room, password: `guess-${i}` }).join()).rejects.toMatchObject({
        code: 'wrong-password',
      });
    }
    // Even the right password waits: the point is that guessing costs time.
    await expect(guesser.room({ name: room, password: 'right' }).join()).rejects.toMatchObject({
      code: 'rate-limited',
      message: expect.stringMatching(/wrong passwords/),
    });
    const other = await client();
    await expect(other.room({ name: room, password: 'right' }).join()).resolves.toMatchObject({ name: room });
  });
});
