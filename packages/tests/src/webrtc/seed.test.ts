/**
 * The seed README's WebRTC snippet, as written, in pages served by the real server: `/sdk/index.js`
 * gives every peer `peer.rtc` with no extra call, and `/sdk/webrtc/index.js` gives `MediaSources`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer, type BrowserServer } from './browser.js';

/** The snippet from the seed README (its Turkish comments kept), unchanged. */
const SNIPPET = `import MWSE from '/sdk/index.js';
import { MediaSources } from '/sdk/webrtc/index.js';

const mwse = new MWSE();

mwse.me.on('accepted/pair', async peer => {
  const polite = mwse.me.socketId < peer.socketId;
  peer.rtc.connect({ polite });

  // Kamera + mikrofon
  const stream = await MediaSources.cameraAndMic();
  peer.rtc.addStream('cam', stream);

  // Gelen video/ses
  peer.rtc.on('track', (track, streams) => {
    const video = document.createElement('video');
    video.srcObject = streams[0];
    video.autoplay = true;
    document.body.appendChild(video);
  });

  // Dosya gönderme
  await peer.rtc.sendFile(file);
});`;

/**
 * Around the snippet: \`file\` (the snippet sends one it does not define), answering pair requests,
 * and handles for the test. None of it touches WebRTC.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>seed snippet</title>
<body>
<script>
  window.file = new File(['merhaba from the seed snippet'], 'seed.txt', { type: 'text/plain' });
</script>
<script type="module">
${SNIPPET}

window.mwse = mwse;
window.received = [];
mwse.on('request/pair', (peer) => peer.acceptPair());
mwse.on('accepted/pair', (peer) => {
  peer.rtc.on('file', async (file) => window.received.push({ name: file.name, type: file.type, text: await file.text() }));
});
mwse.on('scope', () => (window.socketId = mwse.me.socketId));
</script>`;

describe('the seed README snippet, served by the server', () => {
  let env: BrowserServer;
  beforeAll(async () => {
    env = await startBrowserServer({ 'seed.html': PAGE });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('connects two pages: camera and microphone both ways, playing, and the file arrives', async () => {
    const a = await env.open('/seed.html');
    const b = await env.open('/seed.html');
    const idOf = async (page: typeof a.page) =>
      (await (await page.waitForFunction(() => (window as any).socketId, undefined, { timeout: 10_000 })).jsonValue()) as string;
    const [aId, bId] = [await idOf(a.page), await idOf(b.page)];
    // b asks, a accepts: both sides get accepted/pair and run the snippet.
    await b.page.evaluate((id) => (window as any).mwse.peer(id).requestPair(), aId);

    for (const [self, otherId] of [[a, bId], [b, aId]] as const) {
      const result = await self.page.evaluate(async (otherId) => {
        const until = async <T,>(
          check: () => T | Promise<T>,
          what: string,
          timeout = 20_000,
        ): Promise<Exclude<T, false | undefined | null>> => {
          const started = Date.now();
          for (;;) {
            const value = await check();
            if (value) return value as Exclude<T, false | undefined | null>;
            if (Date.now() - started > timeout) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        const video = await until(
          () => [...document.querySelectorAll('video')].find((v) => v.videoWidth > 0),
          'a playing <video>',
        );
        const rtc = (window as any).mwse.peer(otherId).rtc;
        const inbound = async () => {
          const totals = { frames: 0, samples: 0 };
          (await rtc.getStats()).forEach((s: any) => {
            if (s.type !== 'inbound-rtp') return;
            totals.frames += s.framesDecoded ?? 0;
            totals.samples += s.totalSamplesReceived ?? 0;
          });
          return totals;
        };
        const before = await until(async () => {
          const t = await inbound();
          return t.frames > 0 && t.samples > 0 && t;
        }, 'decoded frames and audio samples');
        await new Promise((r) => setTimeout(r, 700));
        const after = await inbound();
        const file = await until(() => (window as any).received[0], 'the file');
        const stream = video.srcObject as MediaStream;
        return {
          width: video.videoWidth,
          kinds: stream.getTracks().map((t) => t.kind).sort(),
          framesGrew: after.frames > before.frames,
          samplesGrew: after.samples > before.samples,
          file,
          state: rtc.state,
        };
      }, otherId);
      expect(result.width).toBeGreaterThan(0);
      expect(result.kinds).toEqual(['audio', 'video']);
      expect(result.framesGrew).toBe(true);
      expect(result.samplesGrew).toBe(true);
      expect(result.state).toBe('connected');
      expect(result.file).toEqual({ name: 'seed.txt', type: 'text/plain', text: 'merhaba from the seed snippet' });
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
