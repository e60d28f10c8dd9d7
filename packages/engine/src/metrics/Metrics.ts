/**
 * The engine's counters, in Prometheus text format. Hand-rolled rather than a client library:
 * a handful of counters and one histogram, updated on the hot path with plain arithmetic.
 */
export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly help = new Map<string, string>();
  private readonly gauges = new Map<string, () => number>();
  /** Upper bounds of the request latency histogram, in seconds. */
  private readonly buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  private readonly latencyCounts = new Array<number>(this.buckets.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  // Traffic is counted on every frame, so it skips the name lookup of `inc`: one Map per
  // direction keyed by frame type, holding a counter cell, and the cell of the type counted last
  // (a fan-out counts one type many times over: one string comparison each, no lookup).
  private readonly messagesIn = new Map<string, Count>();
  private readonly messagesOut = new Map<string, Count>();
  private lastIn: Count | undefined;
  private lastOut: Count | undefined;
  private bytesIn = 0;
  private bytesOut = 0;

  constructor() {
    this.describe('mwse_dropped_total', 'Frames dropped or refused, by reason.');
    this.describe('mwse_refused_connections_total', 'Handshakes refused, by reason.');
    this.describe('mwse_resumes_total', 'Session resume attempts, by outcome (resumed, or why refused).');
    this.describe('mwse_bridge_webhooks_total', 'Webhook attempts to BRIDGE_TRIGGER_URL, by outcome.');
    this.describe('mwse_media_errors_total', 'Media-server calls of broadcast rooms that failed, by error code.');
  }

  private describe(name: string, help: string): void {
    this.help.set(name, help);
    this.counters.set(name, new Map());
  }

  /** Add to a counter; `label` is the value of its one label (type or reason). */
  inc(name: string, label = '', by = 1): void {
    const series = this.counters.get(name);
    if (!series) throw new Error(`unknown metric ${name}`);
    series.set(label, (series.get(label) ?? 0) + by);
  }

  /** One inbound frame of `type` and `bytes` (hot path). */
  countIn(type: string, bytes: number): void {
    let count = this.lastIn;
    if (count === undefined || count.type !== type) count = this.lastIn = cell(this.messagesIn, type);
    count.n += 1;
    this.bytesIn += bytes;
  }

  /** `frames` frames of `type`, `bytes` in all, queued to peers (hot path; a fan-out counts once). */
  countOut(type: string, bytes: number, frames = 1): void {
    let count = this.lastOut;
    if (count === undefined || count.type !== type) count = this.lastOut = cell(this.messagesOut, type);
    count.n += frames;
    this.bytesOut += bytes;
  }

  get(name: string, label = ''): number {
    if (name === 'mwse_messages_in_total') return this.messagesIn.get(label)?.n ?? 0;
    if (name === 'mwse_messages_out_total') return this.messagesOut.get(label)?.n ?? 0;
    return this.counters.get(name)?.get(label) ?? 0;
  }

  /** A value read when metrics are scraped (connections, rooms, queue high-water). */
  gauge(name: string, help: string, read: () => number): void {
    this.help.set(name, help);
    this.gauges.set(name, read);
  }

  /** Record one request/response round trip through the server. */
  observeLatency(seconds: number): void {
    let i = 0;
    while (i < this.buckets.length && seconds > this.buckets[i]!) i++;
    this.latencyCounts[i]!++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, read] of this.gauges) {
      lines.push(`# HELP ${name} ${this.help.get(name)}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    const traffic = (name: string, help: string, series: Map<string, Count>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [type, { n }] of series) lines.push(`${name}{type="${type}"} ${n}`);
    };
    traffic('mwse_messages_in_total', 'Frames received, by type.', this.messagesIn);
    traffic('mwse_messages_out_total', 'Frames queued to peers, by type.', this.messagesOut);
    lines.push('# HELP mwse_bytes_in_total Bytes received in frames.', '# TYPE mwse_bytes_in_total counter', `mwse_bytes_in_total ${this.bytesIn}`);
    lines.push('# HELP mwse_bytes_out_total Bytes queued to peers.', '# TYPE mwse_bytes_out_total counter', `mwse_bytes_out_total ${this.bytesOut}`);
    for (const [name, series] of this.counters) {
      lines.push(`# HELP ${name} ${this.help.get(name)}`, `# TYPE ${name} counter`);
      const labelName = name.includes('dropped') || name.includes('refused') ? 'reason' : name.includes('webhooks') ? 'outcome' : 'type';
      if (series.size === 0) lines.push(`${name} 0`);
      for (const [label, value] of series) {
        lines.push(label ? `${name}{${labelName}="${label}"} ${value}` : `${name} ${value}`);
      }
    }
    const h = 'mwse_request_duration_seconds';
    lines.push(`# HELP ${h} Time from a request reaching the server to its response.`, `# TYPE ${h} histogram`);
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += this.latencyCounts[i]!;
      lines.push(`${h}_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`${h}_bucket{le="+Inf"} ${this.latencyCount}`, `${h}_sum ${this.latencySum}`, `${h}_count ${this.latencyCount}`);
    return `${lines.join('\n')}\n`;
  }
}

/** Frames of one type counted in one direction. */
class Count {
  n = 0;
  constructor(readonly type: string) {}
}

function cell(series: Map<string, Count>, type: string): Count {
  let count = series.get(type);
  if (count === undefined) series.set(type, (count = new Count(type)));
  return count;
}
