import { AudioMixer, type AudioMixerOptions } from './AudioMixer.js';

function mediaDevices(): MediaDevices {
  const devices = globalThis.navigator?.mediaDevices;
  if (!devices) {
    throw new Error(
      'MediaSources: navigator.mediaDevices is missing; camera, microphone and screen need a secure context (https:// or http://localhost)',
    );
  }
  return devices;
}

/**
 * Where local media comes from: camera, microphone, both, the screen, and an audio mixer. Each
 * returns a `MediaStream` ready for `peer.rtc.addStream(name, stream)`; stop its tracks when done
 * (`stream.getTracks().forEach(t => t.stop())`). The browser asks the user for permission and
 * rejects with a `NotAllowedError` when refused.
 *
 * @example
 * import { MediaSources } from '@mwse/webrtc';
 * peer.rtc.addStream('cam', await MediaSources.cameraAndMic());
 * peer.rtc.addStream('screen', await MediaSources.screen());
 */
export const MediaSources = {
  /** The camera (`constraints` as in `getUserMedia`'s `video`, e.g. `{ width: 1280, facingMode: 'user' }`). */
  camera(constraints: MediaTrackConstraints | true = true): Promise<MediaStream> {
    return mediaDevices().getUserMedia({ video: constraints });
  },

  /** The microphone, with echo cancellation and noise suppression unless `constraints` say otherwise. */
  microphone(constraints: MediaTrackConstraints | true = true): Promise<MediaStream> {
    return mediaDevices().getUserMedia({ audio: constraints });
  },

  /** Camera and microphone in one stream (one permission prompt). */
  cameraAndMic(
    options: { video?: MediaTrackConstraints | true; audio?: MediaTrackConstraints | true } = {},
  ): Promise<MediaStream> {
    return mediaDevices().getUserMedia({ video: options.video ?? true, audio: options.audio ?? true });
  },

  /** The screen, a window or a tab, as the user picks (needs a user gesture in most browsers). */
  screen(options: DisplayMediaStreamOptions = { video: true, audio: false }): Promise<MediaStream> {
    return mediaDevices().getDisplayMedia(options);
  },

  /** A new {@link AudioMixer}: several audio sources into one track. */
  mixer(options?: AudioMixerOptions): AudioMixer {
    return new AudioMixer(options);
  },

  /** The cameras, microphones and speakers (labels only once the user granted access). */
  async devices(kind?: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
    const all = await mediaDevices().enumerateDevices();
    return kind ? all.filter((device) => device.kind === kind) : all;
  },
};
