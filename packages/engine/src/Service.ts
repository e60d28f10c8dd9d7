import type { ClientFrameOf, ClientFrameType } from '@mwse/protocol';
import type { BinaryKind, ClientHeader } from '@mwse/protocol/binary';
import type { Peer } from './Peer.js';
import type { RawPayload } from './tunnelEncoding.js';
import type { RemoteHandler } from './cluster/Cluster.js';

/**
 * Handles one client frame type. What it returns (or resolves to) is sent back as the `result`
 * of frames that ask the server for one; throwing a `ServiceError` refuses the frame.
 */
export type FrameHandler<T extends ClientFrameType> = (
  peer: Peer,
  frame: ClientFrameOf<T>,
) => unknown;

/** The complete routing table: one handler per client frame type. */
export type FrameHandlers = { [T in ClientFrameType]: FrameHandler<T> };

/**
 * Handles one tunnel frame kind whose payload stays raw: binary frames, and the JSON fast path
 * for SDK-shaped packs. The header is read, the payload never decoded.
 */
export type RawTunnelHandler = (peer: Peer, header: ClientHeader, raw: RawPayload) => void;

/** A service owns some frame types and cleans up after a peer that leaves. */
export interface Service<T extends ClientFrameType> {
  handlers: Pick<FrameHandlers, T>;
  /** Routes for tunnel frames with a raw payload, by kind. */
  rawTunnels?: Partial<Record<BinaryKind, RawTunnelHandler>>;
  /** Runs once a new peer has been greeted. */
  connect?(peer: Peer): void;
  /** Runs when a peer disconnects, while its relations are still in place. */
  disconnect?(peer: Peer): void;
  /**
   * Cluster mode: the halves of operations another node started that read or change state held
   * here, by name; `ghost` stands for the peer that started them (see `cluster/Cluster.ts`).
   */
  remote?: Record<string, RemoteHandler>;
}
