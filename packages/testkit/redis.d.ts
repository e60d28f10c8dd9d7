/** Debian's redis-server, or the one at REDIS_SERVER. */
export declare const REDIS_SERVER: string;
/** True when redis-server is missing and CI is unset (suites may skip then, never in CI). */
export declare function redisMissing(): boolean;
/** A redis-server of the test's own, on a free loopback port, in a temp dir. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  port: number;
  dir: string;
  readonly pid: number | undefined;
  /** SIGTERM then start again on the same port and dir (the AOF is replayed). */
  restart(): Promise<void>;
  /** SIGKILL, no restart. */
  kill(): Promise<void>;
  /** SIGTERM and remove the temp dir it made. */
  stop(): Promise<void>;
}
/** Start one; AOF on (everysec) unless `appendonly: false`; `args` are added to redis-server's. */
export declare function startRedis(options?: { appendonly?: boolean; dir?: string; args?: string[] }): Promise<TestRedis>;
