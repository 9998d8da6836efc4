// Runs tasks one after another, in submission order: the single owner of a log's mutable
// state. A failed task rejects its own promise and does not stop the ones behind it.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task submitted so far has finished. */
  idle(): Promise<void> {
    return this.run(() => undefined);
  }
}
