import NodeWebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultWebSocket as browserWebSocket } from './websocket.browser.js';
import { defaultWebSocket as nodeWebSocket } from './websocket.node.js';

const global = globalThis as { WebSocket?: unknown };
const original = global.WebSocket;

afterEach(() => {
  if (original === undefined) delete global.WebSocket;
  else global.WebSocket = original;
});

class GlobalWebSocket {}

describe('WebSocket twins', () => {
  it('node: prefers the global WebSocket, else the ws package', () => {
    delete global.WebSocket;
    expect(nodeWebSocket()).toBe(NodeWebSocket);
    global.WebSocket = GlobalWebSocket;
    expect(nodeWebSocket()).toBe(GlobalWebSocket);
  });

  it("browser: the page's WebSocket, and a clear error without one", () => {
    global.WebSocket = GlobalWebSocket;
    expect(browserWebSocket()).toBe(GlobalWebSocket);
    delete global.WebSocket;
    expect(() => browserWebSocket()).toThrow(/pass one as options\.WebSocket/);
  });
});
