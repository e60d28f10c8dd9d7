import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { median } from './stats.js';

const run = promisify(execFile);

/** One thing to load in a fresh node process: ESM code run with `--input-type=module`. */
interface Probe {
  label: string;
  code: string;
  /** Where bare specifiers resolve from (zod is the engine's dependency, not the bench's). */
  cwd?: string;
}

/**
 * Appended to every probe: two full GCs around a short pause, so only what the code retains
 * is counted, then VmRSS (what the tables report) split into file-backed pages (the node
 * binary's code and data as far as it was touched, shared with every other node process) and
 * anonymous memory (V8 heap, malloc), and the V8 heap, in MB.
 */
const REPORT = `
const { readFileSync } = await import('node:fs');
globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); globalThis.gc();
const status = Object.fromEntries(
  readFileSync('/proc/self/status', 'latin1').split('\\n').map((l) => [l.split(':')[0], parseInt(l.split(':')[1])]),
);
const m = process.memoryUsage();
console.log(JSON.stringify({
  rss: status.VmRSS / 1024, anon: status.RssAnon / 1024, file: status.RssFile / 1024,
  heapTotal: m.heapTotal / 1048576, heapUsed: m.heapUsed / 1048576,
}));
process.exit(0);`;

interface Sample {
  rss: number;
  anon: number;
  file: number;
  heapTotal: number;
  heapUsed: number;
}

function probes(engineDir: string): Probe[] {
  const listen = (transport: string) =>
    `const { createEngine } = await import('@mwse/engine');
     await createEngine({ host: '127.0.0.1', port: 0, transport: '${transport}' });`;
  return [
    { label: 'node (nothing loaded)', code: '' },
    { label: 'import uWebSockets.js', code: `await import('uWebSockets.js');` },
    {
      label: 'bare uWS app listening',
      code: `const { default: uWS } = await import('uWebSockets.js');
             await new Promise((r) => uWS.App().ws('/*', {}).listen('127.0.0.1', 0, r));`,
    },
    { label: 'import node:crypto, node:http', code: `await import('node:crypto'); await import('node:http');` },
    { label: 'import ws', code: `await import('ws');` },
    { label: 'import socket.io', code: `await import('socket.io');` },
    { label: 'import zod', code: `await import('zod');`, cwd: engineDir },
    { label: 'import @mwse/protocol', code: `await import('@mwse/protocol');` },
    { label: 'import @mwse/engine', code: `await import('@mwse/engine');` },
    { label: '@mwse/engine listening (uws)', code: listen('uws') },
    { label: '@mwse/engine listening (ws)', code: listen('ws') },
  ];
}

const ROUNDS = 3;

/**
 * `pnpm bench --footprint`: the RSS of a fresh node process after loading each server library,
 * medians of three processes each: what a server costs before its first connection, and which
 * part of that is node itself. `--server-flags` apply to these processes too.
 */
export async function footprint(benchDir: string, nodeFlags: string[] = []): Promise<string> {
  const require = createRequire(`${benchDir}/package.json`);
  const engineDir = dirname(require.resolve('@mwse/engine/package.json'));
  const rows: string[] = [];
  let base = NaN;
  for (const probe of probes(engineDir)) {
    const samples: Sample[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const args = [...nodeFlags, '--expose-gc', '--input-type=module', '-e', `${probe.code}\n${REPORT}`];
      const { stdout } = await run(process.execPath, args, { cwd: probe.cwd ?? benchDir, timeout: 20_000 });
      samples.push(JSON.parse(stdout.trim().split('\n').pop()!) as Sample);
    }
    const of = (f: (s: Sample) => number) => median(samples.map(f)).toFixed(1);
    const rss = median(samples.map((s) => s.rss));
    if (Number.isNaN(base)) base = rss;
    rows.push(
      `| ${probe.label} | ${rss.toFixed(1)} | +${(rss - base).toFixed(1)} | ${of((s) => s.file)} | ${of((s) => s.anon)} | ` +
        `${of((s) => s.heapTotal)} | ${of((s) => s.heapUsed)} |`,
    );
  }
  return [
    `RSS after loading, after a full GC, median of ${ROUNDS} fresh processes ` +
      `(node ${process.version}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}), MB:`,
    '',
    '| loaded | RSS | vs bare node | file-backed (node binary, shared) | anonymous | V8 heap total | V8 heap used |',
    '| --- | --: | --: | --: | --: | --: | --: |',
    ...rows,
  ].join('\n');
}
