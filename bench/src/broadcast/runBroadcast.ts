import { audienceStorm } from './audienceStorm.js';
import { firstFrame } from './firstFrame.js';
import { idleAudience } from './idleAudience.js';

/**
 * `pnpm --filter @mwse/bench broadcast [--viewers 12] [--audience 2000] [--idle 1000] [--skip-janus]`:
 * join-to-first-frame of Chromium viewers through a real Janus (targets p50 ≤ 1 s, p99 ≤ 2.5 s),
 * and an audience storm with the stub backend: join + watch at once (p99 ≤ 3 s) and the
 * `broadcast/started` fan-out (p99 ≤ 200 ms); then `--idle 1000` idle audience members watching, and
 * the server's CPU for them (≤ 5% of a core per 1,000).
 */
const args = process.argv.slice(2);
const value = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const viewers = value('--viewers', 12);
const audience = value('--audience', 2000);
const ms = (n: number) => `${Math.round(n)} ms`;

if (!args.includes('--skip-janus')) {
  const f = await firstFrame(viewers);
  console.log(`| Chromium viewers through Janus | first frame p50 | p99 | max | of which to the answer, p50 |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: |`);
  console.log(`| ${f.viewers} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${ms(f.answeredP50)} |`);
  console.log('');
}
const s = await audienceStorm(audience);
console.log(`| audience (stub backend) | join + watch p50 | p99 | started fan-out p50 | p99 | server CPU (s) |`);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
console.log(`| ${s.viewers} | ${ms(s.joinWatchP50)} | ${ms(s.joinWatchP99)} | ${ms(s.startedP50)} | ${ms(s.startedP99)} | ${s.serverCpuSeconds.toFixed(2)} |`);
console.log('');
const idle = await idleAudience(value('--idle', 1000));
console.log(`| idle audience (watching, stub backend) | seconds | server CPU, share of a core |`);
console.log(`| ---: | ---: | ---: |`);
console.log(`| ${idle.viewers} | ${idle.seconds} | ${(idle.coreShare * 100).toFixed(1)}% |`);
process.exit(0);
