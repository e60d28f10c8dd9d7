/** The parts of a V8 .cpuprofile (as `node --cpu-prof` writes it) that self time needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Shorten a script URL to the part that says whose code it is. */
function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  const short =
    inModules !== -1
      ? path.slice(inModules + 'node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '')
      : path.includes('/packages/')
        ? path.slice(path.indexOf('/packages/') + 1)
        : path;
  return `${short}:${line + 1}`;
}

/** Which body of code a location belongs to, for the per-package totals. */
function owner(url: string): string {
  if (!url) return '(native, GC, idle)';
  if (url.startsWith('node:')) return 'node core';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const p = /\/packages\/([^/]+)\//.exec(url);
  return p ? `@mwse/${p[1]}` : url;
}

function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  // timeDeltas[i] is the time before sample i; the time spent *in* sample i is the next delta.
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  return self;
}

type ProfileNode = CpuProfile['nodes'][number];

const keyOf = (node: ProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'}@${node.callFrame.url}:${node.callFrame.lineNumber}`;

/**
 * Time spent in each function including what it called (merged across call sites, recursion
 * counted once): shows e.g. how much of the server's time one decode costs in total.
 */
function inclusiveTimes(profile: CpuProfile, self: Map<number, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const totals = new Map<string, number>();
  const walk = (node: ProfileNode, open: Set<string>): number => {
    const key = keyOf(node);
    const outermost = !open.has(key);
    if (outermost) open.add(key);
    let sum = self.get(node.id) ?? 0;
    for (const id of node.children ?? []) sum += walk(byId.get(id)!, open);
    if (outermost) {
      open.delete(key);
      totals.set(key, (totals.get(key) ?? 0) + sum);
    }
    return sum;
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node, new Set());
  return totals;
}

/** Top functions by self time, merged across call sites, and totals per package. */
export function summarizeProfile(
  profile: CpuProfile,
  top = 25,
): { functions: SelfTime[]; inclusive: SelfTime[]; owners: SelfTime[]; totalMs: number } {
  const self = selfTimes(profile);
  const byFunction = new Map<string, SelfTime>();
  const byOwner = new Map<string, SelfTime>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    total += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const key = keyOf(node);
    const f = byFunction.get(key) ?? { name, where: where(url, lineNumber), ms: 0, share: 0 };
    f.ms += ms;
    byFunction.set(key, f);
    const o = owner(url);
    const g = byOwner.get(o) ?? { name: o, where: '', ms: 0, share: 0 };
    g.ms += ms;
    byOwner.set(o, g);
  }
  const rank = (m: Map<string, SelfTime>, n: number) =>
    [...m.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n)
      .map((s) => ({ ...s, share: s.ms / total }));
  const inclusive = new Map<string, SelfTime>();
  for (const [key, ms] of inclusiveTimes(profile, self)) {
    const node = profile.nodes.find((n) => keyOf(n) === key)!;
    const { functionName, url, lineNumber } = node.callFrame;
    // Roots and the event loop's own frames would top this list and say nothing.
    if (!url || url.startsWith('node:')) continue;
    inclusive.set(key, { name: functionName || '(anonymous)', where: where(url, lineNumber), ms, share: 0 });
  }
  return { functions: rank(byFunction, top), inclusive: rank(inclusive, 15), owners: rank(byOwner, 12), totalMs: total };
}

export function profileMarkdown(summary: ReturnType<typeof summarizeProfile>): string {
  const pct = (s: SelfTime) => `${(s.share * 100).toFixed(1)}%`;
  return [
    '| self time | function | where |',
    '| --: | --- | --- |',
    ...summary.functions.map((f) => `| ${pct(f)} | \`${f.name}\` | ${f.where} |`),
    '',
    '| total time (incl. callees) | function | where |',
    '| --: | --- | --- |',
    ...summary.inclusive.map((f) => `| ${pct(f)} | \`${f.name}\` | ${f.where} |`),
    '',
    '| self time | code |',
    '| --: | --- |',
    ...summary.owners.map((o) => `| ${pct(o)} | ${o.name} |`),
  ].join('\n');
}
