import { CloseCode, jsonCodec } from '@mwse/protocol';
import { Admission, type Admitted } from './admission/Admission.js';
import { Cluster } from './cluster/Cluster.js';
import { sendFromServerAnywhere } from './cluster/ServerCalls.js';
import { consoleLogger } from './log/Logger.js';
import { ENGINE_DEFAULTS, type EngineOptions, type ResolvedEngineOptions } from './EngineOptions.js';
import { createControlPlane } from './http/api/createControlPlane.js';
import { KeyStore } from './http/KeyStore.js';
import { Heartbeat } from './Heartbeat.js';
import { Hub } from './Hub.js';
import { Link } from './session/Link.js';
import { HIGH_WATER_MARK } from './OutboundQueue.js';
import type { Transport } from './transports/Transport.js';
import { loadTransport } from './transports/loadTransport.js';
import { openStore } from './store/openStore.js';
import type { Store } from './store/Store.js';
import { ENGINE_VERSION } from './version.js';

/** A running MWSE engine: the transport listening, the hub routing, the heartbeat ticking. */
export class Engine {
  private closingPromise?: Promise<void>;

  private constructor(
    /** The bound port (useful with `port: 0`). */
    readonly port: number,
    private readonly transportImpl: Transport,
    readonly hub: Hub,
    private readonly heartbeat: Heartbeat,
    readonly options: ResolvedEngineOptions,
    private readonly sweeper: NodeJS.Timeout,
    private readonly openSockets: Set<Link>,
    /** The store the engine opened itself (and so closes); undefined when it was given one. */
    private readonly ownedStore: Store | undefined,
  ) {}

  /** Which library carries the connections. */
  get transport(): 'uws' | 'ws' {
    return this.transportImpl.name;
  }

  /** Cluster mode: this node's id (unique among the nodes on one Redis); undefined on a single node. */
  get node(): string | undefined {
    return this.hub.cluster?.nodeId;
  }

  /** `cluster` when this engine is one node of a cluster on Redis (docs/cluster.md). */
  get mode(): 'single' | 'cluster' {
    return this.hub.cluster ? 'cluster' : 'single';
  }

  /** True once `close()` has started. */
  get closing(): boolean {
    return this.closingPromise !== undefined;
  }

  /** @internal use {@link createEngine}. */
  static async start(options: EngineOptions): Promise<Engine> {
    const resolved: ResolvedEngineOptions = {
      ...ENGINE_DEFAULTS,
      version: ENGINE_VERSION,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    if (resolved.reusePort && !resolved.cluster) {
      // Engines that do not share state would split the users of one port between them.
      throw new TypeError('reusePort needs cluster: only cluster nodes may share a port');
    }
    const transport = await loadTransport(resolved.transport, {
      maxMessageSize: resolved.maxMessageSize,
      highWaterMark: HIGH_WATER_MARK,
      tls: resolved.tls,
      reusePort: resolved.reusePort,
    });
    const { store, owned } = await openStore(resolved.store);
    let cluster: Cluster | undefined;
    try {
      cluster = resolved.cluster ? await Cluster.start(resolved.cluster, resolved.logger ?? consoleLogger) : undefined;
    } catch (error) {
      if (owned) await store.close();
      throw error;
    }
    const hub = new Hub(resolved, jsonCodec, store, cluster);
    cluster?.attach(hub);
    // Sockets the transport has not reported closed; shutdown waits for these, not for peers.
    const openSockets = new Set<Link>();
    let engine: Engine | undefined;
    // A cluster node without Redis takes no connections and says so on /readyz.
    const closing = cluster ? () => (engine?.closing ?? false) || !cluster.ready : () => engine?.closing ?? false;
    if (cluster) {
      // With resume on, a fenced node keeps its sessions away (as a dropped socket would): their
      // clients reconnect (1001) and resume here once it serves again, or on another node.
      cluster.onLost = () => {
        for (const peer of [...hub.allPeers()]) {
          if (peer.session?.away) continue;
          // `drop` ends a session that cannot be kept (resume off) as `disconnect` would.
          hub.drop(peer, CloseCode.GoingAway, 'cluster node lost Redis');
        }
      };
    }
    const admission = new Admission(
      {
        allowedOrigins: resolved.allowedOrigins,
        maxConnectionsPerAddress: resolved.maxConnectionsPerAddress,
        trustProxy: resolved.trustProxy,
        approveUrl: resolved.approveUrl,
        approveTimeout: resolved.approveTimeout,
        maxPendingApprovals: resolved.maxPendingApprovals,
        approveHeaders: resolved.approveHeaders,
        bridgeSecret: resolved.bridgeSecret,
      },
      hub.metrics,
      closing,
      hub.log,
    );
    // Nothing may throw out of a transport callback: a bug met while handling one connection
    // closes that connection (1011) and is logged, and the process and the others go on.
    // A link is a socket; its peer (the session) may be none yet (a resume not yet read) or
    // none any more (the session moved to another socket), and then its events are ignored.
    const guarded =
      <A extends unknown[]>(where: string, fn: (link: Link, ...args: A) => void) =>
      (link: Link, ...args: A): void => {
        try {
          fn(link, ...args);
        } catch (error) {
          if (link.peer) hub.contain(link.peer, where, error);
          else link.close(CloseCode.InternalError, 'internal error');
        }
      };
    // A socket opened to resume that stays silent is closed rather than held.
    const resumeDeadline = 2 * resolved.pingInterval;
    const listening = transport.listen<Link>(resolved.host, resolved.port, {
      upgrade: (request) => admission.decide(request),
      open: (socket, context) => {
        const admitted = context as Admitted;
        admission.opened(admitted.address);
        const link = new Link(socket, admitted);
        openSockets.add(link);
        if (closing()) {
          link.close(CloseCode.GoingAway, 'server shutting down');
        } else if (admitted.resume) {
          link.deadline = setTimeout(() => {
            if (!link.peer) link.close(CloseCode.PolicyViolation, 'no session/resume frame');
          }, resumeDeadline);
          link.deadline.unref();
        } else {
          hub.open(link);
        }
        return link;
      },
      message: guarded('message', (link, data, utf8) => {
        if (link.peer) hub.message(link.peer, data, utf8);
        else if (link.deadline && link.open) {
          clearTimeout(link.deadline);
          link.deadline = undefined;
          hub.resumeLink(link, data);
        }
      }),
      drain: guarded('drain', (link) => link.peer?.queue.flush()),
      pong: (link) => {
        if (link.peer) link.peer.lastSeen = Date.now();
      },
      close: guarded('close', (link, code) => {
        link.open = false;
        clearTimeout(link.deadline);
        openSockets.delete(link);
        admission.closed(link.admitted.address);
        const { peer } = link;
        if (peer && peer.link === link) hub.socketClosed(peer, code);
      }),
      http: createControlPlane({ hub, keys: new KeyStore(store.keys), closing }, resolved.http),
    });
    const port = await listening.catch(async (error: unknown) => {
      // Not started: resumed webhooks must not run against a store this engine closes.
      hub.bridge.stop();
      await cluster?.close();
      if (owned) await store.close();
      throw error;
    });
    const sweeper = setInterval(() => {
      try {
        const swept = hub.notifications.sweep();
        if (swept instanceof Promise) swept.catch((error: unknown) => hub.log.error({ err: error }, 'the store sweep failed'));
      } catch (error) {
        hub.log.error({ err: error }, 'the store sweep failed');
      }
    }, 60_000);
    sweeper.unref();
    engine = new Engine(port, transport, hub, new Heartbeat(hub, resolved.pingInterval), resolved, sweeper, openSockets, owned ? store : undefined);
    return engine;
  }

  /**
   * Deliver `pack` to a peer as a direct message from `server` (the SDK sees
   * `peer === mwse.peer('server')`). Returns false when the peer is not connected here (in a
   * cluster, {@link sendFromServerAnywhere} reaches the other nodes' peers).
   */
  sendFromServer(socketId: string, pack: unknown): boolean {
    const peer = this.hub.peer(socketId);
    if (!peer) return false;
    this.hub.send(peer, { type: 'pack', from: 'server', pack });
    return true;
  }

  /**
   * {@link sendFromServer} to a peer of any node of the cluster: resolves true once the peer's
   * node queued the pack, false when no live node holds that socket id. On a single node it is
   * `sendFromServer`, resolved.
   */
  sendFromServerAnywhere(socketId: string, pack: unknown): Promise<boolean> {
    return sendFromServerAnywhere(this.hub, socketId, pack);
  }

  /**
   * Stop accepting, close every connection with 1001, and resolve once all are closed or
   * `shutdownTimeout` has passed (then the rest are dropped). Safe to call more than once.
   */
  close(): Promise<void> {
    this.closingPromise ??= this.shutdown();
    return this.closingPromise;
  }

  private async shutdown(): Promise<void> {
    this.transportImpl.stopListening();
    this.heartbeat.stop();
    clearInterval(this.sweeper);
    this.hub.bridge.stop();
    for (const peer of [...this.hub.allPeers()]) {
      peer.queue.flush();
      this.hub.disconnect(peer, CloseCode.GoingAway, 'server shutting down');
    }
    const deadline = Date.now() + this.options.shutdownTimeout;
    while (this.openSockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const link of [...this.openSockets]) link.socket.terminate();
    await this.hub.broadcasts.close();
    await this.hub.cluster?.close();
    await this.ownedStore?.close();
  }
}

/**
 * Start an engine.
 *
 * @example
 * const engine = await createEngine({ port: 0, transport: 'ws' });
 * console.log(`listening on ${engine.port} over ${engine.transport}`);
 * await engine.close();
 */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return Engine.start(options);
}
