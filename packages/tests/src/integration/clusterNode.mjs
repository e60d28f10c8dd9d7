// One cluster node in a process of its own, for the tests that kill (-9) or freeze a node.
// Env: REDIS_URL, NODE_ID; optional GRACE (ms: resume on), LEASE (ms), STORE=redis (the shared
// Redis store), OUTBOUND_FRAMES / OUTBOUND_BYTES (outbound bounds), MWSE_TEST_PEERS_NETWORK, MWSE_TEST_ROOMS_NETWORK. Prints {"port":…,"node":…} once listening.
import { createEngine } from '@mwse/engine';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const env = process.env;
const engine = await createEngine({
  host: '127.0.0.1',
  port: 0,
  transport: 'ws',
  logger: quiet,
  ...(env.GRACE ? { resumeGrace: Number(env.GRACE), maxConnectionsPerAddress: 100_000 } : {}),
  ...(env.STORE === 'redis' ? { store: { redis: env.REDIS_URL } } : {}),
  ...(env.OUTBOUND_FRAMES ? { outboundBuffer: Number(env.OUTBOUND_FRAMES) } : {}),
  ...(env.OUTBOUND_BYTES ? { outboundBufferBytes: Number(env.OUTBOUND_BYTES) } : {}),
  ...(env.MWSE_TEST_PEERS_NETWORK ? { peersNetwork: env.MWSE_TEST_PEERS_NETWORK } : {}),
  ...(env.MWSE_TEST_ROOMS_NETWORK ? { roomsNetwork: env.MWSE_TEST_ROOMS_NETWORK } : {}),
  cluster: { redis: env.REDIS_URL, nodeId: env.NODE_ID, ...(env.LEASE ? { lease: Number(env.LEASE) } : {}) },
});
process.stdout.write(`${JSON.stringify({ port: engine.port, node: engine.node })}\n`);
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
