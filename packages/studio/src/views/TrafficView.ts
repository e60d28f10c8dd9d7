import type { ColumnItem } from '../ColumnItem.js';
import type { TrafficEntry, TrafficKind } from '../state/TrafficLog.js';
import type { StudioContext } from '../StudioContext.js';
import { clock, preview } from '../ui/format.js';
import { View } from '../View.js';
import { TrackedPeers } from './peerItem.js';
import { ValueView } from './ValueView.js';

const KINDS: Record<TrafficKind, { icon: string; word: string; tone: ColumnItem['tone'] }> = {
  in: { icon: '↙', word: 'from', tone: 'default' },
  out: { icon: '↗', word: 'to', tone: 'default' },
  request: { icon: '⇢', word: 'request to', tone: 'accent' },
  answer: { icon: '⇠', word: 'answer from', tone: 'good' },
  failure: { icon: '✕', word: 'failed:', tone: 'bad' },
  'room-in': { icon: '↙', word: 'from', tone: 'default' },
  'room-out': { icon: '↗', word: 'from', tone: 'default' },
  event: { icon: '•', word: '', tone: 'muted' },
};

/** Names shown for the newest entries' peers: enough for a screen, bounded for a busy log. */
const NAMED = 100;

/** A live log of messages, requests, answers and room events, newest first. */
export class TrafficView extends View {
  readonly kind = 'traffic';
  override readonly width = 'wide';
  readonly #title: string;
  readonly #filter: (entry: TrafficEntry) => boolean;
  readonly #tracked = new TrackedPeers(this.ctx);

  constructor(ctx: StudioContext, title: string, filter: (entry: TrafficEntry) => boolean) {
    super(ctx);
    this.#title = title;
    this.#filter = filter;
  }

  title(): string {
    return this.#title;
  }

  override emptyText(): string {
    return 'No traffic yet';
  }

  items(): ColumnItem[] {
    const entries = this.ctx.traffic.entries.filter(this.#filter).reverse();
    this.#tracked.set(new Set(entries.slice(0, NAMED).flatMap((entry) => (entry.peer && !entry.peer.isMe && entry.peer.socketId !== 'server' ? [entry.peer] : []))));
    return entries.map((entry) => this.#item(entry));
  }

  override open(item: ColumnItem): View | undefined {
    const entry = this.ctx.traffic.entries.find((candidate) => `t:${candidate.id}` === item.id);
    if (!entry) return undefined;
    const title = `#${entry.id} ${KINDS[entry.kind].word} ${entry.peer ? this.ctx.peers.name(entry.peer) : ''}`.trim();
    const value = entry.kind === 'event' ? { event: entry.note, peer: entry.peer?.socketId, room: entry.room, at: new Date(entry.at).toISOString() } : entry.data;
    return new ValueView(this.ctx, title, () => value);
  }

  protected override start(): void {
    this.watch(this.ctx.traffic.changed);
    this.watch(this.ctx.peers.changed);
    this.onDispose(() => this.#tracked.release());
  }

  #item(entry: TrafficEntry): ColumnItem {
    const kind = KINDS[entry.kind];
    const who = !entry.peer ? '' : entry.peer.isMe ? 'you' : this.ctx.peers.name(entry.peer);
    const where = entry.room ? ` in ${entry.room}` : '';
    const label = entry.kind === 'event' ? `${who} ${entry.note ?? ''}`.trim() : preview(entry.data, 60);
    const detail = entry.kind === 'event' ? `${where.trim()} · ${clock(entry.at)}` : `${kind.word} ${who}${where} · ${clock(entry.at)}`;
    return {
      id: `t:${entry.id}`,
      label,
      detail: detail.replace(/^ · /, ''),
      icon: kind.icon,
      opens: true,
      ...(kind.tone ? { tone: kind.tone } : {}),
      keywords: `${entry.kind} ${entry.note ?? ''} ${entry.peer?.socketId ?? ''}`,
    };
  }
}
