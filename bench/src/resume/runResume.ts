import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { canPin } from '../cpuPinning.js';
import { percentile } from './clock.js';
import { rawResumeStorm, type RawResumeResult } from './rawResumeStorm.js';
import { resumeStorm, type CutRound, type ResumeStormResult, type StormOptions } from './resumeStorm.js';

const USAGE = `pnpm --filter @mwse/bench resume [options]
  --clients <n>      SDK clients cut at once (default 1000)
  --rounds <n>       cuts per configuration (default 3)
  --transport <t>    uws or ws (default uws)
  --only <which>     sdk (SDK clients through a cutting TCP proxy, with memory per session),
                     raw (raw-TCP clients that resume by hand: the server's side alone), or
                     both (default)
  --compare          also run with the first attempt anywhere in 0-500 ms, as the SDK did
                     before resumeDelay (resumeDelay: 500), in the same run
  --workers <n>      processes the SDK clients are spread over (default 2; the proxy has its own)
  --pin <how>        on (server on CPU 1, clients and proxy on CPU 0), off, or both (default off)
  --cut <who>        proxy (a TCP proxy in its own process cuts; default), client (each client
                     process destroys its clients' TCP sockets; no proxy), or both
  --socket <class>   the SDK clients' WebSocket: ws (the SDK's default in Node 20), lean (a
                     small raw-TCP client, leanSocket.ts), or both (default ws)
  --bridge <ms>      every handshake (resumes too) waits for a bridge approval, answered after
                     <ms> by an app server in its own process (default: no bridge)
  --max-pending-approvals <n>  the engine's maxPendingApprovals with --bridge (default 64)
  --phases           the server stamps each resume's steps too (timedServer.ts)
  --server-profile <dir>  write the server's CPU profile there (node --cpu-prof)
  --client-profile <dir>  write the client processes' and the proxy's CPU profiles there
  --resume-delay <ms> the SDK's resumeDelay for the SDK storm (default: the SDK's)`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    clients: { type: 'string' },
    rounds: { type: 'string' },
    transport: { type: 'string' },
    compare: { type: 'boolean' },
    only: { type: 'string' },
    workers: { type: 'string' },
    pin: { type: 'string' },
    phases: { type: 'boolean' },
    cut: { type: 'string' },
    bridge: { type: 'string' },
    'max-pending-approvals': { type: 'string' },
    socket: { type: 'string' },
    'server-profile': { type: 'string' },
    'client-profile': { type: 'string' },
    'resume-delay': { type: 'string' },
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


const only = values.only ?? 'both';
if (!['sdk', 'raw', 'both'].includes(only)) throw new Error(USAGE);

const cpu = (s: number | undefined) => (s === undefined ? '' : s.toFixed(2));

function latencyTable(rounds: CutRound[]): void {
  console.log('| cut | resumed | refused | p50 (ms) | p99 (ms) | max (ms) | server CPU (s) | client CPU (s) | proxy CPU (s) | other CPU (s) | client loop delay max (ms) | listen overflows |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  rounds.forEach((round, i) => {
    const l = round.latencies;
    console.log(`| ${i + 1} | ${l.length} | ${round.refused.length} | ${percentile(l, 50).toFixed(0)} | ${percentile(l, 99).toFixed(0)} | ${Math.max(...l).toFixed(0)} | ${cpu(round.serverCpuSeconds)} | ${cpu(round.clientCpuSeconds)} | ${cpu(round.proxyCpuSeconds)} | ${cpu(round.otherCpuSeconds)} | ${round.clientLoopDelayMaxMs?.toFixed(0) ?? ''} | ${round.listenOverflows} |`);
    if (round.refused.length > 0) console.log(`  refused: ${round.refused.slice(0, 20).join(' ')}`);
  });
  const all = rounds.flatMap((round) => round.latencies);
  console.log(`| all | ${all.length} | ${rounds.reduce((n, round) => n + round.refused.length, 0)} | ${percentile(all, 50).toFixed(0)} | ${percentile(all, 99).toFixed(0)} | ${Math.max(...all).toFixed(0)} | | | | | | |`);
}

/** When each step of a resume was reached (ms after the cut) and how long the step took, over every round. */
function stepsTable(rounds: CutRound[]): void {
  const all = rounds.flatMap((round) => round.steps ?? []);
  if (all.length === 0) return;
  const names = Object.keys(all[0]!).filter((name) => name !== 'attempts');
  for (const s of all) for (const name of Object.keys(s)) if (name !== 'attempts' && !names.includes(name)) names.push(name);
  const order = ['down', 'dial', 'server upgrade', 'server open', 'open', 'server resume frame', 'server handled', 'server hello', 'hello', 'reconnect'];
  names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  console.log('\nsteps of each resume (ms; "reached" counts from the cut, "step" from the step before):\n');
  console.log('| step | reached p50 | reached p99 | step p50 | step p99 | step max |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  names.forEach((name, k) => {
    const reached = all.map((s) => s[name]).filter((v): v is number => v !== undefined);
    const took = all.map((s) => (k === 0 ? s[name] : s[name]! - s[names[k - 1]!]!)).filter((v) => Number.isFinite(v)) as number[];
    console.log(`| ${name} | ${percentile(reached, 50).toFixed(1)} | ${percentile(reached, 99).toFixed(1)} | ${percentile(took, 50).toFixed(1)} | ${percentile(took, 99).toFixed(1)} | ${Math.max(...took).toFixed(1)} |`);
  });
  const retried = all.filter((s) => (s.attempts ?? 1) > 1).length;
  console.log(`\n${retried} of ${all.length} resumes needed more than one attempt; cutting every connection took ${rounds.map((r) => r.cutMs?.toFixed(0)).join(', ')} ms.`);
  const spent = rounds.map((round) => round.serverSpent).filter((s) => s !== undefined);
  if (spent.length > 0) {
    const kinds = Object.keys(spent[0]!).filter((k) => k !== 'count');
    console.log(`server time inside uWS callbacks per round (ms): ${spent.map((s) => kinds.map((k) => `${k} ${s[k]!.toFixed(0)}`).join(', ')).join(' | ')}`);
  }
}

function reportRaw(name: string, r: RawResumeResult): void {
  console.log(`\n### ${name}: ${r.clients} raw clients on ${r.transport}, first attempt after 0-${r.jitterMs} ms, ${r.pin ? 'server pinned to CPU 1, clients to CPU 0' : 'not pinned'}\n`);
  latencyTable(r.rounds);
}

const kb = (mb: number) => (mb * 1024).toFixed(2);

function report(name: string, r: ResumeStormResult): void {
  console.log(`\n### ${name}: ${r.clients} clients (${r.socket === 'lean' ? 'lean sockets' : 'ws sockets'}) in ${r.workers} processes on ${r.transport}, cut by the ${r.cut === 'proxy' ? 'proxy' : 'client processes (no proxy)'}, ${r.bridgeDelayMs === undefined ? '' : `bridge approval after ${r.bridgeDelayMs} ms, at most ${r.maxPendingApprovals ?? 64} pending (proxy CPU includes the app server's), `}${r.pin ? 'server pinned to CPU 1, clients and proxy to CPU 0' : 'not pinned'}, reconnect ${JSON.stringify(r.reconnect)}\n`);
  latencyTable(r.rounds);
  stepsTable(r.rounds);
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
const pins = values.pin === 'both' ? [false, true] : [values.pin === 'on'];
if (pins.includes(true) && !canPin(cpus().length)) throw new Error('--pin needs taskset and two CPUs');
const cutters: ('proxy' | 'client')[] = values.cut === 'both' ? ['proxy', 'client'] : [values.cut === 'client' ? 'client' : 'proxy'];
const sockets: ('ws' | 'lean')[] = values.socket === 'both' ? ['ws', 'lean'] : [values.socket === 'lean' ? 'lean' : 'ws'];
const base: StormOptions = {
  clients,
  transport,
  rounds,
  workers: Number(values.workers ?? 2),
  phases: values.phases === true,
  ...(values.bridge === undefined ? {} : { bridgeDelayMs: Number(values.bridge) }),
  ...(values['max-pending-approvals'] === undefined ? {} : { maxPendingApprovals: Number(values['max-pending-approvals']) }),
  ...(values['server-profile'] ? { serverProfileDir: values['server-profile'] } : {}),
  ...(values['client-profile'] ? { clientProfileDir: values['client-profile'] } : {}),
  reconnect: values['resume-delay'] === undefined ? {} : { resumeDelay: Number(values['resume-delay']) },
};
if (only !== 'sdk') {
  for (const pin of pins) {
    reportRaw('raw resume storm (first attempt as the SDK default)', await rawResumeStorm(clients, transport, rounds, 100, pin));
    if (values.compare) reportRaw('raw resume storm, first attempt 0-500 ms', await rawResumeStorm(clients, transport, rounds, 500, pin));
  }
}
if (only !== 'raw') {
  for (const socket of sockets) {
    for (const cut of cutters) {
      for (const pin of pins) {
        console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
        report('SDK resume storm', await resumeStorm({ ...base, pin, cut, socket }));
        if (values.compare) report('SDK resume storm, first attempt 0-500 ms', await resumeStorm({ ...base, pin, cut, socket, reconnect: { resumeDelay: 500 } }));
      }
    }
  }
}
console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
process.exit(0);
