import type { Logger } from '../log/Logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { UpgradeDecision, UpgradeRequest } from '../transports/Transport.js';
import { BridgeApprover, type Approval } from './BridgeApprover.js';
import { clientAddress } from './clientAddress.js';

/** What an admitted connection carries into its peer. */
export interface Admitted extends Approval {
  address: string;
  /** The client asked for binary tunnel frames (`?codec=binary`). */
  binary: boolean;
  /** The client will send `session/resume` first (`?resume=1`): no hello until it has. */
  resume?: boolean;
}

export interface AdmissionOptions {
  /** Origins allowed to open a connection; empty allows every origin. */
  allowedOrigins: readonly string[];
  maxConnectionsPerAddress: number;
  /** Proxies in front, see {@link clientAddress}. */
  trustProxy: number | boolean;
  approveUrl?: string;
  approveTimeout: number;
  maxPendingApprovals: number;
  approveHeaders: readonly string[];
  /** Signs approval requests (the bridge secret). */
  bridgeSecret?: string;
}

/**
 * Decides on every handshake, cheapest check first: shutting down, Origin, connections per
 * address, then the bridge's approval.
 */
export class Admission {
  /** Open connections, plus handshakes awaiting approval, per client address. */
  private readonly perAddress = new Map<string, number>();
  private readonly approver?: BridgeApprover;

  constructor(
    private readonly options: AdmissionOptions,
    private readonly metrics: Metrics,
    private readonly closing: () => boolean,
    /** Refusals are logged here (the hub's rate-limited logger): a refused client cannot say why. */
    private readonly log?: Logger,
  ) {
    if (options.approveUrl) {
      this.approver = new BridgeApprover({
        url: options.approveUrl,
        timeout: options.approveTimeout,
        maxPending: options.maxPendingApprovals,
        forwardHeaders: options.approveHeaders,
        secret: options.bridgeSecret,
      });
    }
  }

  async decide(request: UpgradeRequest): Promise<UpgradeDecision> {
    // Worked out first (it reads two headers) so that every refusal can be logged with it.
    const address = clientAddress(request.headers, request.remoteAddress, this.options.trustProxy);
    const origin = request.headers.origin;
    const refuse = (reason: string, status: number, message: string) =>
      this.refuse(reason, status, message, { address, ...(origin === undefined ? {} : { origin }) });
    if (this.closing()) return refuse('shutting-down', 503, 'server shutting down');
    const { allowedOrigins } = this.options;
    if (origin !== undefined && allowedOrigins.length > 0 && !allowedOrigins.includes(origin)) {
      return refuse('origin', 403, `origin ${origin} is not allowed`);
    }
    if ((this.perAddress.get(address) ?? 0) >= this.options.maxConnectionsPerAddress) {
      return refuse('connection-cap', 429, 'too many connections from this address');
    }
    const query = new URLSearchParams(request.query);
    const binary = query.get('codec') === 'binary';
    const resume = query.get('resume') === '1';
    if (!this.approver) return { accept: true, context: { address, binary, resume } satisfies Admitted };
    // The slot is held while the approval is awaited: otherwise a burst of handshakes all pass
    // the cap before any of them opens.
    this.count(address, 1);
    let approval;
    try {
      approval = await this.approver.approve({ ...request, remoteAddress: address });
    } finally {
      this.count(address, -1);
    }
    if (approval === 'denied') return refuse(approval, 403, 'connection not approved');
    // The app server could not answer: refused all the same (fail-closed), but as unavailable.
    if (typeof approval === 'string') return refuse(approval, 503, 'connection approval unavailable');
    return { accept: true, context: { ...approval, address, binary, resume } satisfies Admitted };
  }

  /** A connection admitted with `address` opened. */
  opened(address: string): void {
    this.count(address, 1);
  }

  closed(address: string): void {
    this.count(address, -1);
  }

  private count(address: string, by: 1 | -1): void {
    const n = (this.perAddress.get(address) ?? 0) + by;
    if (n <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, n);
  }

  private refuse(reason: string, status: number, message: string, who: Record<string, string>): UpgradeDecision {
    this.metrics.inc('mwse_refused_connections_total', reason);
    // One fixed message per status keeps the rate limiter's key (level + text) from growing with
    // origins; what differs goes in the fields. Shutting down is expected, the rest worth a look.
    const fields = { reason, status, ...who };
    if (reason === 'shutting-down' || reason === 'denied') this.log?.info(fields, `refused a handshake (${status})`);
    else this.log?.warn(fields, `refused a handshake (${status})`);
    return { accept: false, status, message };
  }
}
