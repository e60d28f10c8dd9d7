/**
 * The WHIP backend against a real third-party WHIP server: Debian's simple-whip-server on Janus,
 * with a real Chromium offer (fake camera and microphone). Skipped only where Janus or the
 * extracted simple-whip-server is missing and CI is not set (.ci/run fetches both).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhipBackend } from '@mwse/engine';
import { launchChromium } from '@mwse/testkit';
import type { Browser, Page } from 'playwright-core';
import { missingWhipTools, startWhipStack, type WhipStack } from './whipServers.js';

const missing = missingWhipTools();
const skip = missing.length > 0 && !process.env.CI;
if (skip) console.warn(`whip live tests skipped, missing: ${missing.join(', ')}`);

type Backend = ReturnType<typeof createWhipBackend>;

describe.skipIf(skip)('WHIP backend on simple-whip-server + Janus (live)', () => {
  let stack: WhipStack;
  let browser: Browser;
  let page: Page;
  let site: http.Server;
  const backends: Backend[] = [];

  const backend = (options: Partial<Parameters<typeof createWhipBackend>[0]> = {}): Backend => {
    const media = createWhipBackend({
      whipUrl: `${stack.origin}/whip/endpoint/{room}-{name}`,
      healthUrl: `${stack.origin}/whip/healthcheck`,
      token: 'live-token',
      probeIntervalMs: 0,
      ...options,
    });
    backends.push(media);
    return media;
  };

  /** A complete Chromium offer (ICE gathered), from a page holding the peer connection as `id`. */
  const offer = (id: string): Promise<string> =>
    page.evaluate(async (key) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((done) => {
        if (pc.iceGatheringState === 'complete') return done();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
        setTimeout(done, 3000);
      });
      (globalThis as unknown as Record<string, RTCPeerConnection>)[key] = pc;
      return pc.localDescription!.sdp;
    }, id);

  /** Applies the answer and waits until media flows (connected, RTP bytes sent growing). */
  const connect = (id: string, answer: string): Promise<{ state: string; sent: number }> =>
    page.evaluate(
      async ([key, sdp]) => {
        const pc = (globalThis as unknown as Record<string, RTCPeerConnection>)[key!]!;
        await pc.setRemoteDescription({ type: 'answer', sdp: sdp! });
        const end = Date.now() + 15_000;
        let sent = 0;
        while (Date.now() < end) {
          const stats = await pc.getStats();
          sent = 0;
          stats.forEach((report) => {
            if (report.type === 'outbound-rtp') sent += (report as { bytesSent?: number }).bytesSent ?? 0;
          });
          if (pc.connectionState === 'connected' && sent > 10_000) break;
          if (pc.connectionState === 'failed') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        return { state: pc.connectionState, sent };
      },
      [id, answer],
    );

  beforeAll(async () => {
    stack = await startWhipStack();
    browser = await launchChromium({ media: true });
    // A page on a 127.0.0.1 origin (a secure context, so getUserMedia works).
    site = http.createServer((_req, res) => res.end('<!doctype html><title>whip</title>'));
    await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
    page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  }, 90_000);

  afterAll(async () => {
    for (const media of backends) await media.close().catch(() => {});
    await browser?.close().catch(() => {});
    await new Promise<void>((done) => (site ? site.close(() => done()) : done()));
    await stack?.close();
  });

  it('publishes a Chromium camera: 201 answer, Location, media flowing; a second publisher is refused; stop frees the endpoint', async () => {
    await stack.createEndpoint('studio-cam', 'live-token');
    const media = backend();
    await media.health(AbortSignal.timeout(2000));
    const session = await media.publish({ room: 'studio', name: 'cam', peer: 'p1', offer: await offer('first'), signal: AbortSignal.timeout(10_000) });
    expect(session.answer.startsWith('v=0')).toBe(true);
    expect(session.answer).toMatch(/a=recvonly/);
    const flowing = await connect('first', session.answer);
    expect(flowing.state).toBe('connected');
    expect(flowing.sent).toBeGreaterThan(10_000);
    expect(await stack.endpoints()).toContainEqual(expect.objectContaining({ id: 'studio-cam', enabled: true }));

    // simple-whip-server takes one publisher per endpoint: 403 → media-refused.
    const second = await media
      .publish({ room: 'studio', name: 'cam', peer: 'p2', offer: await offer('second'), signal: AbortSignal.timeout(10_000) })
      .then(() => undefined, (error: { code?: string }) => error);
    expect(second?.code).toBe('media-refused');

    await media.stop(session.id, AbortSignal.timeout(5000));
    expect(await stack.endpoints()).toContainEqual(expect.objectContaining({ id: 'studio-cam', enabled: false }));
    // Freed: the endpoint takes a publisher again.
    const again = await media.publish({ room: 'studio', name: 'cam', peer: 'p3', offer: await offer('third'), signal: AbortSignal.timeout(10_000) });
    await media.stop(again.id, AbortSignal.timeout(5000));
  }, 60_000);

  it('a wrong token is refused (403 → media-refused), an unknown endpoint is unavailable (404)', async () => {
    await stack.createEndpoint('studio-locked', 'the-right-one');
    const sdp = await offer('locked');
    const wrong = await backend({ token: 'not-it' })
      .publish({ room: 'studio', name: 'locked', peer: 'p', offer: sdp, signal: AbortSignal.timeout(10_000) })
      .then(() => undefined, (error: { code?: string }) => error);
    expect(wrong?.code).toBe('media-refused');
    const unknown = await backend()
      .publish({ room: 'studio', name: 'nowhere', peer: 'p', offer: sdp, signal: AbortSignal.timeout(10_000) })
      .then(() => undefined, (error: { code?: string }) => error);
    expect(unknown?.code).toBe('media-unavailable');
  }, 60_000);

  it('simple-whip-server frozen (SIGSTOP): publish and health reject at their deadline with media-unavailable', async () => {
    await stack.createEndpoint('studio-frozen', 'live-token');
    const media = backend();
    const sdp = await offer('frozen');
    stack.whip.process.kill('SIGSTOP');
    try {
      let started = Date.now();
      const error = await media
        .publish({ room: 'studio', name: 'frozen', peer: 'p', offer: sdp, signal: AbortSignal.timeout(1000) })
        .then(() => undefined, (e: { code?: string; message?: string }) => e);
      const took = Date.now() - started;
      expect(error?.code).toBe('media-unavailable');
      expect(error?.message).toMatch(/deadline/);
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(1000 + 2000);
      started = Date.now();
      await expect(media.health(AbortSignal.timeout(500))).rejects.toThrow(/deadline/);
      expect(Date.now() - started).toBeLessThan(500 + 2000);
    } finally {
      stack.whip.process.kill('SIGCONT');
    }
    // Thawed, it answers again (the frozen POST is answered late into a closed socket).
    await media.health(AbortSignal.timeout(5000));
  }, 60_000);

  it('Janus killed mid-broadcast: the PATCH probe sees the session gone and reports a hang-up', async () => {
    await stack.createEndpoint('studio-probe', 'live-token');
    const media = backend({ probeIntervalMs: 300, probeTimeoutMs: 2000 });
    const hangups: string[] = [];
    media.onHangup((id) => hangups.push(id));
    const session = await media.publish({ room: 'studio', name: 'probe', peer: 'p', offer: await offer('probe'), signal: AbortSignal.timeout(10_000) });
    expect((await connect('probe', session.answer)).state).toBe('connected');
    // Alive while Janus is: several probe rounds, no hang-up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(hangups).toEqual([]);
    const started = Date.now();
    await stack.janus.stop('SIGKILL');
    while (hangups.length === 0 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    expect(hangups).toEqual([session.id]);
    console.log(`whip live: hang-up reported ${Date.now() - started} ms after Janus was killed`);
  }, 60_000);
});
