// Tests that drive a real third-party client (kcat, Debian's python3 with confluent_kafka or
// kafka-python, Go): CI installs every one of them (.ci/run) and must never skip one, while a
// developer's machine may lack some. requireClient() decides once per client:
//
//   const hasKcat = requireClient('kcat', PROBES.kcat);
//   describe.skipIf(!hasKcat)('…', () => { … });
//
// Missing locally: a loud warning and `false`, so the test is skipped and says why. Missing
// with CI set: it throws, which fails the test file: a skipped client in CI would turn a
// compatibility claim into an untested one without anyone noticing.
import { spawnSync } from 'node:child_process';

/** A command that exits 0 when the client is usable, or a function that says so. */
export type ClientProbe = readonly [command: string, ...args: string[]] | (() => boolean);

/** Debian's interpreter: the python3 first on PATH may be another one without the Debian packages. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Probes for the clients .ci/run installs. */
export const PROBES = {
  kcat: ['kcat', '-V'],
  confluentPython: [DEBIAN_PYTHON, '-c', 'import confluent_kafka'],
  kafkaPython: [DEBIAN_PYTHON, '-c', 'import kafka'],
  /** kafka-python with the codec modules it needs for snappy, lz4 and zstd record sets. */
  kafkaPythonCodecs: [DEBIAN_PYTHON, '-c', 'import kafka.record, snappy, lz4.frame, zstandard'],
  go: ['go', 'version'],
} as const satisfies Record<string, ClientProbe>;

/** Whether this is a CI run: CI set to anything but empty, "0" or "false". */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Runs a probe; a command must exit 0 within 15 s. */
export function probeClient(probe: ClientProbe): boolean {
  if (typeof probe === 'function') {
    try {
      return probe();
    } catch {
      return false;
    }
  }
  const [command, ...args] = probe;
  return spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

const seen = new Map<string, boolean>();

/**
 * True when client `name` is usable (by `probe`). When it is not: throws in CI; elsewhere
 * prints a warning naming the client and returns false so the caller skips its test.
 * `env` is for this helper's own tests.
 */
export function requireClient(name: string, probe: ClientProbe, env: NodeJS.ProcessEnv = process.env): boolean {
  const key = typeof probe === 'function' ? name : `${name}\0${probe.join(' ')}`;
  const cached = seen.get(key);
  const ok = cached ?? probeClient(probe);
  seen.set(key, ok);
  if (ok) return true;
  const how = typeof probe === 'function' ? 'its probe failed' : `\`${probe.join(' ')}\` failed`;
  if (isCI(env)) {
    throw new Error(`real client ${name} is not installed (${how}); CI must run every real-client test: bash .ci/run installs it`);
  }
  if (cached === undefined) {
    const line = '!'.repeat(78);
    console.warn(`\n${line}\n!!! real client ${name} NOT FOUND (${how}):\n!!! SKIPPING the tests that need it. CI installs it (bash .ci/run) and runs them.\n${line}\n`);
  }
  return false;
}
