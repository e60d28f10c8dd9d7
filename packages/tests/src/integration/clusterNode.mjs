// One cluster node in a process of its own, for the tests that kill a node (-9).
// Env: REDIS_URL, NODE_ID (and MWSE_TEST_PEERS_NETWORK, MWSE_TEST_ROOMS_NETWORK, MWSE_TEST_RESUME_GRACE if set). Prints {"port":…,"node":…} once listening.
import { createEngine } from '@mwse/engine';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const engine = await createEngine({
  host: '127.0.0.1',
  port: 0,
  transport: 'ws',
  logger: quiet,
  ...(process.env.MWSE_TEST_PEERS_NETWORK ? { peersNetwork: process.env.MWSE_TEST_PEERS_NETWORK } : {}),
  ...(process.env.MWSE_TEST_ROOMS_NETWORK ? { roomsNetwork: process.env.MWSE_TEST_ROOMS_NETWORK } : {}),
  ...(process.env.MWSE_TEST_RESUME_GRACE ? { resumeGrace: Number(process.env.MWSE_TEST_RESUME_GRACE) } : {}),
  cluster: { redis: process.env.REDIS_URL, nodeId: process.env.NODE_ID },
});
process.stdout.write(`${JSON.stringify({ port: engine.port, node: engine.node })}\n`);
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
