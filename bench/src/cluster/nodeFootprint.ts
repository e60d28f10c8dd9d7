import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis } from '@mwse/testkit/redis';
import { processMemoryMB } from '../procStats.js';
import { median } from '../stats.js';

/** How long a started server is left alone before its RSS is read. */
const SETTLE_MS = 2000;
const ROUNDS = 3;

interface Setup {
  label: string;
  env: Record<string, string>;
  args?: string[];
}

/** RSS (MB) of the processes of one `mwse-server` run: the main process and, with --workers, each worker. */
interface Sample {
  main: number;
  workers: number[];
}

/** Start `mwse-server`, wait for its start line and SETTLE_MS, read the RSS of it and its children, stop it. */
async function sample(cli: string, setup: Setup): Promise<Sample> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MWSE|BRIDGE)_/.test(name)));
  const child = spawn(process.execPath, [cli, ...(setup.args ?? [])], {
    env: { ...clean, MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_LOG_LEVEL: 'warn', ...setup.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${setup.label}: no start line in 20 s`)), 20_000);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (/listening on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`${setup.label}: exited before listening`)));
    });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const children = (await import('node:fs')).readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'latin1').trim();
    const workers = children ? children.split(/\s+/).map((pid) => processMemoryMB(Number(pid)).rss) : [];
    return { main: processMemoryMB(child.pid!).rss, workers };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const mb = (n: number) => n.toFixed(1);

/**
 * `pnpm bench --node-footprint`: idle RSS of `mwse-server` (no connection), medians of three
 * starts: a single node, a cluster node on a redis-server of the run's own (AOF on, temp dir), and
 * `--workers 2` (the primary and each worker). What a node costs before its first client.
 */
export async function nodeFootprint(benchDir: string): Promise<string> {
  const cli = join(benchDir, '..', 'apps', 'server', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build @mwse/server first`);
  const redis = await startRedis();
  try {
    const cluster = { MWSE_REDIS_URL: redis.url, MWSE_TRANSPORT: 'uws' };
    const setups: Setup[] = [
      { label: 'single node, memory store (uws)', env: { MWSE_STORE: 'memory', MWSE_TRANSPORT: 'uws' } },
      { label: 'single node, Redis store (MWSE_CLUSTER=off, uws)', env: { ...cluster, MWSE_CLUSTER: 'off' } },
      { label: 'cluster node (uws)', env: cluster },
      { label: '--workers 2, cluster (uws)', env: cluster, args: ['--workers', '2'] },
      { label: '--workers 2, cluster (ws)', env: { ...cluster, MWSE_TRANSPORT: 'ws' }, args: ['--workers', '2'] },
    ];
    const rows = ['| setup | main process RSS (MB) | each worker RSS (MB) | total (MB) |', '| --- | --- | --- | --- |'];
    for (const setup of setups) {
      const samples: Sample[] = [];
      for (let i = 0; i < ROUNDS; i++) samples.push(await sample(cli, setup));
      const main = median(samples.map((s) => s.main));
      const count = samples[0]!.workers.length;
      const workers = Array.from({ length: count }, (_, w) => median(samples.map((s) => s.workers[w] ?? NaN)));
      const total = main + workers.reduce((a, b) => a + b, 0);
      rows.push(`| ${setup.label} | ${mb(main)} | ${count ? workers.map(mb).join(', ') : '—'} | ${mb(total)} |`);
    }
    return rows.join('\n');
  } finally {
    await redis.stop();
  }
}
