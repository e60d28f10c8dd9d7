import type { MWSE, SessionFlags, VirtualAddress } from '@mwse/client';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/** Every session flag, as the server reports them. */
export type Flags = Required<SessionFlags>;

/**
 * This connection's session flags and virtual address. Both belong to the connection: a reconnect
 * starts with default flags and no address.
 */
export class MeState extends Store {
  readonly #mwse: MWSE;
  #flags: Flags | undefined;
  #address: VirtualAddress | undefined;

  constructor(mwse: MWSE) {
    super();
    this.#mwse = mwse;
  }

  /** The flags, once read. */
  get flags(): Flags | undefined {
    return this.#flags;
  }

  /** The virtual address, once claimed here. */
  get address(): VirtualAddress | undefined {
    return this.#address;
  }

  /** Reads the flags (an empty `session/set` changes nothing and answers with all of them). */
  async readFlags(): Promise<Flags> {
    return this.setFlags({});
  }

  /** Changes some flags; resolves with all of them. */
  async setFlags(flags: SessionFlags): Promise<Flags> {
    this.#flags = await this.#mwse.setSession(flags);
    this.changed.emit();
    return this.#flags;
  }

  /** Claims a virtual address (the server gives the same one back while it is held). */
  async claimAddress(): Promise<VirtualAddress> {
    this.#address = await this.#mwse.claimAddress();
    this.changed.emit();
    return this.#address;
  }

  /** Gives the virtual address back. */
  async releaseAddress(): Promise<void> {
    await this.#mwse.releaseAddress();
    this.#address = undefined;
    this.changed.emit();
  }

  protected attach(): void {
    this.onStop(subscribe(this.#mwse, 'disconnect', () => {
      this.#flags = undefined;
      this.#address = undefined;
      this.changed.emit();
    }));
  }
}
