/** What {@link RemoteStreams} reports. */
export interface RemoteStreamEvents {
  track(track: MediaStreamTrack, streams: readonly MediaStream[], name: string | undefined): void;
  stream(stream: MediaStream, name: string): void;
  removed(stream: MediaStream, name: string): void;
}

/**
 * Tracks that arrived together, grouped by their first stream (a track without a stream is a group
 * of its own), each group as the track that stands for it: the video track when there is one (a
 * page shows the stream in a `<video>`), else the first.
 */
export function groupTracks(
  tracks: Iterable<[MediaStreamTrack, readonly MediaStream[]]>,
): [MediaStreamTrack, readonly MediaStream[]][] {
  const groups = new Map<unknown, [MediaStreamTrack, readonly MediaStream[]]>();
  for (const [track, streams] of tracks) {
    const key = streams[0]?.id ?? track;
    const known = groups.get(key);
    if (!known || (known[0].kind !== 'video' && track.kind === 'video')) groups.set(key, [track, streams]);
  }
  return [...groups.values()];
}

/**
 * The remote side's streams, by the names it gave them. The names come with each of its
 * descriptions, keyed by `MediaStream.id` (which both sides see the same through the SDP's msid),
 * and are applied before the description, so a `track` event already knows its stream's name.
 */
export class RemoteStreams {
  #names = new Map<string, string>();
  #streams = new Map<string, MediaStream>();
  #tracks = new Map<MediaStreamTrack, readonly MediaStream[]>();
  /** Tracks of the description being applied, reported by {@link flush}. */
  #arrived: [MediaStreamTrack, readonly MediaStream[]][] = [];
  readonly #events: RemoteStreamEvents;

  constructor(events: RemoteStreamEvents) {
    this.#events = events;
  }

  /** The remote's stream under `name`. */
  get(name: string): MediaStream | undefined {
    for (const [id, stream] of this.#streams) if (this.#names.get(id) === name) return stream;
    return undefined;
  }

  /** Every remote stream by name. */
  entries(): [string, MediaStream][] {
    const entries: [string, MediaStream][] = [];
    for (const [id, stream] of this.#streams) entries.push([this.#names.get(id) ?? id, stream]);
    return entries;
  }

  /** Remote tracks received so far that are still live, with their streams. */
  liveTracks(): [MediaStreamTrack, readonly MediaStream[]][] {
    return [...this.#tracks].filter(([track]) => track.readyState === 'live');
  }

  /** What `track` reported so far, as a late listener gets it: one entry per stream. */
  reported(): [MediaStreamTrack, readonly MediaStream[]][] {
    return groupTracks(this.liveTracks());
  }

  /** The name of the stream `streamId`, if the remote named it. */
  nameOf(streamId: string): string | undefined {
    return this.#names.get(streamId);
  }

  /** New names from a remote description; streams no longer listed are reported removed. */
  setNames(names: Record<string, string>): void {
    const previous = this.#names;
    this.#names = new Map(Object.entries(names));
    for (const [id, stream] of [...this.#streams]) {
      if (this.#names.has(id)) continue;
      this.#streams.delete(id);
      for (const track of stream.getTracks()) this.#tracks.delete(track);
      this.#events.removed(stream, previous.get(id) ?? id);
    }
  }

  /**
   * A `track` event of the peer connection. The stream is reported at once; the track waits for
   * {@link flush}, so that a stream's audio and video, which arrive together, are one `track`.
   */
  addTrack(event: RTCTrackEvent): void {
    const { track, streams } = event;
    this.#tracks.set(track, streams);
    track.addEventListener('ended', () => this.#tracks.delete(track), { once: true });
    for (const stream of streams) {
      if (this.#streams.has(stream.id)) continue;
      this.#streams.set(stream.id, stream);
      this.#events.stream(stream, this.#names.get(stream.id) ?? stream.id);
    }
    this.#arrived.push([track, streams]);
  }

  /**
   * The remote description is applied: every track it brought has arrived. Reports them, once per
   * stream.
   */
  flush(): void {
    const arrived = this.#arrived;
    this.#arrived = [];
    for (const [track, streams] of groupTracks(arrived)) {
      this.#events.track(track, streams, streams[0] && this.#names.get(streams[0].id));
    }
  }

  /** Forgets everything (the connection closed). */
  clear(): void {
    this.#names.clear();
    this.#streams.clear();
    this.#tracks.clear();
    this.#arrived = [];
  }
}
