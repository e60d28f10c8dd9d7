// One cluster node with resume on, in a process of its own, for the tests that kill a node (-9).
// Env: REDIS_URL, NODE_ID, GRACE (ms), LEASE (ms). Prints {"port":…,"node":…} once listening.
import { createEngine } from '@mwse/engine';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const engine = await createEngine({
  host: '127.0.0.1',
  port: 0,
  transport: 'ws',
  logger: quiet,
  resumeGrace: Number(process.env.GRACE ?? 30_000),
  maxConnectionsPerAddress: 100_000,
  store: { redis: process.env.REDIS_URL },
  cluster: { redis: process.env.REDIS_URL, nodeId: process.env.NODE_ID, lease: Number(process.env.LEASE ?? 3000) },
});
process.stdout.write(`${JSON.stringify({ port: engine.port, node: engine.node })}\n`);
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
