// Time for the group coordinator comes from here, so tests can drive session timeouts,
// rebalance timeouts and the initial rebalance delay without sleeping.

export type Cancel = () => void;

export interface Scheduler {
  now(): number;
  /** Runs `task` once after `delayMs`; the returned function cancels it if it has not run. */
  schedule(delayMs: number, task: () => void): Cancel;
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(task, Math.max(0, delayMs));
    // A pending session timeout must not keep a stopping process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A scheduler whose clock only moves when a test calls `advance`. */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly tasks = new Map<number, { at: number; task: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, task: () => void): Cancel {
    const id = this.seq++;
    this.tasks.set(id, { at: this.time + Math.max(0, delayMs), task });
    return () => this.tasks.delete(id);
  }

  /** Moves time forward, running due tasks in deadline order (ties in scheduling order). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [number, { at: number; task: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.tasks.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].task();
    }
    this.time = target;
  }

  get pending(): number {
    return this.tasks.size;
  }
}
