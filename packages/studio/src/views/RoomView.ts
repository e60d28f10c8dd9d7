import type { Peer, Room } from '@mwse/client';
import type { ColumnItem } from '../ColumnItem.js';
import type { StudioContext } from '../StudioContext.js';
import { button, field, formRow, panel, section } from '../ui/controls.js';
import { describeError, parseInput } from '../ui/format.js';
import { subscribe } from '../state/subscribe.js';
import { View } from '../View.js';
import { MeView } from './MeView.js';
import { peerItem, TrackedPeers } from './peerItem.js';
import { PeerView } from './PeerView.js';
import { RoomInfoView } from './RoomInfoView.js';
import { TrafficView } from './TrafficView.js';

/**
 * One room: its members by info name, its info and its traffic. Once joined, members come and go
 * by the room's events; before that the server tells a non-member nothing, so the member list is
 * polled.
 */
export class RoomView extends View {
  readonly kind = 'room';
  readonly #room: Room;
  #members = new Map<string, Peer>();
  #state: 'loading' | 'ready' | 'missing' | 'private' = 'loading';
  readonly #tracked = new TrackedPeers(this.ctx);
  readonly #password = field('Password');
  readonly #join = button('Join room', () => void this.#doJoin(), 'primary');
  readonly #leave = button('Leave room', () => void this.#doLeave(), 'danger');
  readonly #message = field('Message to the room', 'Message (JSON or text)');
  readonly #send = button('Send', () => this.#doSend(), 'primary');

  constructor(ctx: StudioContext, name: string) {
    super(ctx);
    this.#room = ctx.mwse.room(name);
  }

  title(): string {
    return this.#room.name;
  }

  override emptyText(): string {
    if (this.#state === 'missing') return 'This room no longer exists';
    if (this.#state === 'private') return 'Private room: join it to see its members';
    return this.#state === 'loading' ? 'Loading members…' : 'No one else is here';
  }

  items(): ColumnItem[] {
    const { ctx } = this;
    const room = this.#room;
    const members = [...this.#members.values()];
    this.#tracked.set(room.joined ? [ctx.mwse.me, ...members] : members);
    if (this.#state === 'missing') return [];
    const traffic = ctx.traffic.entries.filter((entry) => entry.room === room.name).length;
    const items: ColumnItem[] = [
      { id: 'info', group: 'Room', label: 'Info', icon: '{}', opens: true, aside: true },
      { id: 'traffic', group: 'Room', label: 'Traffic', icon: '⇅', opens: true, aside: true, badge: String(traffic), ...(room.joined ? {} : { detail: 'join to see it' }) },
    ];
    if (room.joined) {
      items.push(peerItem(ctx, ctx.mwse.me, { id: 'me', group: 'Members', badge: 'you', tone: 'accent' }));
    }
    members.sort((a, b) => ctx.peers.name(a).localeCompare(ctx.peers.name(b)));
    for (const peer of members) {
      const owner = room.joined && room.owner?.socketId === peer.socketId;
      items.push(peerItem(ctx, peer, { group: 'Members', ...(owner ? { badge: 'owner' } : {}) }));
    }
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    if (item.id === 'info') return new RoomInfoView(this.ctx, this.#room);
    if (item.id === 'traffic') return new TrafficView(this.ctx, `Traffic of ${this.#room.name}`, (entry) => entry.room === this.#room.name);
    if (item.id === 'me') return new MeView(this.ctx);
    const peer = this.#members.get(item.id.slice('peer:'.length));
    return peer && new PeerView(this.ctx, peer);
  }

  protected override start(): void {
    const { ctx } = this;
    const room = this.#room;
    this.onDispose(subscribe(room, 'join', (peer) => this.#add(peer)));
    this.onDispose(subscribe(room, 'leave', (peer) => this.#remove(peer)));
    this.onDispose(subscribe(room, 'owner', () => this.invalidate()));
    this.onDispose(subscribe(room, 'ejected', () => void this.#fetch()));
    this.onDispose(subscribe(ctx.mwse, 'scope', () => void this.#fetch()));
    for (const store of [ctx.peers, ctx.pairs, ctx.traffic, ctx.rooms]) this.watch(store.changed);
    this.every(ctx.pollInterval, () => {
      if (!room.joined) void this.#fetch();
    });
    this.onDispose(() => this.#tracked.release());
    if (room.joined) ctx.traffic.watchRoom(room);
    void this.#fetch();
  }

  protected override panel(): HTMLElement {
    const send = () => this.#doSend();
    return panel(
      section('Membership', formRow(() => void this.#doJoin(), this.#password, this.#join, this.#leave)),
      section('Send to the room', formRow(send, this.#message, this.#send)),
    );
  }

  protected override update(): void {
    const joined = this.#room.joined;
    const summary = this.ctx.rooms.summary(this.#room.name);
    this.#join.hidden = joined;
    this.#password.hidden = joined || summary?.joinType !== 'password';
    this.#leave.hidden = !joined;
    this.#message.disabled = !joined;
    this.#send.disabled = !joined;
    this.#message.placeholder = joined ? 'Message (JSON or text)' : 'Join the room to send';
  }

  async #fetch(): Promise<void> {
    try {
      const peers = await this.#room.fetchPeers();
      this.#members = new Map(peers.map((peer) => [peer.socketId, peer]));
      this.#state = 'ready';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'room-not-found') this.#state = 'missing';
      else if (code === 'forbidden') this.#state = 'private';
      else this.report(describeError(error), 'bad');
      this.#members.clear();
    }
    this.invalidate();
  }

  #add(peer: Peer): void {
    if (!peer.isMe) this.#members.set(peer.socketId, peer);
    this.invalidate();
  }

  #remove(peer: Peer): void {
    this.#members.delete(peer.socketId);
    this.invalidate();
  }

  async #doJoin(): Promise<void> {
    const room = this.#room;
    const password = this.#password.value || undefined;
    const joined = await this.run(`Joining ${room.name}`, () => room.join(password), () => `Joined ${room.name}`);
    if (!joined) return;
    this.#password.value = '';
    this.ctx.traffic.watchRoom(room);
    this.ctx.rooms.noteJoined(room);
    await this.#fetch();
  }

  async #doLeave(): Promise<void> {
    const room = this.#room;
    if ((await this.run(`Leaving ${room.name}`, () => room.leave().then(() => true), () => `Left ${room.name}`)) === undefined) return;
    void this.ctx.rooms.refresh();
    await this.#fetch();
  }

  #doSend(): void {
    if (!this.#room.joined || !this.#message.value) return;
    const pack = parseInput(this.#message.value);
    this.#room.send(pack);
    this.ctx.traffic.add({ kind: 'room-out', room: this.#room.name, peer: this.ctx.mwse.me, data: pack });
    this.#message.value = '';
    this.report('Sent to the room', 'good');
  }
}
