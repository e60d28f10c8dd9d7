import { startRedis } from '@mwse/testkit/redis';
import { Redis } from 'ioredis';
import type { BenchOptions } from '../options.js';
import { idle } from '../workloads/idle.js';
import { dialectFor, startNodes, type Topology } from './topology.js';

/*
 * `pnpm bench --cluster-idle`: what an idle connection costs in cluster mode, for sizing
 * (docs/cluster.md, "Sizing"). One engine node, `--idle-connections` connections held open
 * after their hello (the relay benchmark's idle workload: RSS with all of them open minus RSS
 * with none, over their number), and what Redis holds for them (`used_memory` and keys before
 * and after, over their number): a single node, a cluster node with resume off, and one that
 * mirrors its sessions into Redis for takeover.
 */

async function redisMemory(admin: Redis): Promise<{ bytes: number; keys: number }> {
  const info = await admin.info('memory');
  return { bytes: Number(info.match(/used_memory:(\d+)/)?.[1] ?? Number.NaN), keys: await admin.dbsize() };
}

export async function clusterIdle(o: BenchOptions): Promise<void> {
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  try {
    const topologies: Topology[] = [
      { name: 'one node (no Redis)', nodes: ['local'], engine: true },
      { name: 'cluster node, resume off', nodes: [redis.url], engine: true },
      { name: 'cluster node, resume on, sessions mirrored', nodes: [redis.url], engine: true, resume: 'mirrored' },
    ];
    console.log(`idle connections in cluster mode: ${o.idleConnections} connections, each after its hello`);
    console.log('setup | node KB per connection | marginal KB | heap KB | node RSS with none / all (MB) | Redis bytes per connection | Redis keys per connection | connections per server CPU-s');
    for (const t of topologies) {
      // Each setup on an empty Redis (before its node starts: the node's own keys are counted).
      await admin.flushdb();
      const [node] = await startNodes(t);
      try {
        const before = await redisMemory(admin);
        const m = await idle({ server: node!, dialect: dialectFor(t), options: o });
        const after = await redisMemory(admin);
        const clustered = t.nodes[0] !== 'local';
        const n = m.idle!.connections;
        const per = (a: number, b: number, digits: number) => (clustered ? ((a - b) / n).toFixed(digits) : '-');
        console.log(
          `${t.name} | ${m.idle!.kbPerConnection.toFixed(2)} | ${m.idle!.marginalKbPerConnection.toFixed(2)} | ${m.idle!.heapKbPerConnection.toFixed(2)} | ${m.idle!.rssZeroMB.toFixed(0)} / ${m.idle!.rssFullMB.toFixed(0)} | ${per(after.bytes, before.bytes, 0)} | ${per(after.keys, before.keys, 2)} | ${Math.round(m.msgPerServerCpuSec).toLocaleString('en-US')}${m.note ? ` (${m.note})` : ''}`,
        );
      } finally {
        await node!.stop();
      }
    }
  } finally {
    await admin.quit();
    await redis.stop();
  }
}
