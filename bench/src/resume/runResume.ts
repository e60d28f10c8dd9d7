import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { rawResumeStorm, type RawResumeResult } from './rawResumeStorm.js';
import { resumeStorm, type CutRound, type ResumeStormResult } from './resumeStorm.js';

const USAGE = `pnpm --filter @mwse/bench resume [options]
  --clients <n>      SDK clients cut at once (default 1000)
  --rounds <n>       cuts per configuration (default 3)
  --transport <t>    uws or ws (default uws)
  --only <which>     sdk (SDK clients through a cutting TCP proxy, with memory per session),
                     raw (raw-TCP clients that resume by hand: the server's side alone), or
                     both (default)
  --compare          also run with the first attempt anywhere in 0-500 ms, as the SDK did
                     before resumeDelay (resumeDelay: 500), in the same run`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    clients: { type: 'string' },
    rounds: { type: 'string' },
    transport: { type: 'string' },
    compare: { type: 'boolean' },
    only: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
process.exit(0);
}
const clients = Number(values.clients ?? 1000);
const rounds = Number(values.rounds ?? 3);
const transport = values.transport === 'ws' ? 'ws' : 'uws';
if (!(clients >= 2) || !(rounds >= 1)) throw new Error(USAGE);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const only = values.only ?? 'both';
if (!['sdk', 'raw', 'both'].includes(only)) throw new Error(USAGE);

function latencyTable(rounds: CutRound[]): void {
  console.log('| cut | resumed | refused | p50 (ms) | p99 (ms) | max (ms) | server CPU (s) | client CPU (s) | listen overflows |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  rounds.forEach((round, i) => {
    const l = round.latencies;
    console.log(`| ${i + 1} | ${l.length} | ${round.refused.length} | ${percentile(l, 50).toFixed(0)} | ${percentile(l, 99).toFixed(0)} | ${Math.max(...l).toFixed(0)} | ${round.serverCpuSeconds.toFixed(2)} | ${round.clientCpuSeconds.toFixed(2)} | ${round.listenOverflows} |`);
    if (round.refused.length > 0) console.log(`  refused: ${round.refused.slice(0, 20).join(' ')}`);
  });
  const all = rounds.flatMap((round) => round.latencies);
  console.log(`| all | ${all.length} | ${rounds.reduce((n, round) => n + round.refused.length, 0)} | ${percentile(all, 50).toFixed(0)} | ${percentile(all, 99).toFixed(0)} | ${Math.max(...all).toFixed(0)} | | | |`);
}

function reportRaw(name: string, r: RawResumeResult): void {
  console.log(`\n### ${name}: ${r.clients} raw clients on ${r.transport}, first attempt after 0-${r.jitterMs} ms\n`);
  latencyTable(r.rounds);
}

const kb = (mb: number) => (mb * 1024).toFixed(2);

function report(name: string, r: ResumeStormResult): void {
  console.log(`\n### ${name}: ${r.clients} clients on ${r.transport}, reconnect ${JSON.stringify(r.reconnect)}\n`);
  latencyTable(r.rounds);
  const { none, live, away } = r.memory;
  const per = (m: typeof none, field: 'heapUsed' | 'external' | 'rss') => kb((m[field] - none[field]) / r.clients);
  console.log(`\nmemory per session, after a full GC, against the same server with none (${r.awaySessions} away when read):\n`);
  console.log('| | heapUsed (KB) | external (KB) | RSS (KB) |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| live session (socket open) | ${per(live, 'heapUsed')} | ${per(live, 'external')} | ${per(live, 'rss')} |`);
  console.log(`| away session (no socket) | ${per(away, 'heapUsed')} | ${per(away, 'external')} | ${per(away, 'rss')} |`);
}

// The machine may be shared: a latency measured under load says so.
console.log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`);
if (only !== 'sdk') {
  reportRaw('raw resume storm (first attempt as the SDK default)', await rawResumeStorm(clients, transport, rounds, 100));
  if (values.compare) reportRaw('raw resume storm, first attempt 0-500 ms', await rawResumeStorm(clients, transport, rounds, 500));
}
if (only !== 'raw') {
  report('SDK resume storm (SDK defaults)', await resumeStorm(clients, transport, rounds));
  if (values.compare) report('SDK resume storm, before resumeDelay (first attempt 0-500 ms)', await resumeStorm(clients, transport, rounds, { resumeDelay: 500 }));
}
console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
process.exit(0);
