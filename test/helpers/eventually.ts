// Polls `check` until it returns a value; fails after `timeoutMs`. The bound keeps a broken
// cluster from hanging the suite; it is not an assertion on how fast anything happens.
export async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
