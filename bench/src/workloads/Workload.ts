import type { Dialect } from '../generator/Dialect.js';
import type { BenchOptions } from '../options.js';
import type { ServerProcess } from '../ServerProcess.js';
import type { Measurement } from './measure.js';

/** What a workload is given: a started server, the protocol to speak, and the run's options. */
export interface WorkloadContext {
  server: ServerProcess;
  dialect: Dialect;
  options: BenchOptions;
}

export type Workload = (ctx: WorkloadContext) => Promise<Measurement>;
