import { fork, type ChildProcess } from 'node:child_process';
import { processCpuSeconds } from './procStats.js';

/**
 * A forked child spoken to over IPC: `ask` sends and waits for the next reply of a kind. Messages
 * use the advanced serialization (structured clone), so typed arrays of samples cross as they are.
 */
export class Child<To, From extends { op: string }> {
  readonly process: ChildProcess;
  private readonly waiting = new Map<string, ((message: From) => void)[]>();

  constructor(file: string, execArgv: string[] = []) {
    this.process = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, serialization: 'advanced' });
    this.process.on('message', (message: From) => {
      const queue = this.waiting.get(message.op);
      queue?.shift()?.(message);
    });
  }

  next<K extends From['op']>(op: K): Promise<Extract<From, { op: K }>> {
    return new Promise((resolve) => {
      const queue = this.waiting.get(op) ?? [];
      queue.push(resolve as (message: From) => void);
      this.waiting.set(op, queue);
    });
  }

  async ask<K extends From['op']>(message: To, op: K): Promise<Extract<From, { op: K }>> {
    const reply = this.next(op);
    this.process.send(message as object);
    return reply;
  }

  cpuSeconds(): number {
    return processCpuSeconds(this.process.pid!);
  }
}
