import type { HttpResponse } from '@mwse/engine';
import { BASE_HEADERS } from './responses.js';

/**
 * The page at `/` while the public folder has no `index.html`: what this server is, where its
 * demos, Studio, SDK and health endpoints are, and the snippet to start with, filled in with the
 * address the browser used. Self-contained (inline style and script, the icon at /favicon.svg).
 */
export function landingPage(version: string, method: 'GET' | 'HEAD'): HttpResponse {
  return {
    status: 200,
    headers: { ...BASE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
    ...(method === 'GET' ? { body: html(version) } : {}),
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const html = (version: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>MWSE server</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <style>
    :root { color-scheme: dark; --bg: #1b1d21; --panel: #24272d; --line: #343841; --text: #e6e6e6; --muted: #9aa0aa; --accent: #7cc4ff; }
    body { max-width: 44rem; margin: 2.5rem auto; padding: 0 1rem; font: 16px/1.55 system-ui, sans-serif; color: var(--text); background: var(--bg); }
    h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
    h1 small { color: var(--muted); font-size: .9rem; font-weight: normal; }
    h2 { margin: 1.75rem 0 .5rem; font-size: 1.05rem; }
    a { color: var(--accent); }
    .muted { color: var(--muted); }
    ul { padding-left: 1.2rem; }
    pre { margin: 0; padding: .75rem 1rem; overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: .4rem; font-size: .85rem; }
    code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  </style>
</head>
<body>
  <h1>MWSE <small>server ${escapeHtml(version)}</small></h1>
  <p>A WebSocket engine that matches peers and builds data tunnels between them: direct messages,
  request/response, rooms, shared info, pairing, notifications and WebRTC signalling.</p>

  <h2>Try it</h2>
  <ul>
    <li><a href="/demos/">Demos</a>: <a href="/demos/chat.html">chat</a>, <a href="/demos/audio.html">audio call</a>,
      <a href="/demos/video.html">video room</a>. Open one in two tabs to see peers meet.</li>
    <li><a href="/demos/studio.html">Studio</a>: explore everything a peer can see.</li>
  </ul>

  <h2>Use it from any page</h2>
  <pre><code id="snippet">&lt;script type="module"&gt;
  import MWSE from 'http://localhost:7707/sdk/index.js';
  const mwse = new MWSE(); // connects to the server the SDK came from
  mwse.on('connect/error', (e) =&gt; console.warn(e.message));
  mwse.on('scope', () =&gt; console.log('connected:', mwse.me.socketId));
&lt;/script&gt;</code></pre>
  <p class="muted">In Node or a bundled app: <code>npm install @mwse/client</code> and
  <code>new MWSE({ endpoint: '<span id="endpoint">ws://localhost:7707</span>' })</code>.</p>

  <h2>Documentation</h2>
  <ul>
    <li><a href="https://www.npmjs.com/package/@mwse/server">@mwse/server</a>: configuration, HTTP routes, limits.</li>
    <li><a href="https://www.npmjs.com/package/@mwse/client">@mwse/client</a>: the SDK, peers, rooms, requests, pairing.</li>
  </ul>

  <h2>This server</h2>
  <ul>
    <li><a href="/sdk/index.js">/sdk/index.js</a>: the browser SDK (ES module, any origin may import it).</li>
    <li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a>: liveness and readiness.</li>
    <li><a href="/metrics">/metrics</a>: Prometheus metrics.</li>
    <li><a href="/api/rooms">/api/rooms</a>: public rooms.</li>
  </ul>
  <p class="muted">This page shows while the public folder (<code>MWSE_PUBLIC_DIR</code>) has no
  <code>index.html</code> of its own.</p>
  <script>
    // The address the browser used is the one that works from here.
    const ws = location.origin.replace(/^http/, 'ws');
    const snippet = document.getElementById('snippet');
    snippet.textContent = snippet.textContent.replace('http://localhost:7707', location.origin);
    document.getElementById('endpoint').textContent = ws;
  </script>
</body>
</html>
`;
