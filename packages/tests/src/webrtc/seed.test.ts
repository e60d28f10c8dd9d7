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
window.streams = [];
window.accepted = [];
mwse.on('request/pair', (peer) => peer.acceptPair());
// Listeners once per peer, however often accepted/pair fires, so they count the engine's events.
const watched = new Set();
mwse.on('accepted/pair', (peer) => {
  window.accepted.push(peer.socketId);
  if (watched.has(peer)) return;
  watched.add(peer);
  peer.rtc.on('file', async (file) => window.received.push({ name: file.name, type: file.type, text: await file.text() }));
  peer.rtc.on('stream', (stream, name) => window.streams.push({ from: peer.socketId, name, id: stream.id }));
});
mwse.on('scope', () => (window.socketId = mwse.me.socketId));
</script>`;

type Opened = Awaited<ReturnType<BrowserServer['open']>>;

const idOf = async (tab: Opened) =>
  (await (await tab.page.waitForFunction(() => (window as any).socketId, undefined, { timeout: 10_000 })).jsonValue()) as string;

/**
 * Waits until `self` plays the other page's camera, gives late duplicates time to show up, then
 * reports what the page made of it: its <video> elements, the `stream` events and `accepted/pair`.
 */
async function remoteViews(self: Opened) {
  await self.page.waitForFunction(() => [...document.querySelectorAll('video')].some((v) => v.videoWidth > 0), undefined, {
    timeout: 20_000,
    polling: 50,
  });
  // The file is the snippet's last step: after it, every negotiation the snippet causes is done.
  await self.page.waitForFunction(() => (window as any).received.length > 0, undefined, { timeout: 20_000, polling: 50 });
  await new Promise((r) => setTimeout(r, 1500));
  return self.page.evaluate(() => ({
    videos: [...document.querySelectorAll('video')].map((v) => ({
      stream: (v.srcObject as MediaStream | null)?.id,
      kinds: ((v.srcObject as MediaStream | null)?.getTracks() ?? []).map((t) => t.kind).sort(),
    })),
    streams: (window as any).streams as { from: string; name: string; id: string }[],
    accepted: (window as any).accepted as string[],
  }));
}

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
    const [aId, bId] = [await idOf(a), await idOf(b)];
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
    for (const [self, otherId] of [[a, bId], [b, aId]] as const) {
      const views = await remoteViews(self);
      expect(views.videos).toHaveLength(1);
      expect(views.streams.map(({ from, name }) => ({ from, name }))).toEqual([{ from: otherId, name: 'cam' }]);
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  // Both sides accepting each other (the docs' "everyone in a room trusts everyone") fired
  // accepted/pair twice on each side: the snippet ran twice, added a second camera stream under
  // 'cam' and a second `track` listener, and each page showed the other's camera several times,
  // with `stream` events named by a raw stream id.
  it('shows each remote camera once when both sides accept each other: one <video>, one cam stream, no raw-id names', async () => {
    const a = await env.open('/seed.html');
    const b = await env.open('/seed.html');
    const [aId, bId] = [await idOf(a), await idOf(b)];
    await Promise.all([
      a.page.evaluate((id) => (window as any).mwse.peer(id).acceptPair(), bId),
      b.page.evaluate((id) => (window as any).mwse.peer(id).acceptPair(), aId),
    ]);
    for (const [self, otherId] of [[a, bId], [b, aId]] as const) {
      const views = await remoteViews(self);
      expect(views.accepted).toEqual([otherId]);
      expect(views.videos).toHaveLength(1);
      expect(views.videos[0]!.kinds).toEqual(['audio', 'video']);
      expect(views.streams.map(({ from, name }) => ({ from, name }))).toEqual([{ from: otherId, name: 'cam' }]);
      expect(views.videos[0]!.stream).toBe(views.streams[0]!.id);
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
