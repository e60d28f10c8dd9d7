/** Debian's janus, or the one at JANUS_PATH. */
export declare const JANUS: string;
/** Debian's coturn, or the one at TURNSERVER_PATH. */
export declare const TURNSERVER: string;
/** True when janus is missing and CI is unset (suites may skip then, never in CI). */
export declare function janusMissing(): boolean;
/** True when turnserver is missing and CI is unset. */
export declare function turnMissing(): boolean;
/** A server process of the test's own, config and files in a temp dir. */
export interface TestMediaProcess {
  dir: string;
  port: number;
  pid: number | undefined;
  output(): string;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  freeze(): void;
  thaw(): void;
  /** SIGTERM (after SIGCONT) and remove the temp dir. */
  stop(): Promise<void>;
}
export interface TestJanus extends TestMediaProcess {
  /** `ws://127.0.0.1:<port>` (subprotocol `janus-protocol`). */
  url: string;
}
export interface TestTurn extends TestMediaProcess {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
}
export declare function startJanus(options?: { rtpPorts?: [number, number] }): Promise<TestJanus>;
export declare function startTurn(options: { secret: string; realm?: string; relayIp?: string }): Promise<TestTurn>;
