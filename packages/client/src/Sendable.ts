type Primitive = string | number | boolean | null | undefined;

/**
 * `T` where it can travel as JSON, `never` where it holds something JSON would drop or turn into
 * something else: functions, symbols, bigints, and objects whose methods would vanish (class
 * instances, `Map`, `Set`). Values with a `toJSON` (`Date`) are taken as they encode.
 * `unknown` and `any` pass: checking them is the caller's business.
 *
 * Send methods take `pack: T & Sendable<T>`, so `room.send(() => 1)` does not compile while
 * interfaces, type aliases and literals do.
 *
 * @example
 * interface Chat { text: string; at: number }
 * peer.send<Chat>({ text: 'hi', at: Date.now() }); // or just peer.send(chat)
 */
export type Sendable<T> = unknown extends T
  ? T
  : T extends Primitive
    ? T
    : T extends { toJSON(): unknown }
      ? T
      : T extends (...args: never[]) => unknown
        ? never
        : T extends bigint | symbol
          ? never
          : { [K in keyof T]: Sendable<T[K]> };
