// Assembles dist/sdk/, the browser ES modules the server serves at /sdk/, so the published server
// needs nothing else installed:
//
//   /sdk/index.js          MWSE whose peers have peer.rtc   (@mwse/webrtc dist/browser/index.js)
//   /sdk/webrtc/index.js   the WebRTC library               (@mwse/webrtc dist/browser/webrtc/)
//   /sdk/client/index.js   the plain client, no WebRTC      (@mwse/client dist/browser/)
//   /sdk/studio/…          Studio, when @mwse/studio is installed here (dist/browser/)
//
// /sdk/index.js and /sdk/webrtc/index.js import ./client/index.js instead of bundling it, so a
// page that loads both gets one copy of the client.
import { cpSync, existsSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const target = join(packageDir, 'dist', 'sdk');

/** The `dist/browser` folder of an installed workspace package. */
function browserBuild(name) {
  const dir = join(packageDir, 'node_modules', ...name.split('/'));
  return join(existsSync(dir) ? realpathSync(dir) : dir, 'dist', 'browser');
}

const parts = [
  { name: '@mwse/client', to: 'client', required: true },
  { name: '@mwse/webrtc', to: '.', required: true },
  { name: '@mwse/studio', to: 'studio', required: false },
];

for (const { name, required } of parts) {
  const entry = join(browserBuild(name), 'index.js');
  if (required && !existsSync(entry)) {
    console.error(`copy-sdk: ${entry} is missing; build ${name} first`);
    process.exit(1);
  }
}
rmSync(target, { recursive: true, force: true });
for (const { name, to } of parts) {
  const source = browserBuild(name);
  if (!existsSync(join(source, 'index.js'))) continue;
  cpSync(source, join(target, to), { recursive: true });
  console.log(`copy-sdk: ${source} -> ${join(target, to)}`);
}
