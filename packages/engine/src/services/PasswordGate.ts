import type { Metrics } from '../metrics/Metrics.js';
import type { Peer } from '../Peer.js';
import { ServiceError } from '../ServiceError.js';
import { hashPassword, verifyPassword, type PasswordHash } from './passwords.js';

/** Bounds of a {@link PasswordGate}. */
export interface PasswordGateLimits {
  /** scrypt runs at once, in all. */
  max: number;
  /** scrypt runs at once for one connection. */
  perPeer: number;
}

/** Wrong passwords in a row a connection may try before it must wait. */
const FREE_FAILURES = 3;
/** The first wait after those, doubled by each further wrong password up to `MAX_BACKOFF`. */
const FIRST_BACKOFF = 1000;
const MAX_BACKOFF = 30_000;

/** What the gate knows of one connection. */
interface PeerChecks {
  running: number;
  /** Wrong passwords in a row. */
  failures: number;
  /** No check before this time (ms since the epoch). */
  waitUntil: number;
}

/**
 * Room passwords cost a scrypt each (~50 ms of a libuv thread-pool thread, the pool that file
 * reads and DNS lookups also wait on). Unbounded, one client's burst of wrong-password joins
 * queues ahead of every static file. The gate runs at most `max` at once (`perPeer` per
 * connection) and refuses the excess at once with `rate-limited`; a connection that keeps
 * guessing wrong is made to wait, doubling, before its next check.
 */
export class PasswordGate {
  private running = 0;
  /** Most checks that ever ran at once: the bound holds while this stays at or under `max`. */
  private highWater = 0;
  private readonly peers = new WeakMap<Peer, PeerChecks>();

  constructor(
    private readonly limits: PasswordGateLimits,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('mwse_password_checks_running', 'Room password hashes (scrypt) running now.', () => this.running);
    metrics.gauge('mwse_password_checks_high_water', 'Most room password hashes that ran at once.', () => this.highWater);
  }

  /** Hash a new room's password for `peer` (counts against the bounds, never against backoff). */
  hash(peer: Peer, password: string): Promise<PasswordHash> {
    return this.run(peer, () => hashPassword(password));
  }

  /** Check `password` for `peer`; refuses at once when over a bound or while backing off. */
  async verify(peer: Peer, password: string, stored: PasswordHash): Promise<boolean> {
    const checks = this.of(peer);
    const now = Date.now();
    if (now < checks.waitUntil) {
      this.metrics.inc('mwse_dropped_total', 'password-backoff');
      const seconds = Math.ceil((checks.waitUntil - now) / 1000);
      throw new ServiceError('rate-limited', `too many wrong passwords; try again in ${seconds} s`);
    }
    const ok = await this.run(peer, () => verifyPassword(password, stored));
    if (ok) {
      checks.failures = 0;
    } else if (++checks.failures >= FREE_FAILURES) {
      const wait = Math.min(FIRST_BACKOFF * 2 ** (checks.failures - FREE_FAILURES), MAX_BACKOFF);
      checks.waitUntil = Date.now() + wait;
    }
    return ok;
  }

  /** Run one scrypt within the bounds. Takes the slot synchronously, so a burst is refused at once. */
  private async run<T>(peer: Peer, work: () => Promise<T>): Promise<T> {
    const checks = this.of(peer);
    if (this.running >= this.limits.max || checks.running >= this.limits.perPeer) {
      this.metrics.inc('mwse_dropped_total', 'password-busy');
      throw new ServiceError('rate-limited', 'too many password checks at once; try again shortly');
    }
    this.running++;
    checks.running++;
    if (this.running > this.highWater) this.highWater = this.running;
    try {
      return await work();
    } finally {
      // Released when scrypt finishes, not when the peer leaves: the thread is busy until then.
      this.running--;
      checks.running--;
    }
  }

  private of(peer: Peer): PeerChecks {
    let checks = this.peers.get(peer);
    if (!checks) {
      checks = { running: 0, failures: 0, waitUntil: 0 };
      this.peers.set(peer, checks);
    }
    return checks;
  }
}
