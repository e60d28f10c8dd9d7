/**
 * /demos/broadcast.html the way a person tries it, through a real Janus: one tab publishes its
 * camera, two others watch it, and the publisher's tab shows the viewer count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { janusMissing, startJanus, type TestJanus } from '@mwse/testkit/janus';
import type { Page } from 'playwright-core';
import { startMediaEnv, type MediaEnv } from './mediaEnv.js';

describe.skipIf(janusMissing())('the broadcast demo', () => {
  let janus: TestJanus;
  let env: MediaEnv;
  beforeAll(async () => {
    janus = await startJanus();
    env = await startMediaEnv({ MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await janus?.stop();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const tab = await env.tab();
    await tab.page.goto(`${env.origin}/demos/broadcast.html?room=demo-test`);
    return tab;
  }

  it('publish from one tab, watch from two others, the count shows 2', { timeout: 90_000 }, async () => {
    const host = await open();
    await host.page.waitForFunction(`document.getElementById('status').textContent.includes('nobody is live')`);
    await host.page.click('#publish');
    await host.page.waitForFunction(`document.getElementById('status').textContent === 'live'`, undefined, { timeout: 20_000 });
    const viewers = [await open(), await open()];
    for (const v of viewers) {
      await v.page.waitForFunction(`!document.getElementById('watch').disabled`, undefined, { timeout: 20_000 });
      await v.page.click('#watch');
      // The <video> plays frames from the media server.
      await v.page.waitForFunction(`(() => { const q = document.getElementById('video').getVideoPlaybackQuality?.(); return q && q.totalVideoFrames > 5; })()`, undefined, { timeout: 20_000 });
      expect(await v.page.evaluate(`document.getElementById('publish').disabled`)).toBe(true);
    }
    await host.page.waitForFunction(`document.getElementById('count').textContent === '2'`, undefined, { timeout: 10_000 });
    await host.page.click('#stop');
    for (const v of viewers) {
      await v.page.waitForFunction(`document.getElementById('status').textContent.includes('ended (stopped)')`, undefined, { timeout: 10_000 });
    }
    for (const tab of [host, ...viewers]) expect(tab.errors).toEqual([]);
  });
});
