/**
 * The shipped demo pages, /demos/audio.html and /demos/video.html, each open in two tabs the way a
 * person would try them: they join a room, trust each other, and call on `accepted/pair`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer, type BrowserServer } from './browser.js';

type Opened = Awaited<ReturnType<BrowserServer['open']>>;

/** Polls `check` in the page until it gives something truthy. */
function until<T>(tab: Opened, check: string, timeout = 20_000): Promise<T> {
  return tab.page
    .waitForFunction(check, undefined, { timeout, polling: 100 })
    .then((handle) => handle.jsonValue() as Promise<T>);
}

describe('the demo pages', () => {
  let env: BrowserServer;
  beforeAll(async () => {
    env = await startBrowserServer({});
  });
  afterAll(async () => {
    await env?.close();
  });

  it('audio.html: two tabs hear each other', async () => {
    const tabs = [await env.open('/demos/audio.html?room=audio-test'), await env.open('/demos/audio.html?room=audio-test')];
    for (const tab of tabs) {
      // One call, with the other tab's microphone playing in an <audio> element.
      await until(tab, `(() => {
        const calls = [...window.demo.calls.values()];
        const audio = calls[0]?.audio;
        return calls.length === 1 && audio.srcObject?.getAudioTracks()[0]?.readyState === 'live' && !audio.paused;
      })()`);
      const samples = await tab.page.evaluate(async () => {
        const { mwse, calls } = (window as any).demo;
        const rtc = mwse.peer([...calls.keys()][0]).rtc;
        const count = async () => {
          let total = 0;
          (await rtc.getStats()).forEach((s: any) => s.type === 'inbound-rtp' && s.kind === 'audio' && (total += s.totalSamplesReceived ?? 0));
          return total;
        };
        // A live, playing track can precede the first RTP packet while ICE still connects:
        // wait for audio to start flowing, then check that it keeps flowing.
        for (let waited = 0; (await count()) === 0 && waited < 10_000; waited += 100) {
          await new Promise((r) => setTimeout(r, 100));
        }
        const before = await count();
        await new Promise((r) => setTimeout(r, 600));
        return [before, await count()];
      });
      expect(samples[1]).toBeGreaterThan(samples[0]!);
      expect(tab.errors).toEqual([]);
    }
  });

  it('video.html: a camera grid of both tabs, screen share, and a file drop', async () => {
    const tabs = [await env.open('/demos/video.html?room=video-test'), await env.open('/demos/video.html?room=video-test')];
    for (const tab of tabs) {
      // My own tile and the other tab's, both playing.
      await until(tab, `[...document.querySelectorAll('.tile video')].filter((v) => v.videoWidth > 0).length === 2`);
    }
    const [a, b] = tabs as [Opened, Opened];
    // What b receives from a adapts to bandwidth and CPU (a camera often arrives at 320×240 before
    // it reaches 640×480), so the shape tells the sources apart: the fake camera is 4:3, the fake
    // screen 16:9 (1280×720).
    const aspect = `(() => { const v = document.querySelectorAll('.tile video')[1]; return v.videoHeight && v.videoWidth / v.videoHeight; })()`;
    const shaped = (ratio: number) => `Math.abs(${aspect} - ${ratio}) < 0.02`;
    expect(await b.page.evaluate(aspect)).toBeCloseTo(4 / 3, 2);

    // a shares its screen in place of its camera: b's tile switches to it, and back.
    await a.page.evaluate(() => (window as any).demo.setSharing(true));
    await until(b, shaped(16 / 9));
    await a.page.evaluate(() => (window as any).demo.setSharing(false));
    await until(b, shaped(4 / 3));

    // a drops a file: b gets a link to save it, with the same bytes.
    await a.page.evaluate(async () => {
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
      await (window as any).demo.sendFiles([new File([bytes], 'drop.bin', { type: 'application/octet-stream' })]);
    });
    const saved = await until<{ name: string; size: number; sum: number }>(
      b,
      `(async () => {
        const link = document.querySelector('a.received');
        if (!link) return false;
        const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
        let sum = 0;
        for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i] * (i % 7 + 1)) % 1000003;
        return { name: link.download, size: bytes.length, sum };
      })()`,
    );
    const expected = await a.page.evaluate(() => {
      let sum = 0;
      for (let i = 0; i < 3 * 1024 * 1024; i++) sum = (sum + (i % 251) * ((i % 7) + 1)) % 1000003;
      return sum;
    });
    expect(saved).toEqual({ name: 'drop.bin', size: 3 * 1024 * 1024, sum: expected });
    expect(await a.page.locator('#files li').first().textContent()).toContain('sent');
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });
});
