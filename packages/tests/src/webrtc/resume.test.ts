/**
 * A call survives a cut of one page's signalling connection: page A reaches the server through a
 * TCP proxy that the test cuts (both legs destroyed, no close frame, as a network drops it); its
 * session resumes, the media between the pages never stops, and renegotiation over the resumed
 * signalling still works, including an offer written while the connection was down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { startBrowserServer, type BrowserServer } from './browser.js';

/** Both pages: the served SDK (peer.rtc built in), endpoint from `?ws=`, a record of what happened. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>rtc across a resume</title>
<script type="module">
import MWSE from '/sdk/index.js';
import { MediaSources } from '/sdk/webrtc/index.js';

const ws = new URLSearchParams(location.search).get('ws');
const mwse = new MWSE(ws ? { endpoint: ws } : {});
const log = { reconnects: [], disconnects: 0, scopes: 0, peerDisconnects: 0, rtcCloses: [], streams: [], data: [] };
window.mwse = mwse;
window.log = log;
window.MediaSources = MediaSources;
mwse.on('scope', () => { log.scopes += 1; window.socketId = mwse.me.socketId; });
mwse.on('disconnect', (info) => { log.disconnects += 1; log.lastDisconnect = info; });
mwse.on('reconnect', (outcome) => log.reconnects.push(outcome));
mwse.on('peer/disconnect', () => (log.peerDisconnects += 1));
mwse.on('request/pair', (peer) => peer.acceptPair());
const watched = new Set();
mwse.on('accepted/pair', async (peer) => {
  if (watched.has(peer)) return;
  watched.add(peer);
  window.other = peer;
  peer.rtc.on('close', (reason) => log.rtcCloses.push(reason));
  peer.rtc.on('stream', (stream, name) => log.streams.push({ name, kinds: stream.getTracks().map((t) => t.kind).sort() }));
  peer.rtc.on('data', (data) => log.data.push(data));
  peer.rtc.connect({ iceServers: [] });
  peer.rtc.addStream('cam', await MediaSources.camera());
});
</script>`;

type Opened = Awaited<ReturnType<BrowserServer['open']>>;

function until<T>(tab: Opened, check: string, timeout = 30_000): Promise<T> {
  return tab.page.waitForFunction(check, undefined, { timeout, polling: 100 }).then((h) => h.jsonValue() as Promise<T>);
}

/** Video frames the page decoded from the other page, all inbound video streams together. */
function framesDecoded(tab: Opened): Promise<number> {
  return tab.page.evaluate(async () => {
    let total = 0;
    const stats = await (window as any).other?.rtc.getStats();
    stats?.forEach((s: any) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') total += s.framesDecoded ?? 0;
    });
    return total;
  });
}

/** Waits until `tab` decodes more frames than `than` (media keeps flowing), and returns the count. */
async function decodedMoreThan(tab: Opened, than: number, timeout = 20_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const now = await framesDecoded(tab);
    if (now > than) return now;
    if (Date.now() - started > timeout) throw new Error(`no video frame decoded after ${than} in ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('WebRTC across a resumed signalling connection (Chromium, two pages)', () => {
  let env: BrowserServer;
  let proxy: CutProxy;
  beforeAll(async () => {
    env = await startBrowserServer({ 'call.html': PAGE });
    proxy = await new CutProxy(env.server.port).start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await env?.close();
  });

  it('a cut of one page’s signalling keeps the call going, and renegotiation works after the resume', async () => {
    const a = await env.open(`/call.html?ws=${encodeURIComponent(proxy.endpoint)}`);
    const b = await env.open('/call.html');
    const aId = await until<string>(a, 'window.socketId');
    await until<string>(b, 'window.socketId');
    await b.page.evaluate((id) => (window as any).mwse.peer(id).requestPair(), aId);
    for (const tab of [a, b]) {
      await until(tab, `window.other?.rtc.state === 'connected' && window.log.streams.some((s) => s.name === 'cam')`);
    }
    const beforeCut = await decodedMoreThan(b, 0);
    await decodedMoreThan(a, 0);

    // Cut 1, during the call: A's signalling is gone for a moment; the call does not notice.
    expect(proxy.cutAll()).toBe(1);
    await until(a, 'window.log.reconnects.length === 1');
    const afterCut = await decodedMoreThan(b, beforeCut);
    expect(await a.page.evaluate(() => (window as any).log.reconnects)).toEqual([{ resumed: true }]);

    // Renegotiation over the resumed signalling, both ways: each page adds a second stream.
    await a.page.evaluate(async () => (window as any).other.rtc.addStream('after-resume', await (window as any).MediaSources.camera()));
    await until(b, `window.log.streams.some((s) => s.name === 'after-resume')`);
    await b.page.evaluate(async () => (window as any).other.rtc.addStream('reply', await (window as any).MediaSources.camera()));
    await until(a, `window.log.streams.some((s) => s.name === 'reply')`);

    // Cut 2, with an offer in flight: A adds a stream and its signalling drops at once. What A wrote
    // that the server had not applied is resent after the resume, so the offer still arrives.
    const mid = await framesDecoded(b);
    await a.page.evaluate(async () => {
      const stream = await (window as any).MediaSources.camera();
      (window as any).other.rtc.addStream('mid-cut', stream);
    });
    proxy.cutAll();
    await until(a, 'window.log.reconnects.length === 2');
    await until(b, `window.log.streams.some((s) => s.name === 'mid-cut')`);
    await decodedMoreThan(b, mid);
    // The primary data channel still carries data both ways.
    await a.page.evaluate(() => (window as any).other.rtc.send({ from: 'a', after: 'two cuts' }));
    await b.page.evaluate(() => (window as any).other.rtc.send({ from: 'b', after: 'two cuts' }));
    await until(b, `window.log.data.length === 1`);
    await until(a, `window.log.data.length === 1`);

    const [logA, logB] = await Promise.all([a, b].map((tab) => tab.page.evaluate(() => (window as any).log)));
    expect(afterCut).toBeGreaterThan(beforeCut);
    expect(logA.reconnects).toEqual([{ resumed: true }, { resumed: true }]);
    expect(logA.disconnects).toBe(2);
    expect(logA.lastDisconnect).toMatchObject({ code: 1006, willReconnect: true, resuming: true });
    // Nothing was torn down on either side, and B never saw A leave.
    for (const log of [logA, logB]) {
      expect(log.scopes).toBe(1);
      expect(log.rtcCloses).toEqual([]);
      expect(log.peerDisconnects).toBe(0);
    }
    expect(logB.disconnects).toBe(0);
    expect(logB.streams.map((s: { name: string }) => s.name).sort()).toEqual(['after-resume', 'cam', 'mid-cut']);
    expect(logA.streams.map((s: { name: string }) => s.name).sort()).toEqual(['cam', 'reply']);
    expect(logA.data).toEqual([{ from: 'b', after: 'two cuts' }]);
    expect(logB.data).toEqual([{ from: 'a', after: 'two cuts' }]);
    expect(await Promise.all([a, b].map((tab) => tab.page.evaluate(() => (window as any).other.rtc.state)))).toEqual(['connected', 'connected']);
    for (const tab of [a, b]) expect(tab.errors).toEqual([]);
  }, 120_000);
});

describe('WebRTC when the signalling session is lost (Chromium, two pages)', () => {
  let env: BrowserServer;
  let proxy: CutProxy;
  beforeAll(async () => {
    env = await startBrowserServer({ 'call.html': PAGE }, { MWSE_RESUME_GRACE: '1s' });
    proxy = await new CutProxy(env.server.port).start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await env?.close();
  });

  it('a session that expires while away closes its calls with signalling-lost; the other side sees the peer go', async () => {
    const a = await env.open(`/call.html?ws=${encodeURIComponent(proxy.endpoint)}`);
    const b = await env.open('/call.html');
    const aId = await until<string>(a, 'window.socketId');
    await until<string>(b, 'window.socketId');
    await b.page.evaluate((id) => (window as any).mwse.peer(id).requestPair(), aId);
    for (const tab of [a, b]) await until(tab, `window.other?.rtc.state === 'connected'`);
    // A stays away past the 1 s grace window: its session ends on the server.
    proxy.blocked = true;
    proxy.cutAll();
    await until(b, 'window.log.peerDisconnects === 1');
    // While it was only away, A's call stayed up (it could have resumed).
    expect(await a.page.evaluate(() => (window as any).log.rtcCloses)).toEqual([]);
    proxy.blocked = false;
    await until(a, 'window.log.reconnects.length === 1');
    await until(a, 'window.log.rtcCloses.length === 1');
    const [logA, logB] = await Promise.all([a, b].map((tab) => tab.page.evaluate(() => (window as any).log)));
    expect(logA.reconnects).toEqual([{ resumed: false, reason: 'expired' }]);
    expect(logA.rtcCloses).toEqual(['signalling-lost']);
    expect(logB.rtcCloses).toEqual(['peer-gone']);
    expect(logB.peerDisconnects).toBe(1);
  }, 120_000);
});
