import { Emitter, MWSEError, type BroadcastFrame, type BroadcastSession, type BroadcastSummary, type IceServer, type Room } from '@mwse/client';
import { PublishHandle, WatchHandle } from './BroadcastHandles.js';
import { ICE_GATHERING_CAP, completeOffer } from './completeOffer.js';

/** Events of a room's {@link RoomBroadcast}. */
export interface RoomBroadcastEvents {
  /** `name` went live, published by the peer with socket id `publisher`. */
  started: (name: string, publisher: string) => void;
  /** `name` ended (see {@link BroadcastEndReason}). */
  ended: (name: string, reason: string) => void;
}

/** Options of {@link RoomBroadcast.publish}. */
export interface PublishOptions {
  /** The broadcast's name in the room (letters, digits, `.`, `_`, `-`). */
  name: string;
  /** Longest ICE gathering before the offer goes as it is (ms, default 2000). */
  gatheringCap?: number;
  /** Most time the server may take to answer (ms; default the client's request timeout). */
  timeout?: number;
}

/** Options of {@link RoomBroadcast.watch}. */
export interface WatchOptions {
  gatheringCap?: number;
  timeout?: number;
  /** Only relayed candidates (TURN): for testing a TURN setup, or to hide the viewer's address. */
  relayOnly?: boolean;
}

/**
 * One to many through the server's media server, in a broadcast room (`mode: 'broadcast'`):
 * `room.broadcast`, once `attachRTC(mwse)` ran (the served `/sdk/index.js` does it). The browser
 * makes one complete offer per session; MWSE relays it to the media server and returns its
 * answer, so media never goes through MWSE. Failures are `MWSEError`s: `not-live`,
 * `media-unavailable`, `media-refused`, `forbidden`, `room-full`…
 *
 * @example
 * const room = mwse.room({ name: 'live', mode: 'broadcast', ifexistsJoin: true });
 * await room.createRoom();
 * const live = await room.broadcast.publish(await MediaSources.cameraAndMic(), { name: 'main' });
 * live.on('viewers', (n) => console.log(n, 'watching'));
 * // elsewhere, in the audience
 * const watch = await room.broadcast.watch('main');
 * video.srcObject = watch.stream;
 */
export class RoomBroadcast extends Emitter<RoomBroadcastEvents> {
  readonly #room: Room;
  readonly #publishes = new Map<string, PublishHandle>();
  readonly #watches = new Map<string, WatchHandle>();
  #ice: Promise<IceServer[]> | undefined;

  /** Made by `room.broadcast`. */
  constructor(room: Room) {
    super();
    this.#room = room;
    room.on('broadcast/frame', (frame) => this.#frame(frame));
    // Out of the room (left, ejected, closed, the session ended): the server ended every session.
    room.on('left', () => this.#dropAll());
  }

  /** The room's live broadcasts. */
  list(): Promise<BroadcastSummary[]> {
    return this.#room.broadcastCall({ type: 'broadcast/list', room: this.#room.name });
  }

  /** The ICE servers the server gives for this room (TURN credentials minted for you), cached. */
  iceServers(): Promise<IceServer[]> {
    this.#ice ??= this.#room
      .broadcastCall<{ iceServers: IceServer[] }>({ type: 'broadcast/ice', room: this.#room.name })
      .then((r) => r.iceServers)
      .catch((error: unknown) => {
        this.#ice = undefined;
        throw error;
      });
    return this.#ice;
  }

  /** Publish `stream` under `options.name`; resolves once the media server answered. */
  async publish(stream: MediaStream, options: PublishOptions): Promise<PublishHandle> {
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers() });
    try {
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      const offer = await completeOffer(pc, options.gatheringCap ?? ICE_GATHERING_CAP);
      const session = await this.#room.broadcastCall<BroadcastSession>(
        { type: 'broadcast/publish', room: this.#room.name, name: options.name, offer },
        options.timeout === undefined ? {} : { timeout: options.timeout },
      );
      const handle = new PublishHandle(this.#room, options.name, session.session, pc, () => this.#publishes.delete(session.session));
      this.#publishes.set(session.session, handle);
      await this.#answer(pc, session, handle);
      return handle;
    } catch (error) {
      pc.close();
      throw error;
    }
  }

  /** Watch `name`; resolves with the handle once the media server answered (frames follow). */
  async watch(name: string, options: WatchOptions = {}): Promise<WatchHandle> {
    const pc = new RTCPeerConnection({
      iceServers: await this.iceServers(),
      ...(options.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}),
    });
    const stream = new MediaStream();
    pc.addEventListener('track', (event) => stream.addTrack(event.track));
    try {
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      const offer = await completeOffer(pc, options.gatheringCap ?? ICE_GATHERING_CAP);
      const session = await this.#room.broadcastCall<BroadcastSession>(
        { type: 'broadcast/watch', room: this.#room.name, name, offer },
        options.timeout === undefined ? {} : { timeout: options.timeout },
      );
      const handle = new WatchHandle(this.#room, name, session.session, pc, () => this.#watches.delete(session.session), stream);
      this.#watches.set(session.session, handle);
      await this.#answer(pc, session, handle);
      return handle;
    } catch (error) {
      pc.close();
      throw error;
    }
  }

  async #answer(pc: RTCPeerConnection, session: BroadcastSession, handle: PublishHandle | WatchHandle): Promise<void> {
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: session.answer });
    } catch (error) {
      await (handle instanceof WatchHandle ? handle.close() : handle.stop()).catch(() => {});
      throw new MWSEError('media-refused', `the media server's answer was refused: ${(error as Error).message}`, { cause: error });
    }
  }

  #frame(frame: BroadcastFrame): void {
    switch (frame.type) {
      case 'broadcast/started':
        this.emit('started', frame.name, frame.publisher);
        return;
      case 'broadcast/viewers':
        for (const handle of this.#publishes.values()) {
          if (handle.name !== frame.name) continue;
          handle.viewers = frame.count;
          handle.emit('viewers', frame.count);
        }
        return;
      case 'broadcast/ended':
        if (frame.session !== undefined) {
          this.#watches.get(frame.session)?.finish(frame.reason);
          return;
        }
        for (const handle of [...this.#publishes.values(), ...this.#watches.values()]) {
          if (handle.name === frame.name) handle.finish(frame.reason as never);
        }
        this.emit('ended', frame.name, frame.reason);
        return;
    }
  }

  #dropAll(): void {
    for (const handle of [...this.#publishes.values()]) handle.finish('room-closed');
    for (const handle of [...this.#watches.values()]) handle.finish('room-closed');
  }
}
