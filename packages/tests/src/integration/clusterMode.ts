/**
 * The cluster fixture's switch: `clusterSuites.test.ts` sets it before it imports the suites, so
 * the harness gives each of them a 2-node cluster on a redis-server of its own instead of one
 * engine, and alternates each test's connections between the nodes.
 */
const flag = Symbol.for('mwse.tests.cluster');

/** True once {@link useClusterFixture} ran (the harness reads it as it loads). */
export function clusterFixtureOn(): boolean {
  return (globalThis as Record<symbol, unknown>)[flag] === true;
}

/** Turn the cluster fixture on for the suites imported after this call (same module graph). */
export function useClusterFixture(): void {
  (globalThis as Record<symbol, unknown>)[flag] = true;
}
