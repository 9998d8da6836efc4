// Compiles the C load generator against the system librdkafka (Debian: librdkafka-dev) into
// bench/.build, which git ignores: the binary is always built from the source in this tree.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const LOAD_BIN = join(ROOT, 'bench/.build/rdkafka-load');

export function buildLoadGenerator(): Promise<string> {
  mkdirSync(join(ROOT, 'bench/.build'), { recursive: true });
  return new Promise((res, rej) => {
    execFile('cc', ['-O2', '-Wall', '-o', LOAD_BIN, join(ROOT, 'bench/load/rdkafka-load.c'), '-lrdkafka'], { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) rej(new Error(`cannot build the load generator (is librdkafka-dev installed?):\n${stderr}`));
      else res(LOAD_BIN);
    });
  });
}
