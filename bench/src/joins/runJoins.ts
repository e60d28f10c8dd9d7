import { joinStorm } from './joinStorm.js';

/**
 * `pnpm --filter @mwse/bench joins [n…] [--transport ws]`: join storms of n SDK clients into one
 * room (default 500, 1000, 2000), one fresh server each, printed as a markdown table.
 */
const args = process.argv.slice(2);
const transport = args.includes('--transport') && args[args.indexOf('--transport') + 1] === 'ws' ? 'ws' : 'uws';
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
console.log('| clients | transport | all joins seen (s) | server CPU (s) | join events |');
console.log('| ---: | --- | ---: | ---: | ---: |');
for (const n of sizes.length > 0 ? sizes : [500, 1000, 2000]) {
  const r = await joinStorm(n, transport);
  console.log(`| ${r.clients} | ${r.transport} | ${r.seconds.toFixed(2)} | ${r.serverCpuSeconds.toFixed(2)} | ${r.joinEvents} |`);
}
process.exit(0);
