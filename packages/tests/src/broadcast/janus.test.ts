/**
 * Broadcast rooms through a real Janus (started here with a generated config on free ports):
 * one Chromium publisher with a fake camera, Chromium viewers through MWSE, each decoding frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { janusMissing, startJanus, type TestJanus } from '@mwse/testkit/janus';
import type { Page } from 'playwright-core';
import { PAGE_HELPERS, startMediaEnv, type MediaEnv } from './mediaEnv.js';

const VIEWERS = 3;

async function tabReady(env: MediaEnv): Promise<Page> {
  const { page } = await env.tab();
  await page.evaluate(PAGE_HELPERS);
  await page.evaluate('connect()');
  return page;
}

/** Frames a viewer decoded, twice, a second apart. */
async function decoding(page: Page): Promise<[number, number]> {
  return page.evaluate(async () => {
    const w = window as unknown as { framesDecoded(): Promise<number> };
    for (let waited = 0; (await w.framesDecoded()) === 0 && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const before = await w.framesDecoded();
    await new Promise((r) => setTimeout(r, 1000));
    return [before, await w.framesDecoded()] as [number, number];
  });
}

describe.skipIf(janusMissing())('broadcast through Janus', () => {
  let janus: TestJanus;
  let env: MediaEnv;
  beforeAll(async () => {
    janus = await startJanus();
    env = await startMediaEnv({ MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url, MWSE_MEDIA_TIMEOUT: '3s' });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await janus?.stop();
  });

  it(`one publisher, ${VIEWERS} viewers: each decodes frames; counts, started and ended reach them`, { timeout: 90_000 }, async () => {
    const publisher = await tabReady(env);
    await publisher.evaluate(`enter('live-1', true)`);
    const viewers = await Promise.all(Array.from({ length: VIEWERS }, () => tabReady(env)));
    for (const v of viewers) await v.evaluate(`enter('live-1', false)`);
    await publisher.evaluate(`publish('main')`);
    for (const v of viewers) {
      await v.waitForFunction(`events.some((e) => e[0] === 'started' && e[1] === 'main')`);
    }
    await Promise.all(viewers.map((v) => v.evaluate(`watchIt('main')`)));
    for (const v of viewers) {
      const [before, after] = await decoding(v);
      console.log('decoded', before, after);
      expect(before).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(before);
    }
    console.log('viewers', await publisher.evaluate('[live.viewers, viewerCounts]'));
    await publisher.waitForFunction(`live.viewers === ${VIEWERS}`, undefined, { timeout: 10_000 });
    const listed = await viewers[0]!.evaluate(`room.broadcast.list()`);
    expect(listed).toEqual([expect.objectContaining({ name: 'main', viewers: VIEWERS })]);
    const rooms = (await (await fetch(`${env.origin}/api/rooms`)).json()) as { rooms: unknown[] };
    expect(rooms.rooms).toContainEqual(expect.objectContaining({ name: 'live-1', broadcasts: [{ name: 'main', viewers: VIEWERS }] }));
    const metrics = await (await fetch(`${env.origin}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^mwse_broadcast_viewers ${VIEWERS}$`, 'm'));

    await publisher.evaluate(`live.stop()`);
    await new Promise((r) => setTimeout(r, 1000));
    console.log('events', await viewers[0]!.evaluate('JSON.stringify(events)'), await publisher.evaluate('JSON.stringify(events)'));
    for (const v of viewers) {
      await v.waitForFunction(`events.some((e) => e[0] === 'watch-ended' && e[1] === 'stopped')`);
      expect(await v.evaluate(`watching.pc.connectionState`)).toBe('closed');
    }
    expect(await (await fetch(`${env.origin}/metrics`)).text()).toMatch(/^mwse_broadcasts 0$/m);
  });
});
