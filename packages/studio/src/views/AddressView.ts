import type { Peer } from '@mwse/client';
import type { ColumnItem } from '../ColumnItem.js';
import { button, field, formRow, panel, section } from '../ui/controls.js';
import { View } from '../View.js';
import { peerItem, TrackedPeers } from './peerItem.js';
import { PeerView } from './PeerView.js';

/** My virtual address (claim, release), and looking up the peer behind any address. */
export class AddressView extends View {
  readonly kind = 'address';
  readonly #claim = button('Claim an address', () => this.#doClaim(), 'primary');
  readonly #release = button('Release', () => this.#doRelease(), 'danger');
  readonly #lookup = field('Address to resolve', 'IP, number or code');
  #resolved: Array<{ address: string; peer: Peer }> = [];
  readonly #tracked = new TrackedPeers(this.ctx);

  title(): string {
    return 'Virtual address';
  }

  override emptyText(): string {
    return 'No address claimed yet';
  }

  items(): ColumnItem[] {
    const address = this.ctx.me.address;
    const items: ColumnItem[] = address
      ? [
          { id: 'ip', group: 'Mine', label: address.ip, detail: 'IPv4', icon: '@' },
          { id: 'number', group: 'Mine', label: address.number, detail: 'number', icon: '#' },
          { id: 'code', group: 'Mine', label: address.code, detail: 'short code', icon: '✱' },
        ]
      : [];
    this.#tracked.set(this.#resolved.map((entry) => entry.peer));
    for (const { address: text, peer } of this.#resolved) {
      items.push(peerItem(this.ctx, peer, { id: `resolved:${text}`, group: 'Resolved', detail: text }));
    }
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    const found = this.#resolved.find((entry) => `resolved:${entry.address}` === item.id);
    return found && (found.peer.isMe ? undefined : new PeerView(this.ctx, found.peer));
  }

  protected override start(): void {
    this.watch(this.ctx.me.changed);
    this.watch(this.ctx.peers.changed);
    this.onDispose(() => this.#tracked.release());
  }

  protected override panel(): HTMLElement {
    const resolve = () => void this.#doResolve();
    return panel(
      section('My address', formRow(() => this.#doClaim(), this.#claim, this.#release)),
      section('Resolve', formRow(resolve, this.#lookup, button('Resolve', resolve))),
    );
  }

  protected override update(): void {
    const held = this.ctx.me.address !== undefined;
    this.#claim.hidden = held;
    this.#release.hidden = !held;
  }

  #doClaim(): void {
    void this.run('Claiming', () => this.ctx.me.claimAddress(), (address) => `You are ${address.ip}`);
  }

  #doRelease(): void {
    void this.run('Releasing', () => this.ctx.me.releaseAddress(), () => 'Address released');
  }

  async #doResolve(): Promise<void> {
    const address = this.#lookup.value.trim();
    if (!address) return;
    const peer = await this.run(`Resolving ${address}`, () => this.ctx.mwse.resolveAddress(address), (found) => `${address} is ${this.ctx.peers.name(found)}`);
    if (!peer) return;
    this.#resolved = [{ address, peer }, ...this.#resolved.filter((entry) => entry.address !== address)];
    this.invalidate();
  }
}
