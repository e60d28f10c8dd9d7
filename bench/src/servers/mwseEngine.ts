import { pathToFileURL } from 'node:url';
import { serve } from './serve.js';

// `--baseline` (bench/src/baseline.ts) points this at the engine built at another commit, to
// compare two builds in one run.
const baseline = process.env.MWSE_BENCH_ENGINE;
const { createEngine } = (await import(baseline ? pathToFileURL(baseline).href : '@mwse/engine')) as typeof import('@mwse/engine');

/**
 * The MWSE engine as a user embeds it, on the transport named by argv[2] (`uws` or `ws`), with
 * its defaults except three the benchmark must lift:
 * - every connection comes from 127.0.0.1, so the per-address connection cap goes;
 * - a pairs connection sends a few thousand frames a second, near the default rate limit of
 *   5000/s; frames over it come back as `error` frames, which the counting generator would take
 *   for deliveries, so the limit is off (its cost, one token-bucket step per frame, is not measured);
 * - the outbound buffer is raised from 1024 so a room of 150 with messages in flight to every
 *   member never trips the slow-consumer limit: this measures throughput, not that limit.
 * With `resume` as argv[3], sessions are kept for 120 s as `mwse-server` keeps them (the library
 * default is off): frames are counted and kept for replay until the client acks them.
 */
const transport = process.argv[2] === 'ws' ? 'ws' : 'uws';
// argv[3]: `resume` keeps sessions; a Redis URL makes this engine a cluster node (argv[4] its id;
// argv[5] `resume`: sessions kept and mirrored into Redis for takeover, `resume-local`: kept on
// their node only, `cluster.takeover: false`; docs/cluster.md).
const resumeGrace = process.argv[3] === 'resume' || process.argv[5]?.startsWith('resume') ? 120_000 : 0;
const takeover = process.argv[5] !== 'resume-local';
const redis = process.argv[3]?.startsWith('redis') ? process.argv[3] : undefined;
const engine = await createEngine({
  // BENCH_CLUSTER_LEASE: a longer lease for nodes too slow to renew a 3 s one (under callgrind).
  ...(redis ? { cluster: { redis, nodeId: process.argv[4], takeover, ...(process.env.BENCH_CLUSTER_LEASE ? { lease: Number(process.env.BENCH_CLUSTER_LEASE) } : {}) } } : {}),
  host: '127.0.0.1',
  port: 0,
  transport,
  outboundBuffer: 8192,
  maxConnectionsPerAddress: 1_000_000,
  rateLimit: 0,
  resumeGrace,
  // The resume storm's bridge runs (bench/src/resume): every handshake, resumes too, is approved by this URL.
  ...(process.env.BENCH_APPROVE_URL ? { approveUrl: process.env.BENCH_APPROVE_URL } : {}),
  ...(process.env.BENCH_MAX_PENDING_APPROVALS ? { maxPendingApprovals: Number(process.env.BENCH_MAX_PENDING_APPROVALS) } : {}),
});
if (engine.transport !== transport) throw new Error(`asked for ${transport}, got ${engine.transport}`);
serve(engine.port, () => engine.close());
