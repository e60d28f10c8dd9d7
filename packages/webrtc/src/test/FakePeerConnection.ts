import type { NegotiationTarget } from '../Negotiator.js';

/** What a fake description carries: the sender's tracks and ICE credentials. */
export interface FakeSdp {
  tracks: string[];
  ufrag: string;
  serial: number;
}

/** A fake SDP: the ICE line real code looks for, then the rest as JSON. */
export function fakeSdp(sdp: FakeSdp): string {
  return `v=0\r\na=ice-ufrag:${sdp.ufrag}\r\nx-fake:${JSON.stringify(sdp)}`;
}

/** The content of a {@link fakeSdp}. */
export function parseFakeSdp(sdp: string): FakeSdp {
  return JSON.parse(sdp.slice(sdp.indexOf('x-fake:') + 'x-fake:'.length)) as FakeSdp;
}

const parse = parseFakeSdp;

function domError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

let ufrags = 0;
const newUfrag = () => `u${++ufrags}`;

/** Waits a random few milliseconds (0 to `max`), or a macrotask when `max` is 0. */
export function jitter(max: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, max > 0 ? Math.random() * max : 0));
}

/**
 * A stand-in for `RTCPeerConnection`'s signalling state machine (JSEP, RFC 8829): tracks are
 * names, descriptions carry them as JSON, and every operation runs on an operations chain after a
 * random delay, like the real one. It models what perfect negotiation depends on: offers and
 * answers only in the states that allow them (InvalidStateError otherwise), implicit rollback of a
 * local offer by a remote offer, `negotiationneeded` whenever the local tracks (or a requested ICE
 * restart) differ from what was last negotiated and the state is stable, ICE candidates that only
 * apply to the remote description of the same ICE credentials.
 */
export class FakePeerConnection extends EventTarget implements NegotiationTarget {
  signalingState: RTCSignalingState = 'stable';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  /** Tracks this side sends. */
  readonly localTracks = new Set<string>();
  /** Tracks the remote sends, as of the last applied remote description. */
  remoteTracks: string[] = [];
  /** Candidates added from the remote. */
  readonly candidates: string[] = [];
  /** How many local offers were made, and how many were rolled back. */
  offers = 0;
  rollbacks = 0;
  /** What happened, in order, for a failing test to print. */
  readonly trace: string[] = [];
  #stableLocal: { type: RTCSdpType; sdp: string } | null = null;
  #negotiated: string[] = [];
  #ufrag = newUfrag();
  #restartUfrag: string | undefined;
  #serial = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #operations = 0;
  #updateOnEmptyChain = false;
  #eventPending = false;
  #closed = false;

  /** `delay`: the most milliseconds an operation waits before it runs. */
  constructor(readonly delay = 2) {
    super();
  }

  /** The ICE username fragment in use. */
  get ufrag(): string {
    return this.#ufrag;
  }

  addTrack(name: string): void {
    this.localTracks.add(name);
    this.#updateNegotiationNeeded();
  }

  removeTrack(name: string): void {
    this.localTracks.delete(name);
    this.#updateNegotiationNeeded();
  }

  restartIce(): void {
    this.#restartUfrag ??= newUfrag();
    this.#updateNegotiationNeeded();
  }

  close(): void {
    this.#closed = true;
    this.signalingState = 'closed';
  }

  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    return this.#operation(`setLocalDescription(${description?.type ?? ''})`, () => {
      const type =
        description?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
      if (type === 'rollback') {
        if (this.signalingState !== 'have-local-offer') throw domError('InvalidStateError', 'nothing to roll back');
        this.#rollback();
        this.#updateNegotiationNeeded();
      } else if (type === 'offer') {
        if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') {
          throw domError('InvalidStateError', `cannot make an offer in ${this.signalingState}`);
        }
        this.offers++;
        this.localDescription = { type: 'offer', sdp: this.#sdp(this.#restartUfrag ?? this.#ufrag) };
        this.signalingState = 'have-local-offer';
        this.#gather();
      } else if (type === 'answer') {
        if (this.signalingState !== 'have-remote-offer') {
          throw domError('InvalidStateError', `cannot answer in ${this.signalingState}`);
        }
        // An offer with new ICE credentials restarts ICE on this side too.
        const remote = parse(this.remoteDescription!.sdp);
        if (this.#lastRemoteUfrag !== undefined && remote.ufrag !== this.#lastRemoteUfrag) {
          this.#ufrag = this.#restartUfrag ?? newUfrag();
          this.#restartUfrag = undefined;
        }
        this.#lastRemoteUfrag = remote.ufrag;
        // An answer cannot add media sections: new tracks wait for this side's own offer.
        const tracks = this.#negotiated.filter((t) => this.localTracks.has(t));
        this.localDescription = { type: 'answer', sdp: this.#sdp(this.#ufrag, tracks) };
        this.#stableLocal = this.localDescription;
        this.#negotiated = tracks;
        this.signalingState = 'stable';
        this.#gather();
        this.#updateNegotiationNeeded();
      } else {
        throw domError('TypeError', `unsupported type ${type}`);
      }
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#operation(`setRemoteDescription(${description.type} #${parse(description.sdp!).serial})`, () => {
      const remote = parse(description.sdp!);
      if (description.type === 'offer') {
        if (this.signalingState === 'have-local-offer') this.#rollback(); // implicit rollback
        if (this.signalingState !== 'stable') {
          throw domError('InvalidStateError', `cannot take an offer in ${this.signalingState}`);
        }
        this.remoteDescription = { type: 'offer', sdp: description.sdp! };
        this.remoteTracks = remote.tracks;
        this.signalingState = 'have-remote-offer';
      } else if (description.type === 'answer') {
        if (this.signalingState !== 'have-local-offer') {
          throw domError('InvalidStateError', `cannot take an answer in ${this.signalingState}`);
        }
        const offered = parse(this.localDescription!.sdp);
        this.remoteDescription = { type: 'answer', sdp: description.sdp! };
        this.remoteTracks = remote.tracks;
        this.#lastRemoteUfrag = remote.ufrag;
        this.#negotiated = offered.tracks;
        if (offered.ufrag !== this.#ufrag) {
          this.#ufrag = offered.ufrag;
          this.#restartUfrag = undefined;
        }
        this.#stableLocal = this.localDescription;
        this.signalingState = 'stable';
        this.#updateNegotiationNeeded();
      } else {
        throw domError('TypeError', `unsupported type ${description.type}`);
      }
    });
  }

  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void> {
    return this.#operation('addIceCandidate', () => {
      if (!this.remoteDescription) throw domError('InvalidStateError', 'no remote description');
      const ufrag = parse(this.remoteDescription.sdp).ufrag;
      if (candidate?.usernameFragment !== ufrag) {
        throw domError('OperationError', `candidate for ${candidate?.usernameFragment}, remote is ${ufrag}`);
      }
      this.candidates.push(candidate.candidate!);
    });
  }

  #lastRemoteUfrag: string | undefined;

  #sdp(ufrag: string, tracks = [...this.localTracks]): string {
    return fakeSdp({ tracks: tracks.sort(), ufrag, serial: ++this.#serial });
  }

  #rollback(): void {
    this.rollbacks++;
    this.localDescription = this.#stableLocal;
    this.signalingState = 'stable';
  }

  #operation<T>(name: string, run: () => T): Promise<T> {
    this.#operations++;
    const result = this.#chain.then(async () => {
      await jitter(this.delay);
      if (this.#closed) throw domError('InvalidStateError', 'closed');
      const before = this.signalingState;
      try {
        const value = run();
        const local = this.localDescription ? `${this.localDescription.type} #${parse(this.localDescription.sdp).serial}` : '-';
        this.trace.push(`${name}: ${before} -> ${this.signalingState}, local ${local}`);
        return value;
      } catch (error) {
        this.trace.push(`${name}: ${before} FAILED ${(error as Error).message}`);
        throw error;
      }
    });
    this.#chain = result
      .catch(() => {})
      .then(() => {
        if (--this.#operations > 0 || !this.#updateOnEmptyChain) return;
        this.#updateOnEmptyChain = false;
        this.#updateNegotiationNeeded();
      });
    return result;
  }

  /** One candidate for the description just set, a moment later. */
  #gather(): void {
    const ufrag = parse(this.localDescription!.sdp).ufrag;
    const candidate = { candidate: `candidate-${ufrag}`, sdpMid: '0', usernameFragment: ufrag };
    setTimeout(() => {
      if (this.#closed) return;
      const event = Object.assign(new Event('icecandidate'), { candidate: { toJSON: () => candidate } });
      this.dispatchEvent(event);
    }, 0);
  }

  #needsNegotiation(): boolean {
    if (this.#restartUfrag !== undefined) return true;
    const negotiated = new Set(this.#negotiated);
    return negotiated.size !== this.localTracks.size || [...this.localTracks].some((t) => !negotiated.has(t));
  }

  /** WebRTC 1.0 §4.7.3: the event waits for an empty operations chain and a stable state. */
  #updateNegotiationNeeded(): void {
    if (this.#closed) return;
    if (this.#operations > 0) {
      this.#updateOnEmptyChain = true;
      return;
    }
    if (this.#eventPending) return;
    this.#eventPending = true;
    setTimeout(() => {
      this.#eventPending = false;
      if (this.#closed) return;
      if (this.#operations > 0) {
        this.#updateOnEmptyChain = true;
        return;
      }
      if (this.signalingState === 'stable' && this.#needsNegotiation()) {
        this.trace.push('negotiationneeded');
        this.dispatchEvent(new Event('negotiationneeded'));
      }
    }, 0);
  }
}
