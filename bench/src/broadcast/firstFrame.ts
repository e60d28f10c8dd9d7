import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@mwse/server';
import { launchChromium } from '@mwse/testkit';
import { startJanus } from '@mwse/testkit/janus';
import { quantile } from './audienceStorm.js';

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import MWSE from '/sdk/index.js';
import { MediaSources } from '/sdk/webrtc/index.js';
window.MWSE = MWSE; window.MediaSources = MediaSources; window.ready = true;
</script>`;

export interface FirstFrameResult {
  viewers: number;
  /** Per viewer: from calling `watch()` to the first decoded frame (ms). */
  p50: number;
  p99: number;
  max: number;
  /** Of that, until `watch()` resolved (offer with ICE gathered, MWSE, Janus, answer): p50 (ms). */
  answeredP50: number;
}

/**
 * One Chromium publisher (fake camera) and `viewers` Chromium viewers through MWSE and a Janus of
 * its own; all viewers call `watch()` at once, each timing its own call to its first decoded frame
 * (`requestVideoFrameCallback` on a playing <video>).
 */
export async function firstFrame(viewers: number): Promise<FirstFrameResult> {
  const janus = await startJanus();
  const publicDir = mkdtempSync(join(tmpdir(), 'mwse-bench-broadcast-'));
  writeFileSync(join(publicDir, 'bench.html'), PAGE);
  const server = await startServer({
    ...loadConfig({ MWSE_STORE: 'memory', MWSE_MEDIA: 'janus', MWSE_MEDIA_URL: janus.url, MWSE_LOG_LEVEL: 'warn' }),
    host: '127.0.0.1', port: 0, publicDir,
  });
  const browser = await launchChromium({ media: true });
  try {
    const origin = `http://127.0.0.1:${server.port}`;
    const open = async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${origin}/bench.html`);
      await page.waitForFunction('window.ready === true');
      await page.evaluate(`(async () => { window.mwse = new MWSE(); await mwse.scope(); window.room = mwse.room({ name: 'bench', mode: 'broadcast', ifexistsJoin: true }); await room.createRoom(); })()`);
      return page;
    };
    const publisher = await open();
    await publisher.evaluate(`(async () => { window.live = await room.broadcast.publish(await MediaSources.cameraAndMic(), { name: 'main' }); })()`);
    const pages = await Promise.all(Array.from({ length: viewers }, open));
    // Let the publisher's encoder settle, as a real audience arrives after the start.
    await new Promise((r) => setTimeout(r, 2000));
    const both = (await Promise.all(
      pages.map((page) =>
        page.evaluate(`(async () => {
          const t0 = performance.now();
          const watch = await room.broadcast.watch('main');
          const answered = performance.now() - t0;
          const video = document.createElement('video');
          video.muted = true; video.autoplay = true; video.srcObject = watch.stream; document.body.append(video);
          await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
          return [performance.now() - t0, answered];
        })()`),
      ),
    )) as [number, number][];
    const times = both.map((b) => b[0]).sort((a, b) => a - b);
    const answered = both.map((b) => b[1]).sort((a, b) => a - b);
    return { viewers, p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times[times.length - 1]!, answeredP50: quantile(answered, 0.5) };
  } finally {
    await browser.close();
    await server.close();
    await janus.stop();
    rmSync(publicDir, { recursive: true, force: true });
  }
}
