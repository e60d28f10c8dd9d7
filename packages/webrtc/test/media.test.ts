import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePages, startHarness, type Harness } from './harness.js';
import { callPair, framesOver, settled } from './callPair.js';

describe('media between two pages', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('carries camera and microphone both ways, by name, and the video plays', async () => {
    const [a, b] = await callPair(harness);
    for (const [self, other] of [[a, b], [b, a]] as const) {
      await self.page.evaluate(async (id) => {
        T.rtcOf(id).addStream('cam', await W.MediaSources.cameraAndMic());
      }, other.socketId);
    }
    for (const [self, other] of [[a, b], [b, a]] as const) {
      const result = await self.page.evaluate(async (id) => {
        const log = logs[id];
        const stream = await T.until(() => log.streams.cam, 15000, 'stream "cam"');
        await T.until(() => stream.getTracks().length === 2, 10000, 'two tracks');
        const video = T.show(stream);
        await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
        await T.until(async () => (await T.inbound(id)).audio.samples > 0, 10000, 'audio samples');
        return {
          kinds: stream.getTracks().map((t: MediaStreamTrack) => t.kind).sort(),
          width: video.videoWidth,
          paused: video.paused,
          remoteNames: [...T.rtcOf(id).remoteStreams.keys()],
        };
      }, other.socketId);
      expect(result.kinds).toEqual(['audio', 'video']);
      expect(result.width).toBeGreaterThan(0);
      expect(result.paused).toBe(false);
      expect(result.remoteNames).toEqual(['cam']);
      const [before, after] = await framesOver(self, other.socketId);
      expect(after).toBeGreaterThan(before);
      const audio = await self.page.evaluate(async (id) => {
        const first = (await T.inbound(id)).audio.samples;
        await new Promise((r) => setTimeout(r, 500));
        return [first, (await T.inbound(id)).audio.samples];
      }, other.socketId);
      expect(audio[1]).toBeGreaterThan(audio[0]!);
    }
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });

  // The seed snippet, run twice for one pairing, added a second camera under 'cam': the other side
  // got a second stream (sometimes named by its raw id) and two `track` events per stream.
  it('addStream under a name in use replaces the stream in place, and track fires once per stream', async () => {
    const [a, b] = await callPair(harness);
    await b.page.evaluate((id) => {
      const seen = ((window as any).seen = { streams: [] as string[], tracks: [] as string[] });
      T.rtcOf(id).on('stream', (_s: MediaStream, name: string) => seen.streams.push(name));
      T.rtcOf(id).on('track', (t: MediaStreamTrack, _s: readonly MediaStream[], name: string) => seen.tracks.push(`${name}:${t.kind}`));
    }, a.socketId);
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('cam', await W.MediaSources.cameraAndMic());
    }, b.socketId);
    await b.page.evaluate(async (id) => {
      const stream = await T.until(() => logs[id].streams.cam, 15000, 'stream "cam"');
      await T.until(() => stream.getTracks().length === 2, 10000, 'two tracks');
    }, a.socketId);
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('cam', await W.MediaSources.cameraAndMic());
    }, b.socketId);
    await new Promise((r) => setTimeout(r, 1500));
    const seen = await b.page.evaluate((id) => ({
      ...(window as any).seen,
      removed: logs[id].removed,
      names: [...T.rtcOf(id).remoteStreams.keys()],
    }), a.socketId);
    expect(seen).toEqual({ streams: ['cam'], tracks: ['cam:video'], removed: [], names: ['cam'] });
    const [before, after] = await framesOver(b, a.socketId);
    expect(after).toBeGreaterThan(before);
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });

  it('settles when both sides add a stream at the same moment (glare)', async () => {
    const [a, b] = await callPair(harness);
    await settled(a, b.socketId);
    await settled(b, a.socketId);
    // Hold each side's signalling so both make an offer before either sees the other's.
    for (const [self, other] of [[a, b], [b, a]] as const) {
      await self.page.evaluate((id) => {
        (window as any).gate = T.gateSignals(id);
      }, other.socketId);
    }
    await Promise.all(
      [[a, b], [b, a]].map(([self, other]) =>
        self!.page.evaluate(async (id) => {
          const offers = logs[id].localOffers;
          T.rtcOf(id).addStream('side', await W.MediaSources.camera());
          await T.until(() => logs[id].localOffers > offers, 5000, 'a local offer');
          return T.rtcOf(id).connection.signalingState;
        }, other!.socketId),
      ),
    ).then((states) => expect(states).toEqual(['have-local-offer', 'have-local-offer']));
    await Promise.all([a, b].map((self) => self.page.evaluate(() => (window as any).gate.release())));
    for (const [self, other] of [[a, b], [b, a]] as const) {
      await settled(self, other.socketId);
      const result = await self.page.evaluate(async (id) => {
        const stream = await T.until(() => logs[id].streams.side, 15000, 'stream "side"');
        const video = T.show(stream);
        await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
        return { errors: logs[id].errors, polite: T.rtcOf(id).polite };
      }, other.socketId);
      expect(result.errors).toEqual([]);
    }
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });

  it('replaceTrack swaps the outgoing video without a new offer', async () => {
    const [a, b] = await callPair(harness);
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('cam', await W.MediaSources.camera());
    }, b.socketId);
    const before = await b.page.evaluate(async (id) => {
      const stream = await T.until(() => logs[id].streams.cam, 15000, 'stream "cam"');
      (window as any).remoteVideo = T.show(stream);
      await T.until(() => (window as any).remoteVideo.videoWidth > 0, 10000, 'videoWidth');
      (window as any).remoteTrack = stream.getVideoTracks()[0];
      return T.averageColour((window as any).remoteVideo);
    }, a.socketId);
    await settled(a, b.socketId);
    const offersBefore = await a.page.evaluate((id) => logs[id].localOffers + logs[id].remoteOffers, b.socketId);
    await a.page.evaluate(async (id) => {
      await T.rtcOf(id).replaceTrack('cam', T.solidTrack('rgb(255, 0, 0)'));
    }, b.socketId);
    const after = await b.page.evaluate(async (id) => {
      const video = (window as any).remoteVideo;
      const colour = await T.until(() => {
        const [r, g, b] = T.averageColour(video);
        return r > 200 && g < 60 && b < 60 ? [r, g, b] : undefined;
      }, 10000, 'a red frame');
      const track = logs[id].streams.cam.getVideoTracks()[0];
      return { colour, sameTrack: track === (window as any).remoteTrack };
    }, a.socketId);
    expect(before).not.toEqual(after.colour);
    expect(after.sameTrack).toBe(true);
    const offersAfter = await a.page.evaluate((id) => logs[id].localOffers + logs[id].remoteOffers, b.socketId);
    expect(offersAfter).toBe(offersBefore);
    await closePages([a, b]);
  });

  it('keeps media flowing through a forced ICE restart', async () => {
    const [a, b] = await callPair(harness);
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('cam', await W.MediaSources.camera());
    }, b.socketId);
    await b.page.evaluate(async (id) => {
      const stream = await T.until(() => logs[id].streams.cam, 15000, 'stream "cam"');
      const video = T.show(stream);
      await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
    }, a.socketId);
    await settled(a, b.socketId);
    const restarted = await a.page.evaluate(async (id) => {
      const rtc = T.rtcOf(id);
      const ufrag = T.ufrag(rtc.connection.localDescription);
      const remoteUfrag = T.ufrag(rtc.connection.remoteDescription);
      rtc.restartIce();
      await T.until(() => T.ufrag(rtc.connection.localDescription) !== ufrag, 10000, 'new local ufrag');
      await T.until(() => T.ufrag(rtc.connection.remoteDescription) !== remoteUfrag, 10000, 'new remote ufrag');
      await T.until(() => rtc.state === 'connected' && rtc.connection.signalingState === 'stable', 10000, 'connected');
      return { restarts: logs[id].restarts, states: logs[id].states };
    }, b.socketId);
    expect(restarted.restarts).toEqual(['manual']);
    const [before, after] = await framesOver(b, a.socketId);
    expect(after).toBeGreaterThan(before);
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });

  it('tells the other side when a stream is removed, and applies encodings', async () => {
    const [a, b] = await callPair(harness);
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('cam', await W.MediaSources.camera({ width: 640, height: 480 }));
      T.rtcOf(id).addStream('mic', await W.MediaSources.microphone());
    }, b.socketId);
    await b.page.evaluate(async (id) => {
      await T.until(() => logs[id].streams.cam && logs[id].streams.mic, 15000, 'both streams');
      const video = T.show(logs[id].streams.cam);
      await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
    }, a.socketId);
    await settled(a, b.socketId);
    const encodings = await a.page.evaluate(async (id) => {
      await T.rtcOf(id).setEncodings('cam', { maxBitrate: 200_000, scaleResolutionDownBy: 2 });
      return T.rtcOf(id).getEncodings('cam');
    }, b.socketId);
    expect(encodings[0]).toMatchObject({ maxBitrate: 200_000, scaleResolutionDownBy: 2 });
    const width = await b.page.evaluate(
      (id) => T.until(async () => { const w = (await T.inbound(id)).video.frameWidth; return w > 0 && w <= 320 ? w : undefined; }, 15000, 'a scaled-down frame'),
      a.socketId,
    );
    expect(width).toBeLessThanOrEqual(320);
    await a.page.evaluate((id) => T.rtcOf(id).removeStream('mic'), b.socketId);
    const removed = await b.page.evaluate(async (id) => {
      await T.until(() => logs[id].removed.length > 0, 10000, 'stream/removed');
      return { removed: logs[id].removed, names: [...T.rtcOf(id).remoteStreams.keys()] };
    }, a.socketId);
    expect(removed).toEqual({ removed: ['mic'], names: ['cam'] });

    // Simulcast layers, where the browser allows: Chrome offers three, and sends one to a receiver
    // that cannot take simulcast (Chrome itself), so the call must still work.
    await a.page.evaluate(async (id) => {
      T.rtcOf(id).addStream('layers', await W.MediaSources.camera({ width: 1280, height: 720 }), { simulcast: true });
    }, b.socketId);
    await b.page.evaluate(async (id) => {
      const stream = await T.until(() => logs[id].streams.layers, 15000, 'stream "layers"');
      const video = T.show(stream);
      await T.until(() => video.videoWidth > 0, 10000, 'videoWidth');
    }, a.socketId);
    const layers = await a.page.evaluate((id) => T.rtcOf(id).getEncodings('layers').map((e: RTCRtpEncodingParameters) => e.rid ?? ''), b.socketId);
    // Whatever the browser kept, the full-resolution layer is among it.
    expect(layers).toContain('f');
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
    await closePages([a, b]);
  });
});
