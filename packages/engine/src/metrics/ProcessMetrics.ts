import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process metrics every Node dashboard expects (CPU, resident memory, heap spaces, event-loop
 * lag, GC pauses, handles, open file descriptors), from prom-client's default collectors with
 * their standard names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …). They are
 * read at scrape time, off the hot path, which keeps its own hand-rolled counters (`Metrics`).
 */
export class ProcessMetrics {
  private readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
