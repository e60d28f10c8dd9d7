/**
 * Broadcast rooms through a real Janus (started here with a generated config on free ports):
 * one Chromium publisher with a fake camera, Chromium viewers through MWSE, each decoding frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { janusMissing, startJanus, startTurn, turnMissing, type TestJanus } from '@mwse/testkit/janus';
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

      expect(before).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(before);
    }
    await publisher.waitForFunction(`live.viewers === ${VIEWERS}`, undefined, { timeout: 10_000 });
    const listed = await viewers[0]!.evaluate(`room.broadcast.list()`);
    expect(listed).toEqual([expect.objectContaining({ name: 'main', viewers: VIEWERS })]);
    const rooms = (await (await fetch(`${env.origin}/api/rooms`)).json()) as { rooms: unknown[] };
    expect(rooms.rooms).toContainEqual(expect.objectContaining({ name: 'live-1', broadcasts: [{ name: 'main', viewers: VIEWERS }] }));
    const metrics = await (await fetch(`${env.origin}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^mwse_broadcast_viewers ${VIEWERS}$`, 'm'));

    await publisher.evaluate(`live.stop()`);
    for (const v of viewers) {
      await v.waitForFunction(`events.some((e) => e[0] === 'watch-ended' && e[1] === 'stopped')`);
      expect(await v.evaluate(`watching.pc.connectionState`)).toBe('closed');
    }
    expect(await (await fetch(`${env.origin}/metrics`)).text()).toMatch(/^mwse_broadcasts 0$/m);
  });

  it('the publisher connection drops while its MWSE session stays: viewers get ended media-lost', { timeout: 60_000 }, async () => {
    const { publisher, viewer } = await liveBroadcast(env, 'dropped');
    // Not stop(): the media connection goes, and Janus hangs the publisher up on its own.
    await publisher.evaluate(`live.pc.close()`);
    for (const page of [publisher, viewer]) {
      await page.waitForFunction(`events.some((e) => e[0] === 'ended' && e[1] === 'main' && e[2] === 'media-lost')`, undefined, { timeout: 30_000 });
    }
    expect(await viewer.evaluate(`watching.ended`)).toBe(true);
    // The name is free again on the same Janus.
    await publisher.evaluate(`publish('main')`);
    await publisher.evaluate(`live.stop()`);
  });

  it('offers Janus cannot take are media-refused, and leave nothing behind', async () => {
    const page = await tabReady(env);
    await page.evaluate(`enter('refusals', true)`);
    const call = (offer: string) =>
      failure(page, `room.broadcastCall({ type: 'broadcast/publish', room: 'refusals', name: 'bad', offer: ${JSON.stringify(offer)} })`);
    // No video at all (refused before Janus is asked), and a video m-line Janus cannot parse.
    expect(await call('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n')).toMatchObject({ code: 'media-refused' });
    expect(await call('v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n')).toMatchObject({ code: 'media-refused' });
    // The name is free again: a real publish under it works.
    await page.evaluate(`publish('bad')`);
    await page.evaluate(`live.stop()`);
    expect(await (await fetch(`${env.origin}/metrics`)).text()).toMatch(/^mwse_broadcasts 0$/m);
  });
});

/** A publisher and a viewer decoding, through a Janus of the test's own. */
async function liveBroadcast(env: MediaEnv, room: string): Promise<{ publisher: Page; viewer: Page }> {
  const publisher = await tabReady(env);
  await publisher.evaluate(`enter('${room}', true)`);
  const viewer = await tabReady(env);
  await viewer.evaluate(`enter('${room}', false)`);
  await publisher.evaluate(`publish('main')`);
  await viewer.evaluate(`watchIt('main')`);
  const [, after] = await decoding(viewer);
  expect(after).toBeGreaterThan(0);
  return { publisher, viewer };
}

const failure = (page: Page, call: string) =>
  page.evaluate(`failure(() => ${call})`) as Promise<{ name: string; code: string; message: string } | null>;

describe.skipIf(janusMissing())('Janus lost', () => {
  for (const how of ['killed', 'frozen'] as const) {
    it(`${how} mid-broadcast: publisher and viewer get ended media-lost; a new publish fails media-unavailable, nothing hangs`, { timeout: 90_000 }, async () => {
      const janus = await startJanus();
      // A frozen Janus answers nothing: the deadline is what ends the calls.
      const env = await startMediaEnv({ MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url, MWSE_MEDIA_TIMEOUT: how === 'frozen' ? '2s' : '20s' });
      try {
        const { publisher, viewer } = await liveBroadcast(env, `lost-${how}`);
        if (how === 'killed') await janus.kill();
        else janus.freeze();
        for (const page of [publisher, viewer]) {
          await page.waitForFunction(`events.some((e) => e[0] === 'ended' && e[1] === 'main' && e[2] === 'media-lost')`, undefined, { timeout: 20_000 });
        }
        expect(await viewer.evaluate(`watching.ended && watching.pc.connectionState`)).toBe('closed');
        expect(await publisher.evaluate(`live.ended`)).toBe(true);
        const started = Date.now();
        const refused = await failure(publisher, `publish('again')`);
        expect(refused).toMatchObject({ name: 'MWSEError', code: 'media-unavailable' });
        // Killed: the refusal comes at once, not at the (long) deadline; frozen: at the deadline.
        expect(Date.now() - started).toBeLessThan(how === 'killed' ? 15_000 : 10_000);
        expect(await (await fetch(`${env.origin}/metrics`)).text()).toMatch(/^mwse_broadcasts 0$/m);
        expect(await (await fetch(`${env.origin}/metrics`)).text()).toMatch(/^mwse_broadcast_viewers 0$/m);
      } finally {
        await env.close();
        await janus.stop();
      }
    });
  }
});

describe.skipIf(janusMissing() || turnMissing())('a relay-only viewer through coturn', () => {
  const secret = 'coturn-shared-secret-of-this-test';
  it('watches through TURN with credentials MWSE minted', { timeout: 90_000 }, async () => {
    const janus = await startJanus();
    const turn = await startTurn({ secret });
    const env = await startMediaEnv({
      MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url, MWSE_MEDIA_TIMEOUT: '5s',
      MWSE_TURN_SECRET: secret, MWSE_TURN_URLS: turn.url,
    });
    try {
      const publisher = await tabReady(env);
      await publisher.evaluate(`enter('relayed', true)`);
      const viewer = await tabReady(env);
      await viewer.evaluate(`enter('relayed', false)`);
      await publisher.evaluate(`publish('main')`);
      const servers = (await viewer.evaluate(`room.broadcast.iceServers()`)) as { urls: string[]; username: string }[];
      expect(servers).toEqual([expect.objectContaining({ urls: [turn.url], username: expect.stringMatching(/^\d+:/) })]);
      await viewer.evaluate(`watchIt('main', { relayOnly: true })`);
      const [before, after] = await decoding(viewer);
      expect(before).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(before);
      expect(await viewer.evaluate(`relayed()`)).toBe('relay');
    } finally {
      await env.close();
      await turn.stop();
      await janus.stop();
    }
  });
});
