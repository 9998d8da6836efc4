// CPU profile of the broker's produce path while the C load generator runs against it.
//
//   npm run bench:profile          (about 40 s; needs a built dist/ and librdkafka-dev)
//
// Each scenario gets its own broker process started with `node --cpu-prof`, so each profile
// holds one kind of load. The raw profiles go to bench/profile/out (git-ignored; open them in
// Chrome DevTools); the self-time summary goes to bench/results/profile-latest.md.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildLoadGenerator } from '../load/build.js';
import { summarize, summaryTable } from './summarize-cpuprofile.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'bench/profile/out');

const scenarios: Array<{ name: string; what: string; args: string[]; broker?: string[] }> = [
  {
    name: 'batched',
    what: '1 KiB records, 1 partition, acks=1, librdkafka defaults (linger 5 ms): few large Produce requests, the peak-throughput case',
    args: ['-n', '200000', '-s', '1024', '-a', '1', '-p', '1', '-T', '15'],
  },
  {
    name: 'small-requests',
    what: '1 KiB records at 20,000/s, linger 0: many small Produce requests, the per-request cost',
    args: ['-n', '200000', '-s', '1024', '-a', '1', '-p', '1', '-r', '20000', '-l', '0', '-T', '10'],
  },
  {
    name: 'partitions-1000',
    what: '1 KiB records over 1,000 partitions, acks=1: the per-partition cost',
    args: ['-n', '60000', '-s', '1024', '-a', '1', '-p', '1000', '-T', '15'],
    // The topic is auto-created on first use with this many partitions.
    broker: ['--override', 'num.partitions=1000'],
  },
];

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const bin = await buildLoadGenerator();
mkdirSync(OUT, { recursive: true });
const report: string[] = ['# Produce hot path: broker CPU profile', '', `${new Date().toISOString()} · Node ${process.version} · \`node --cpu-prof\` on the broker while bench/load/rdkafka-load produces. Self time per function; the bundle is dist/sluice.cjs, so \`where\` is a line of the bundle (function names are the source's).`, ''];

for (const scenario of scenarios) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-profile-'));
  const profileDir = join(OUT, scenario.name);
  rmSync(profileDir, { recursive: true, force: true });
  const broker = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, join(ROOT, 'bin/sluice.js'), 'start', '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'warn', ...(scenario.broker ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A failed step must not leave a profiling broker running on the shared machine.
  const reap = (): void => void broker.kill('SIGKILL');
  process.on('exit', reap);
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`broker did not start:\n${out}`)), 20_000);
    broker.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on [^\s]*:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        res(Number(match[1]));
      }
    });
  });
  const loadBefore = loadAverage();
  const result = await new Promise<string>((res, rej) =>
    execFile(bin, ['produce', '-b', `127.0.0.1:${port}`, '-t', `profile-${scenario.name}`, ...scenario.args], { timeout: 90_000, maxBuffer: 16 << 20 }, (error, stdout) =>
      error && !stdout ? rej(error) : res(stdout),
    ),
  );
  const exited = new Promise<void>((res) => broker.once('exit', () => res()));
  broker.kill('SIGTERM'); // a clean exit is what makes V8 write the profile
  const killer = setTimeout(() => broker.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
  process.off('exit', reap);
  rmSync(dir, { recursive: true, force: true });
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written for ${scenario.name}`);
  const figures = JSON.parse(result.trim()) as { recordsPerSec: number; mbPerSec: number; p50Ms: number; p99Ms: number; requests: number };
  const summary = summarize(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), 25);
  const heading = `## ${scenario.name}: ${scenario.what}`;
  const line = `${Math.round(figures.recordsPerSec)} records/s, ${figures.mbPerSec.toFixed(1)} MB/s, ${figures.requests} requests, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms (profiling costs some speed) · load average ${loadBefore} before, ${loadAverage()} after · profile: bench/profile/out/${scenario.name}/${file}`;
  report.push(heading, '', line, '', summaryTable(summary), '');
  process.stdout.write(`${heading}\n${line}\n${summaryTable(summary)}\n\n`);
}

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/profile-latest.md'), report.join('\n'));
