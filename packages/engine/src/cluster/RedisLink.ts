import { requireIoredis } from '../requireIoredis.js';

/** The part of an ioredis client the cluster uses, so the engine's types need no ioredis. */
export interface ClusterRedis {
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  set(key: string, value: string, ...args: (string | number)[]): Promise<string | null>;
  get(key: string): Promise<string | null>;
  hsetnx(key: string, field: string, value: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, field: string): Promise<number>;
  del(...keys: string[]): Promise<number>;
  mget(...keys: string[]): Promise<(string | null)[]>;
  pttl(key: string): Promise<number>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  /** Any other command (`CLIENT LIST`). */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** A transaction: the scripts queued run together at `exec`, or none does. */
  multi(): ClusterTransaction;
}

/** The part of an ioredis `multi()` the cluster uses. */
export interface ClusterTransaction {
  eval(script: string, keys: number, ...args: string[]): ClusterTransaction;
  /** Each command's error or reply, in order; rejected when the transaction as a whole failed. */
  exec(): Promise<[Error | null, unknown][] | null>;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => ClusterRedis;

/**
 * ioredis, loaded only when cluster mode is asked for. `inOrder`: every command is written when
 * it is called. Auto-pipelining (the default) holds a turn's commands until the last pipeline is
 * answered, and a transaction (`multi`) does not wait for it, so the two would reach Redis out
 * of the order they were called in; the bus's connection needs that order (Cluster.ts).
 */
export function openRedis(url: string, name: string, inOrder = false): ClusterRedis {
  let Redis: RedisConstructor;
  try {
    Redis = requireIoredis() as RedisConstructor;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cluster mode needs the "ioredis" package (npm install ioredis): ${reason}`);
  }
  return new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: !inOrder,
    connectTimeout: 5000,
  });
}
