// The broker's fetch path, measured on its own: one broker, one 1-partition topic filled with
// ~1 MB batches of 1 KiB records by bench/load/raw-kafka.ts, then repeated C raw fetches of it
// (rdkafka-load raw-fetch) and, between them, the bare streamer limit over the same segment
// files. Each try reports the broker's CPU per MB fetched (robust to a shared machine) and the
// busy/starved fractions of bench/run.ts; with --profile the broker runs under `node --cpu-prof`
// and the self-time summary is printed at the end. For A/B runs of fetch-path changes.
//
//   npm run build && tsx bench/profile/consume.ts [--mb 300] [--tries 3] [--inflight 4]
//        [--max-bytes 1048576] [--batch-bytes 1000000] [--client c|node|librdkafka] [--no-limit] [--profile] [--bin other/bin/sluice.js]
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { buildLoadGenerator } from '../load/build.js';
import { summarize, summaryTable } from './summarize-cpuprofile.js';

const ROOT = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : fallback;
};
const MB = Number(opt('mb', '300'));
const TRIES = Number(opt('tries', '3'));
const INFLIGHT = opt('inflight', '4');
const MAX_BYTES = opt('max-bytes', String(1 << 20));
const CLIENT = opt('client', 'c');
/** Produce request (= batch) size of the fill: smaller batches make per-request costs show. */
const BATCH_BYTES = opt('batch-bytes', '1000000');
const PROFILE = args.includes('--profile');
const LIMIT = !args.includes('--no-limit');
/** Another build of the broker (a bin/sluice.js beside its dist/), for A/B runs. */
const SLUICE = resolve(opt('bin', join(ROOT, 'bin/sluice.js')));

const bin = await buildLoadGenerator();
const work = mkdtempSync(join(tmpdir(), 'sluice-consume-'));
const children: Array<ReturnType<typeof spawn>> = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function run(file: string, argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((res, rej) =>
    execFile(file, argv, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => (error && !stdout.trim() ? rej(new Error(`${file} ${argv.join(' ')}: ${error.message}\n${stderr}`)) : res(stdout))),
  );
}
const lastJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').pop()!) as T;

async function serve(command: string, argv: string[]): Promise<{ child: ReturnType<typeof spawn>; port: number }> {
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      const port = /listening on [^\s]*:(\d+)/.exec(line)?.[1];
      if (port !== undefined) return { child, port: Number(port) };
    }
  } finally {
    clearTimeout(timer);
    child.stdout!.resume(); // what it prints later must not fill the pipe
  }
  throw new Error(`${argv.join(' ')} exited before listening`);
}
function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(killer);
      res();
    });
    child.kill('SIGTERM'); // a clean exit is what makes V8 write the profile
  });
}
const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const waitMs = (pid: number): number => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
const load1 = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const r2 = (x: number): number => Math.round(x * 100) / 100;

const profileDir = join(work, 'profile');
const startBroker = (profiled: boolean): ReturnType<typeof serve> =>
  serve(process.execPath, [...(profiled ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), SLUICE, 'start', '--port', '0', '--data-dir', join(work, 'data'), '--log-level', 'warn']);
let broker = await startBroker(false);
let brokers = `127.0.0.1:${broker.port}`;
const topic = 'consume-1024b';
const admin = new Kafka({ clientId: 'sluice-consume-bench', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
await admin.disconnect();
const filled = lastJson<{ mbPerSec: number; delivered: number; firstError: string }>(
  await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load/raw-kafka.ts'), 'produce', brokers, topic, '--size', '1024', '--request-bytes', BATCH_BYTES, '--bytes', String(MB << 20), '--seconds', '30'], 90_000),
);
if (filled.firstError) throw new Error(`fill: ${filled.firstError}`);
if (PROFILE) {
  // The profile holds the fetches only: the filled log is served by a profiled broker restarted on it.
  await stop(broker.child);
  broker = await startBroker(true);
  brokers = `127.0.0.1:${broker.port}`;
}
const pid = broker.child.pid!;
const logFiles = readdirSync(join(work, 'data', `${topic}-0`))
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((f) => join(work, 'data', `${topic}-0`, f));
const logBytes = logFiles.reduce((sum, f) => sum + statSync(f).size, 0);
process.stdout.write(`filled ${topic}: ${filled.delivered} records, ${(logBytes / 1e6).toFixed(0)} MB of log · client ${CLIENT}, ${INFLIGHT} in flight, max bytes ${MAX_BYTES}\n`);

interface FetchOut {
  logBytes?: number;
  bytes: number;
  records: number;
  seconds: number;
  mbPerSec: number;
  clientCpuMs?: number;
  recordsPerSec: number;
}
async function fetchOnce(): Promise<FetchOut> {
  if (CLIENT === 'c') return lastJson(await run(bin, ['raw-fetch', '-b', brokers, '-t', topic, '-f', MAX_BYTES, '-i', INFLIGHT, '-T', '30'], 60_000));
  if (CLIENT === 'node') return lastJson(await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load/raw-kafka.ts'), 'fetch', brokers, topic, '--max-bytes', MAX_BYTES, '--inflight', INFLIGHT, '--seconds', '30'], 60_000));
  const out = lastJson<FetchOut>(await run(bin, ['consume', '-b', brokers, '-t', topic, '-n', String(filled.delivered), '-p', '1', '-T', '30'], 60_000));
  // librdkafka reports value bytes from first to last record; the log's bytes over that time compare with the limit.
  return { ...out, logBytes, seconds: out.records / out.recordsPerSec, mbPerSec: logBytes / (out.records / out.recordsPerSec) / 1e6 };
}

let streamer: { child: ReturnType<typeof spawn>; port: number } | undefined;
if (LIMIT) streamer = await serve(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/limit/limit-server.ts'), 'stream', ...logFiles]);
const ratios: number[] = [];
for (let i = 0; i < TRIES; i++) {
  const load = load1();
  const cpu0 = cpuMs(pid);
  const wait0 = waitMs(pid);
  const out = await fetchOnce();
  const cpu = cpuMs(pid) - cpu0;
  const wait = waitMs(pid) - wait0;
  const bytes = out.logBytes ?? out.bytes;
  let line = `try ${i + 1}: ${out.mbPerSec.toFixed(0)} MB/s log (${(bytes / 1e6).toFixed(0)} MB in ${out.seconds.toFixed(2)} s) · broker ${r2(cpu / (bytes / 1e6))} ms CPU/MB, busy ${r2(cpu / 1000 / out.seconds)} starved ${r2(wait / 1000 / out.seconds)}`;
  if (out.clientCpuMs !== undefined) line += ` · client ${r2(out.clientCpuMs / 1000 / out.seconds)} core`;
  if (streamer) {
    const limitCpu0 = cpuMs(streamer.child.pid!);
    const limit = lastJson<{ mbPerSec: number; bytes: number }>(await run(bin, ['raw-recv', '-b', `127.0.0.1:${streamer.port}`, '-T', '30'], 60_000));
    const limitCpu = cpuMs(streamer.child.pid!) - limitCpu0;
    ratios.push(out.mbPerSec / limit.mbPerSec);
    line += ` · limit ${limit.mbPerSec.toFixed(0)} MB/s (${r2(limitCpu / (limit.bytes / 1e6))} ms CPU/MB), ratio ${r2(out.mbPerSec / limit.mbPerSec)}`;
  }
  process.stdout.write(`${line} · load ${load}\n`);
}
if (streamer) await stop(streamer.child);
await stop(broker.child);
if (PROFILE) {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (file) {
    // Kept for Chrome DevTools in bench/profile/out (git-ignored), as profile.ts does.
    const kept = join(ROOT, 'bench/profile/out/consume');
    mkdirSync(kept, { recursive: true });
    copyFileSync(join(profileDir, file), join(kept, file));
    process.stdout.write(`profile: bench/profile/out/consume/${file}\n${summaryTable(summarize(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), 20))}\n`);
  }
}
process.exit(0);
