import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePages, startHarness, type Harness } from './harness.js';

describe('media sources in a page', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('the served modules share one copy of the client and of this library', async () => {
    const [page] = await harness.open(1);
    // A string: vitest would rewrite a dynamic import() written in this file.
    const same = await page!.page.evaluate(`(async () => {
      const sdk = await import('/sdk/index.js');
      const client = await import('/sdk/client/index.js');
      const webrtc = await import('/sdk/webrtc/index.js');
      const peer = mwse.peer('00000000-0000-4000-8000-000000000000');
      return {
        subclass: Object.getPrototypeOf(sdk.default) === client.MWSE,
        peerClass: peer instanceof client.Peer && sdk.Peer === client.Peer,
        engine: peer.rtc instanceof webrtc.RTCEngine && webrtc === W,
        sameEngine: peer.rtc === peer.rtc,
      };
    })()`);
    expect(same).toEqual({ subclass: true, peerClass: true, engine: true, sameEngine: true });
    await closePages([page!]);
  });

  it('the compositor outputs frames in each layout, with the sources where the layout puts them', async () => {
    const [page] = await harness.open(1);
    const result = await page!.page.evaluate(async () => {
      const compositor = new W.CanvasCompositor({ width: 640, height: 360, fps: 30 });
      compositor.add(T.solidTrack('rgb(255, 0, 0)'), { id: 'red' });
      compositor.add(T.solidTrack('rgb(0, 0, 255)'), { id: 'blue' });
      compositor.add(await W.MediaSources.camera(), { id: 'camera', label: 'camera' });
      const video = T.show(compositor.stream);
      let presented = 0;
      const count = () => {
        presented++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
      await T.until(() => video.videoWidth > 0, 10000, 'output frames');
      const out: Record<string, unknown> = {};
      for (const layout of ['grid', 'pip', 'focus']) {
        compositor.setLayout(layout, 'red');
        await new Promise((r) => setTimeout(r, 300));
        const before = presented;
        await new Promise((r) => setTimeout(r, 500));
        const tiles = W.layoutTiles(layout, 3, 640, 360, 0);
        const colourAt = (tile: { x: number; y: number; width: number; height: number }) =>
          T.averageColour(video, { x: tile.x + tile.width / 2 - 8, y: tile.y + tile.height / 2 - 8, w: 16, h: 16 });
        out[layout] = { frames: presented - before, red: colourAt(tiles[0]), blue: colourAt(tiles[1]) };
      }
      const track = compositor.track;
      compositor.close();
      return { out, size: [video.videoWidth, video.videoHeight], ended: track.readyState };
    });
    expect(result.size).toEqual([640, 360]);
    for (const layout of ['grid', 'pip', 'focus']) {
      const { frames, red, blue } = result.out[layout] as { frames: number; red: number[]; blue: number[] };
      expect(frames, layout).toBeGreaterThan(5);
      expect(red[0], `${layout} red tile`).toBeGreaterThan(200);
      expect(red[2], `${layout} red tile`).toBeLessThan(60);
      expect(blue[2], `${layout} blue tile`).toBeGreaterThan(200);
      expect(blue[0], `${layout} blue tile`).toBeLessThan(60);
    }
    expect(result.ended).toBe('ended');
    expect(await page!.errors()).toEqual([]);
    await closePages([page!]);
  });

  it('the audio mixer mixes sources into one track, each with its own gain', async () => {
    const [page] = await harness.open(1);
    const levels = await page!.page.evaluate(async () => {
      const tone = (frequency: number) => {
        const context = new AudioContext();
        const oscillator = context.createOscillator();
        oscillator.frequency.value = frequency;
        const destination = context.createMediaStreamDestination();
        oscillator.connect(destination);
        oscillator.start();
        return destination.stream;
      };
      const mixer = W.MediaSources.mixer();
      const low = mixer.add(tone(440));
      const high = mixer.add(tone(1000), { gain: 0.5 });
      mixer.add(await W.MediaSources.microphone());
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      context.createMediaStreamSource(mixer.stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const rms = () => {
        analyser.getFloatTimeDomainData(samples);
        return Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
      };
      const settle = () => new Promise((r) => setTimeout(r, 400));
      await settle();
      const mixed = rms();
      low.setGain(0);
      high.setGain(0);
      await settle();
      const muted = rms();
      const trackCount = mixer.stream.getAudioTracks().length;
      await mixer.close();
      return { mixed, muted, trackCount, state: context.state };
    });
    expect(levels.trackCount).toBe(1);
    expect(levels.mixed).toBeGreaterThan(0.1);
    expect(levels.muted).toBeLessThan(levels.mixed / 3);
    await closePages([page!]);
  });
});
