/** One source fed into an {@link AudioMixer}. */
export interface MixerInput {
  /** The source's volume: 0 is silent, 1 unchanged. */
  setGain(gain: number): void;
  /** Takes the source out of the mix (its tracks keep running; they are the caller's). */
  remove(): void;
}

/** Options of {@link AudioMixer}. */
export interface AudioMixerOptions {
  /** An AudioContext to use; by default the mixer makes (and on `close` closes) its own. */
  context?: AudioContext;
}

/**
 * Mixes several audio sources (microphones, a remote peer's audio, music) into one outgoing track,
 * each with its own volume, through the Web Audio API.
 *
 * @example
 * const mixer = MediaSources.mixer();
 * mixer.add(await MediaSources.microphone());
 * const music = mixer.add(musicStream, { gain: 0.3 });
 * peer.rtc.addStream('audio', mixer.stream);
 * music.setGain(0.1);
 */
export class AudioMixer {
  readonly context: AudioContext;
  /** The mix, as a stream with one audio track: send it or record it. */
  readonly stream: MediaStream;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #ownContext: boolean;
  readonly #inputs = new Set<{ source: MediaStreamAudioSourceNode; gain: GainNode }>();

  constructor(options: AudioMixerOptions = {}) {
    this.#ownContext = options.context === undefined;
    this.context = options.context ?? new AudioContext();
    this.#destination = this.context.createMediaStreamDestination();
    this.stream = this.#destination.stream;
  }

  /** The mix's audio track. */
  get track(): MediaStreamTrack {
    return this.stream.getAudioTracks()[0]!;
  }

  /** Adds a stream's (or a single track's) audio to the mix. */
  add(input: MediaStream | MediaStreamTrack, options: { gain?: number } = {}): MixerInput {
    const stream = input instanceof MediaStream ? input : new MediaStream([input]);
    if (stream.getAudioTracks().length === 0) throw new TypeError('AudioMixer.add: the source has no audio track');
    const node = {
      source: this.context.createMediaStreamSource(stream),
      gain: this.context.createGain(),
    };
    node.gain.gain.value = options.gain ?? 1;
    node.source.connect(node.gain).connect(this.#destination);
    this.#inputs.add(node);
    // A context made before any user gesture starts suspended; it runs once the page may play audio.
    if (this.context.state === 'suspended') void this.context.resume().catch(() => {});
    return {
      setGain: (gain) => node.gain.gain.setTargetAtTime(gain, this.context.currentTime, 0.02),
      remove: () => {
        if (!this.#inputs.delete(node)) return;
        node.source.disconnect();
        node.gain.disconnect();
      },
    };
  }

  /** Removes every source, stops the mix's track, and closes the context if the mixer made it. */
  async close(): Promise<void> {
    for (const node of this.#inputs) {
      node.source.disconnect();
      node.gain.disconnect();
    }
    this.#inputs.clear();
    this.track.stop();
    if (this.#ownContext && this.context.state !== 'closed') await this.context.close();
  }
}
