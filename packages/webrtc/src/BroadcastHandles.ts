import { Emitter, type BroadcastEndReason, type EventMap, type Room } from '@mwse/client';

/** Events of a {@link PublishHandle}. */
export interface PublishEvents {
  /** How many watch it now (at most once a second). */
  viewers: (count: number) => void;
  /** The broadcast is over: `stopped` (you), `media-lost`, `room-closed`, `revoked`… */
  ended: (reason: BroadcastEndReason) => void;
}

/** Events of a {@link WatchHandle}. */
export interface WatchEvents {
  /** The watch is over: `stopped` or `publisher-gone` (the publisher), `media-lost`, `room-closed`, `closed` (you). */
  ended: (reason: BroadcastEndReason | 'closed') => void;
}

/** One side of a broadcast: a peer connection to the media server and its session on MWSE. */
abstract class Handle<E extends EventMap<E> & { ended: (reason: never) => void }> extends Emitter<E> {
  #over = false;

  constructor(
    protected readonly room: Room,
    /** The broadcast's name in the room. */
    readonly name: string,
    /** The session's id on the MWSE server. */
    readonly session: string,
    /** The connection to the media server. */
    readonly pc: RTCPeerConnection,
    private readonly onOver: () => void,
  ) {
    super();
  }

  /** True once it ended (either side). */
  get ended(): boolean {
    return this.#over;
  }

  /** @internal The server or the client ended it. */
  finish(reason: Parameters<E['ended']>[0]): void {
    if (this.#over) return;
    this.#over = true;
    this.pc.close();
    this.onOver();
    (this.emit as unknown as (event: 'ended', reason: unknown) => void)('ended', reason);
  }

  /**
   * Tell the server, then close the connection (in that order: a connection closed first would
   * reach the media server as a hang-up, and end the broadcast as `media-lost`). Resolves once the
   * server freed the session.
   */
  protected async end(reason: Parameters<E['ended']>[0]): Promise<void> {
    if (this.#over) return;
    try {
      await this.room.broadcastCall({ type: 'broadcast/stop', session: this.session });
    } catch (error) {
      // Already gone on the server (it ended it first, or the connection dropped): nothing to free.
      const code = (error as { code?: string }).code;
      if (code !== 'not-found' && code !== 'disconnected') throw error;
    } finally {
      this.finish(reason);
    }
  }
}

/** Your broadcast: `viewers` counts, `ended`, and `stop()`. */
export class PublishHandle extends Handle<PublishEvents> {
  /** The latest viewer count the server gave. */
  viewers = 0;

  /** End the broadcast for every viewer (`ended` with `stopped`). */
  stop(): Promise<void> {
    return this.end('stopped');
  }
}

/** A broadcast you watch: its `stream`, `ended`, and `close()`. */
export class WatchHandle extends Handle<WatchEvents> {
  constructor(
    room: Room,
    name: string,
    session: string,
    pc: RTCPeerConnection,
    onOver: () => void,
    /** The publisher's tracks, as they arrive from the media server. */
    readonly stream: MediaStream,
  ) {
    super(room, name, session, pc, onOver);
  }

  /** Stop watching (`ended` with `closed`). */
  close(): Promise<void> {
    return this.end('closed');
  }
}
