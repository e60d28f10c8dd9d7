import { defineConfig } from 'tsup';

// One bundle for the runner and one per server, so each server process loads only its own code.
export default defineConfig({
  entry: ['src/run.ts', 'src/joins/runJoins.ts', 'src/broadcast/runBroadcast.ts', 'src/resume/runResume.ts', 'src/resume/stormWorker.ts', 'src/cluster/latencyWorker.ts', 'src/resume/proxyProcess.ts', 'src/resume/approverProcess.ts', 'src/resume/timedServer.ts', 'src/broadcast/headlessViewers.ts', 'src/servers/mwseJanusMedia.ts', 'src/servers/mwseEngine.ts', 'src/servers/mwseStubMedia.ts', 'src/servers/uwsJsonRelay.ts', 'src/servers/uwsPrefixRelay.ts', 'src/servers/wsJsonRelay.ts', 'src/servers/socketIoRelay.ts', 'src/servers/clusterRelay.ts'],
  format: ['esm'],
  outDir: 'dist',
  clean: true,
  target: 'node20',
  platform: 'node',
  // Load the servers' libraries (and @mwse/engine's build) as installed, as a user would.
  skipNodeModulesBundle: true,
});
