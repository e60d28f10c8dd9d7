import MWSE from '@mwse/client';

type Kind = 'direct' | 'room' | 'request';
const KINDS: Kind[] = ['direct', 'room', 'request'];

/** What one side of the canary sent and what its partner received, by sequence number. */
class Tally {
  sent: Record<Kind, number> = { direct: 0, room: 0, request: 0 };
  /** How often each sequence number arrived. */
  seen: Record<Kind, Map<number, number>> = { direct: new Map(), room: new Map(), request: new Map() };

  receive(kind: Kind, seq: unknown, failures: string[], what: string): void {
    if (typeof seq !== 'number') {
      failures.push(`${what}: ${kind} without a sequence number: ${JSON.stringify(seq)}`);
      return;
    }
    this.seen[kind].set(seq, (this.seen[kind].get(seq) ?? 0) + 1);
  }

  complete(): boolean {
    return KINDS.every((k) => this.seen[k].size >= this.sent[k]);
  }

  /** Lost and duplicated messages, by kind. */
  report(): { kind: Kind; sent: number; lost: number; duplicated: number }[] {
    return KINDS.map((kind) => {
      let lost = 0;
      for (let seq = 0; seq < this.sent[kind]; seq++) if (!this.seen[kind].has(seq)) lost++;
      const duplicated = [...this.seen[kind].values()].filter((n) => n > 1).length;
      return { kind, sent: this.sent[kind], lost, duplicated };
    });
  }
}

/**
 * Two SDK clients, paired and in a room of their own, that keep exchanging direct messages, room
 * messages and requests while the fuzzers run. Any failure, loss or duplicate is recorded.
 */
export class Canary {
  readonly failures: string[] = [];
  private readonly tallies = new Map<MWSE, Tally>();
  private pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  /** The suite is closing the clients: their close events are expected. */
  private closing = false;
  private constructor(
    readonly a: MWSE,
    readonly b: MWSE,
    private readonly rooms: Map<MWSE, ReturnType<MWSE['room']>>,
  ) {}

  /** Connect, pair and join the room; `room` must be a name no fuzzer uses. */
  static async start(url: string, codec: 'json' | 'binary', room: string): Promise<Canary> {
    const make = (user: string) => new MWSE({ endpoint: `${url}/?user=${user}`, reconnect: false, codec, requestTimeout: 15_000 });
    const a = make('canary-a');
    const b = make('canary-b');
    await Promise.all([a.scope(), b.scope()]);
    const roomA = a.room({ name: room, joinType: 'free' });
    const roomB = b.room({ name: room, joinType: 'free' });
    const canary = new Canary(a, b, new Map([[a, roomA], [b, roomB]]));
    for (const [self, other, label] of [[a, b, 'a'], [b, a, 'b']] as const) {
      const tally = new Tally();
      canary.tallies.set(self, tally); // what `self` sent, as `other` saw it
      const from = other.peer(self.me.socketId);
      const what = `canary ${label}→`;
      from.on('message', (pack: { seq?: unknown }) => tally.receive('direct', pack?.seq, canary.failures, what));
      other.on('request', (req) => req.response({ seq: (req.body as { seq?: unknown })?.seq }));
      for (const event of ['error', 'disconnect', 'close'] as const) {
        self.on(event, (info: unknown) => canary.closing || canary.failures.push(`canary ${label} ${event}: ${info instanceof Error ? info.message : JSON.stringify(info)}`));
      }
    }
    await a.peer(b.me.socketId).acceptPair();
    await b.peer(a.me.socketId).acceptPair();
    await roomA.createRoom();
    await roomB.join();
    for (const [self, other] of [[a, b], [b, a]] as const) {
      const tally = canary.tallies.get(self)!;
      canary.rooms.get(other)!.on('message', (pack: { seq?: unknown }, peer) => {
        if (peer.socketId !== self.me.socketId) canary.failures.push(`canary room message from a stranger ${peer.socketId}`);
        else tally.receive('room', pack?.seq, canary.failures, 'canary room');
      });
    }
    return canary;
  }

  /** Send one of each kind from both sides every `every` ms until {@link stop}. */
  run(every = 40): void {
    const tick = () => {
      for (const [self, other] of [[this.a, this.b], [this.b, this.a]] as const) {
        const tally = this.tallies.get(self)!;
        const peer = self.peer(other.me.socketId);
        peer.send({ seq: tally.sent.direct++ });
        this.rooms.get(self)!.send({ seq: tally.sent.room++ });
        const seq = tally.sent.request++;
        const call = peer.request<{ seq?: unknown }>({ seq }).then(
          (answer: { seq?: unknown }) => {
            if (answer?.seq !== seq) this.failures.push(`canary request ${seq} answered ${JSON.stringify(answer)}`);
            else tally.receive('request', seq, this.failures, 'canary request');
          },
          (error: Error & { code?: string }) => this.failures.push(`canary request ${seq} failed: ${error.code} ${error.message}`),
        );
        this.pending.add(call);
        void call.finally(() => this.pending.delete(call));
      }
    };
    this.timer = setInterval(tick, every);
  }

  /** Stop sending, wait (bounded) for what is in flight, and close both clients. */
  async stop(timeout = 10_000): Promise<{ kind: string; sent: number; lost: number; duplicated: number }[]> {
    clearInterval(this.timer);
    const deadline = Date.now() + timeout;
    while ((this.pending.size > 0 || ![...this.tallies.values()].every((t) => t.complete())) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const report = [...this.tallies.values()].flatMap((t) => t.report());
    this.closing = true;
    this.a.close();
    this.b.close();
    return report;
  }
}
