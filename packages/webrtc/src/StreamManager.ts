/** Options of `rtc.addStream`. */
export interface AddStreamOptions {
  /**
   * Encodings of the stream's video tracks: one entry for plain bitrate/scale/framerate limits, or
   * several with a `rid` each for simulcast. Only honoured where the browser allows (Chrome sends
   * a single layer to a browser that cannot receive simulcast).
   */
  encodings?: RTCRtpEncodingParameters[];
  /** Shorthand for three simulcast layers (full, half and quarter resolution). */
  simulcast?: boolean;
}

/** Encoding parameters `setEncodings` may change on a sending track. */
export type EncodingChange = Pick<
  RTCRtpEncodingParameters,
  'active' | 'maxBitrate' | 'maxFramerate' | 'scaleResolutionDownBy' | 'priority' | 'networkPriority'
>;

/** One outgoing track of a named stream, and its sender on the current connection. */
interface Slot {
  track: MediaStreamTrack;
  sender: RTCRtpSender | undefined;
  sendEncodings: RTCRtpEncodingParameters[] | undefined;
  /** Last `setEncodings` change, applied again to a new connection's sender. */
  change: EncodingChange | EncodingChange[] | undefined;
}

interface LocalStream {
  stream: MediaStream;
  /**
   * The stream the other side knows this name by (its id is in the SDP): `stream`, or the stream
   * it replaced in place, whose senders now carry `stream`'s tracks.
   */
  wire: MediaStream;
  slots: Slot[];
}

/**
 * The three layers `simulcast: true` asks for, full resolution first: a receiver that cannot take
 * simulcast (a browser, in a peer-to-peer call) gets the first layer only, which should be the
 * best one.
 */
export const SIMULCAST_LAYERS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'f', maxBitrate: 1_500_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
];

function merge(
  encodings: RTCRtpEncodingParameters[],
  change: EncodingChange | EncodingChange[],
): RTCRtpEncodingParameters[] {
  return encodings.map((encoding, i) => {
    const patch = Array.isArray(change) ? change[i] : change;
    return patch ? { ...encoding, ...patch } : encoding;
  });
}

/**
 * The local side's named streams. Streams live here independently of the peer connection: they
 * can be added before `connect()`, and are added again to the new connection after a restart.
 * Every add or remove renegotiates (through `negotiationneeded`); `replaceTrack` and
 * `setEncodings` do not.
 */
export class StreamManager {
  #streams = new Map<string, LocalStream>();
  #pc: RTCPeerConnection | undefined;

  /** Names of the streams by `MediaStream.id`, as the remote side learns them. */
  names(): Record<string, string> {
    const names: Record<string, string> = {};
    for (const [name, { wire }] of this.#streams) names[wire.id] = name;
    return names;
  }

  /** The stream added under `name`. */
  get(name: string): MediaStream | undefined {
    return this.#streams.get(name)?.stream;
  }

  /** Every stream by name. */
  entries(): [string, MediaStream][] {
    return [...this.#streams].map(([name, { stream }]) => [name, stream]);
  }

  /**
   * Sends `stream` under `name`. Adding the same stream again (same tracks, no options) changes
   * nothing, so calling it from an event that fires more than once is safe. A different stream
   * under a known name replaces the old one: while connected, in place (its tracks go out on the
   * old stream's senders, so the other side keeps one stream under that name and sees no new one);
   * with options, or before connecting, by removing the old stream first.
   */
  add(name: string, stream: MediaStream, options: AddStreamOptions = {}): void {
    const known = this.#streams.get(name);
    const noOptions = options.encodings === undefined && options.simulcast === undefined;
    if (known) {
      const tracks = stream.getTracks();
      const same =
        known.stream === stream &&
        noOptions &&
        known.slots.length === tracks.length &&
        known.slots.every((slot) => tracks.includes(slot.track));
      if (same) return;
      if (noOptions && this.#pc) {
        this.#replace(known, stream, this.#pc);
        return;
      }
      this.remove(name);
    }
    const videoEncodings = options.encodings ?? (options.simulcast ? SIMULCAST_LAYERS.map((l) => ({ ...l })) : undefined);
    const slots = stream.getTracks().map((track): Slot => ({
      track,
      sender: undefined,
      sendEncodings: track.kind === 'video' ? videoEncodings : undefined,
      change: undefined,
    }));
    const local = { stream, wire: stream, slots };
    this.#streams.set(name, local);
    if (this.#pc) for (const slot of slots) this.#send(this.#pc, stream, slot);
  }

  /** Stops sending the stream under `name`; false when there was none. */
  remove(name: string): boolean {
    const local = this.#streams.get(name);
    if (!local) return false;
    this.#streams.delete(name);
    for (const slot of local.slots) this.#unsend(slot);
    return true;
  }

  /**
   * Sends `track` in place of the stream's current track of the same kind, without renegotiation
   * (camera ↔ screen). The remote keeps the same track and stream objects.
   */
  async replaceTrack(name: string, track: MediaStreamTrack): Promise<void> {
    const local = this.#streams.get(name);
    if (!local) throw new Error(`no stream named "${name}"`);
    const slot = local.slots.find((s) => s.track.kind === track.kind);
    if (!slot) throw new Error(`stream "${name}" has no ${track.kind} track to replace`);
    await slot.sender?.replaceTrack(track);
    slot.track = track;
  }

  /**
   * Changes the encodings of the stream's tracks of `kind` (video by default): one change for every
   * layer, or one per layer in order. Resolves once the browser applied it.
   */
  async setEncodings(
    name: string,
    change: EncodingChange | EncodingChange[],
    kind: 'audio' | 'video' = 'video',
  ): Promise<void> {
    const local = this.#streams.get(name);
    if (!local) throw new Error(`no stream named "${name}"`);
    const slots = local.slots.filter((s) => s.track.kind === kind);
    if (slots.length === 0) throw new Error(`stream "${name}" has no ${kind} track`);
    for (const slot of slots) {
      slot.change = change;
      if (slot.sender) await this.#apply(slot.sender, change);
    }
  }

  /** The encodings the browser uses now for the stream's track of `kind`. */
  getEncodings(name: string, kind: 'audio' | 'video' = 'video'): RTCRtpEncodingParameters[] {
    const slot = this.#streams.get(name)?.slots.find((s) => s.track.kind === kind);
    return slot?.sender?.getParameters().encodings ?? [];
  }

  /** Adds every stream to a (new) peer connection. */
  attach(pc: RTCPeerConnection): void {
    this.#pc = pc;
    for (const local of this.#streams.values()) {
      // A new connection: the other side learns the stream itself.
      local.wire = local.stream;
      for (const slot of local.slots) this.#send(pc, local.wire, slot);
    }
  }

  /** Forgets the peer connection (it is closing); the streams stay for the next one. */
  detach(): void {
    this.#pc = undefined;
    for (const { slots } of this.#streams.values()) for (const slot of slots) slot.sender = undefined;
  }

  /** Stops sending everything and forgets the streams (their tracks are the caller's to stop). */
  clear(): void {
    for (const name of [...this.#streams.keys()]) this.remove(name);
  }

  /**
   * Puts `stream`'s tracks on `local`'s senders, kind for kind, without renegotiating; a track of a
   * kind the old stream did not have is added (that renegotiates), an old track left over removed.
   */
  #replace(local: LocalStream, stream: MediaStream, pc: RTCPeerConnection): void {
    const old = [...local.slots];
    const slots: Slot[] = [];
    for (const track of stream.getTracks()) {
      const i = old.findIndex((slot) => slot.track.kind === track.kind);
      const slot = i >= 0 ? old.splice(i, 1)[0]! : undefined;
      if (slot?.sender) {
        slot.track = track;
        slots.push(slot);
        void slot.sender.replaceTrack(track).catch(() => {}); // the connection closed meanwhile
      } else {
        const added: Slot = { track, sender: undefined, sendEncodings: undefined, change: undefined };
        slots.push(added);
        this.#send(pc, local.wire, added);
      }
    }
    for (const slot of old) this.#unsend(slot);
    local.stream = stream;
    local.slots = slots;
  }

  #send(pc: RTCPeerConnection, stream: MediaStream, slot: Slot): void {
    if (slot.sendEncodings) {
      const transceiver = pc.addTransceiver(slot.track, {
        direction: 'sendrecv',
        streams: [stream],
        sendEncodings: slot.sendEncodings,
      });
      slot.sender = transceiver.sender;
    } else {
      // addTrack reuses a transceiver the remote opened for us when it can: fewer m-lines.
      slot.sender = pc.addTrack(slot.track, stream);
    }
    if (slot.change) void this.#apply(slot.sender, slot.change).catch(() => {});
  }

  #unsend(slot: Slot): void {
    const sender = slot.sender;
    slot.sender = undefined;
    if (!sender || !this.#pc || this.#pc.signalingState === 'closed') return;
    this.#pc.removeTrack(sender);
  }

  async #apply(sender: RTCRtpSender, change: EncodingChange | EncodingChange[]): Promise<void> {
    const parameters = sender.getParameters();
    parameters.encodings = merge(parameters.encodings, change);
    await sender.setParameters(parameters);
  }
}
