import type { WorkloadName } from '../systems.js';
import { IDLE_MAX_LIFETIME_MS, idle } from './idle.js';
import { pairs } from './pairs.js';
import { requests } from './requests.js';
import { rooms } from './rooms.js';
import type { Workload } from './Workload.js';

export const WORKLOADS: Record<WorkloadName, Workload> = {
  pairs,
  room10: rooms(10),
  room150: rooms(150),
  requests,
  idle,
};

/** What a workload needs from the server process beyond the defaults. */
export const SERVER_NEEDS: Partial<Record<WorkloadName, { nodeFlags: string[]; maxLifetimeMs: number }>> = {
  // The idle workload asks the server for a full GC before each memory reading; opening 10k
  // connections takes longer than a throughput run.
  idle: { nodeFlags: ['--expose-gc'], maxLifetimeMs: IDLE_MAX_LIFETIME_MS },
};
