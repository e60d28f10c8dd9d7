/**
 * A real mwse-server (built SDK, shipped demos) with the media env given, a public folder with
 * the broadcast test page, and headless Chromium with a fake camera.
 */
import type { RunningServer } from '@mwse/server';
import type { Browser, Page } from 'playwright-core';
import { startBrowserServer } from '../webrtc/browser.js';

/** A page that loads the served SDK and leaves `window.MWSE` and `window.MediaSources` to the test. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>broadcast test</title>
<script type="module">
  import MWSE from '/sdk/index.js';
  import { MediaSources } from '/sdk/webrtc/index.js';
  window.MWSE = MWSE;
  window.MediaSources = MediaSources;
  window.ready = true;
</script>`;

export interface MediaEnv {
  server: RunningServer;
  browser: Browser;
  origin: string;
  /** A new tab (own context) on the test page, the SDK loaded. */
  tab(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function startMediaEnv(env: Record<string, string>): Promise<MediaEnv> {
  const served = await startBrowserServer({ 'broadcast-test.html': PAGE }, env);
  return {
    server: served.server,
    browser: served.browser,
    origin: served.origin,
    async tab() {
      const { page, errors } = await served.open('/broadcast-test.html');
      await page.waitForFunction('window.ready === true', undefined, { timeout: 20_000 });
      return { page, errors };
    },
    close: () => served.close(),
  };
}

/** In-page helpers every tab defines: connect, join, publish, watch, read frames decoded. */
export const PAGE_HELPERS = `
window.connect = async () => {
  const mwse = new MWSE();
  await mwse.scope();
  window.mwse = mwse;
  window.events = [];
  return mwse.me.socketId;
};
window.enter = async (name, create, options = {}) => {
  const room = mwse.room({ name, mode: 'broadcast', ifexistsJoin: true, ...options });
  window.room = room;
  room.broadcast.on('started', (n, p) => events.push(['started', n, p]));
  room.broadcast.on('ended', (n, r) => events.push(['ended', n, r]));
  return create ? room.createRoom() : room.join();
};
window.publish = async (name) => {
  const stream = await MediaSources.cameraAndMic();
  window.live = await room.broadcast.publish(stream, { name });
  window.viewerCounts = [];
  live.on('viewers', (n) => viewerCounts.push(n));
  live.on('ended', (r) => events.push(['publish-ended', r]));
  return live.session;
};
window.watchIt = async (name, options) => {
  window.watching = await room.broadcast.watch(name, options);
  watching.on('ended', (r) => events.push(['watch-ended', r]));
  return watching.session;
};
window.framesDecoded = async () => {
  let frames = 0;
  (await watching.pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0; });
  return frames;
};
// The kind of local candidate media flows through: the transport's selected pair (a pair can be
// between consent checks, or not flagged nominated on this side, while media flows on it).
window.relayed = async () => {
  const stats = await watching.pc.getStats();
  let pair;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  return pair ? stats.get(pair.localCandidateId)?.candidateType : undefined;
};
window.failure = async (fn) => { try { await fn(); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
`;
