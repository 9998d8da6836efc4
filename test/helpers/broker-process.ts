// Runs a real `sluice start` process (the built CLI) for tests that need one: crash tests,
// real-client tests. The test script builds dist/ before vitest runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(REPO_ROOT, 'bin/sluice.js');

export interface BrokerProcess {
  readonly bootstrapServers: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash a kill -9 makes. */
  kill(): Promise<void>;
  output(): string;
}

export function tempDataDir(prefix = 'sluice-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startBrokerProcess(options: { dataDir?: string; port?: number; args?: string[]; timeoutMs?: number } = {}): Promise<BrokerProcess> {
  if (!existsSync(join(REPO_ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--port', String(options.port ?? 0), '--data-dir', dataDir, '--log-level', 'warn', ...(options.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${out}`)), options.timeoutMs ?? 15_000);
    const check = (): void => {
      const match = /listening on [^:\s]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`broker exited during start:\n${out}`));
    });
  });
  return {
    bootstrapServers: `localhost:${port}`,
    port,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
