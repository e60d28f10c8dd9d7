/** A port that was free a moment ago on 127.0.0.1 (for what must bind a fixed port). */
export declare function freePort(): Promise<number>;
