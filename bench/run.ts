// Sluice against the physical limit of this machine, in one run.
//
//   npm run bench                 the full set (2–4.5 min on this 2-core machine when quiet, plus ~30 s
//                                 for bench/startup; --no-startup skips that)
//   npm run bench -- --quick      a subset with small counts (under a minute)
//
// Every Sluice figure is printed next to the limit measured in the same run: a bare Node server
// that appends length-prefixed frames of the same size as the Produce requests to a file
// (bench/limit), and a bare file → socket streamer over the very segment files Sluice wrote.
// Load comes from a librdkafka-based C generator (bench/load/rdkafka-load.c, compiled here) and,
// for the rows marked "raw", from bench/load/raw-kafka.ts: pre-encoded Produce requests and plain
// Fetch requests with no per-record work, so that row measures the broker and not the client
// (librdkafka uses about a core building 1 KiB records on this 2-core machine). kafkajs is run
// for reference. Each row carries the broker's own CPU time per MB and its busy fraction
// (CPU time ÷ the run's duration): near 1 the broker is the bottleneck, well below it the client is.
//
// Writes bench/results/sluice-<timestamp>.{json,md}, latest.json, latest.md and two SVG charts.
// Figures taken under a high load average are noise: each row carries the load average it ran at.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { buildLoadGenerator, LOAD_BIN } from './load/build.js';
import { lineChart } from './report/svg-chart.js';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench/results');
const QUICK = process.argv.includes('--quick');
const SKIP_STARTUP = process.argv.includes('--no-startup');

// ---------- small process helpers ----------

function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a!, b!, c!];
}

function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((res, rej) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 << 20, env }, (error, stdout, stderr) => {
      if (error && !stdout.trim()) rej(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

async function load<T>(args: string[], timeoutMs: number): Promise<T> {
  const out = await run(LOAD_BIN, args, timeoutMs);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

// Whatever this run started dies with it, even when a step throws: a broker left running
// would skew every later measurement on the machine.
const children = new Set<ChildProcess>();
const workDirs: string[] = [];
// Ctrl-C or a kill ends the run through process.exit, so the 'exit' cleanup below runs.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
process.on('exit', () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns a process and waits for its "listening on host:port" line. */
function serve(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  children.add(child);
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no listening line from ${args.join(' ')}:\n${out}`)), 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const match = /listening on [^\s]*:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        res({ child, port: Number(match[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Time the broker's main thread spent runnable but waiting for a core (/proc/<pid>/task/<pid>/schedstat,
 * second field, ns), in ms. On this shared machine a broker that is not busy may be starved rather
 * than idle: busy + this, over the run's duration, near 1 means the broker is what paces the run.
 */
function runqueueMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
}

/**
 * Writes back what earlier phases left dirty in the page cache (`sync`), so that a phase starts
 * from the same state and is not paced by the kernel throttling writers at the dirty limit; and,
 * where the benchmark may (root), drops the clean page cache. On this machine a page cache
 * filled by earlier work (checkouts, earlier runs: 20 of 24 GB) made every page-cache write
 * reclaim first: `dd` into the cache ran at 413 MB/s against 2.5 GB/s after the drop, and the
 * broker's and the limit servers' appends alike (bench/FINDINGS.md). Returns whether it dropped.
 */
async function settlePageCache(drop: boolean): Promise<boolean> {
  await run('sync', [], 120_000);
  if (!drop) return false;
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    return false;
  }
}

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

// ---------- result shapes ----------

interface ProduceOut {
  delivered: number;
  failed: number;
  firstError: string;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  partitionsServed: number;
  requests: number;
  requestBytes: number;
  cdf: number[];
}
interface ConsumeOut {
  records: number;
  bytes: number;
  seconds: number;
  firstRecordMs: number;
  recordsPerSec: number;
  mbPerSec: number;
}
interface RawOut {
  mbPerSec: number;
  recordsPerSec?: number;
  seconds: number;
  frames?: number;
  frameBytes?: number;
  bytes?: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
}

// ---------- setup ----------

mkdirSync(RESULTS, { recursive: true });
await buildLoadGenerator();
if (!existsSync(join(ROOT, 'dist/sluice.cjs'))) await run('npm', ['run', 'build', '--silent'], 300_000);

const pageCacheDropped = await settlePageCache(true);
const work = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
workDirs.push(work);
const dataDir = join(work, 'data');
const started = Date.now();
const tsxImport = ['--import', 'tsx'];
// SLUICE_BENCH_NODE_FLAGS (e.g. "--trace-gc") goes to the broker's node, for diagnosis.
const brokerNodeFlags = (process.env['SLUICE_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
const broker = await serve(process.execPath, [...brokerNodeFlags, join(ROOT, 'bin/sluice.js'), 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
const brokers = `127.0.0.1:${broker.port}`;
const brokerPid = broker.child.pid!;
const appendFile = join(work, 'limit-append.bin');
const appendLimit = await serve(process.execPath, [...tsxImport, join(ROOT, 'bench/limit/limit-server.ts'), 'append', appendFile]);
// The same clients' limit: librdkafka (and kafkajs) with the same settings against a server that
// answers just enough Kafka to take Produce requests into a file (bench/limit/kafka-limit-server.ts).
const kafkaAppendFile = join(work, 'limit-kafka-append.bin');
const kafkaAppendLimit = await serve(process.execPath, [...tsxImport, join(ROOT, 'bench/limit/kafka-limit-server.ts'), 'produce', kafkaAppendFile]);
// Creating 10,000 partitions takes longer than kafkajs's default 30 s request timeout.
const kafka = new Kafka({ clientId: 'sluice-bench-admin', brokers: [brokers], logLevel: logLevel.NOTHING, requestTimeout: 180_000 });
const admin = kafka.admin();
await admin.connect();
await new Promise((r) => setTimeout(r, 1000));
const idleRssMb = procStatusMb(brokerPid, 'VmRSS');

// Broker memory under load: sampled all through the run.
let loadRssMaxMb = 0;
const sampler = setInterval(() => {
  try {
    loadRssMaxMb = Math.max(loadRssMaxMb, procStatusMb(brokerPid, 'VmRSS'));
  } catch {
    // the broker is gone; the run will fail on its own
  }
}, 100);

/** Rejects when `promise` has not settled within `ms`; a late rejection is swallowed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no ${what} answer within ${ms} ms`)), ms)));
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

/**
 * Partitions of `topic` that Metadata shows with a leader and no error. Asked on a connection of
 * its own: the broker answers in order per connection, so behind a CreateTopics that never
 * answers, the admin connection would wait forever.
 */
async function partitionsWithLeader(topic: string, ms: number): Promise<number> {
  const probe = new Kafka({ clientId: 'sluice-bench-probe', brokers: [brokers], logLevel: logLevel.NOTHING, requestTimeout: ms, retry: { retries: 0 } }).admin();
  try {
    await within(probe.connect(), ms, 'connect');
    const metadata = await within(probe.fetchTopicMetadata({ topics: [topic] }), ms, 'Metadata');
    return metadata.topics[0]!.partitions.filter((p) => p.partitionErrorCode === 0 && p.leader >= 0).length;
  } finally {
    void probe.disconnect().catch(() => undefined);
  }
}

let topicSeq = 0;
/** Topics created and not yet deleted, so a phase can start without the data of the ones before. */
const liveTopics = new Set<string>();
/**
 * Creates a topic and waits until Metadata shows a leader for every partition, at most
 * `waitMs`. A CreateTopics that times out is not the end: the broker may still be creating, so
 * Metadata decides, and the step reports how many partitions it found.
 */
async function createTopic(prefix: string, partitions: number, waitMs = 30_000): Promise<{ topic: string; ms: number; led: number; error: string }> {
  const topic = `${prefix}-${++topicSeq}`;
  const t0 = performance.now();
  let error = '';
  try {
    // kafkajs waits its whole request timeout for an answer that may never come; the step's own
    // bound wins, and a late rejection is swallowed.
    // file.delete.delay.ms=0 (a topic config, 60 s by default): a deleted topic's files go at
    // once, with their page cache (see deleteTopics).
    await within(
      admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: [{ name: 'file.delete.delay.ms', value: '0' }] }], waitForLeaders: false, timeout: waitMs }),
      waitMs,
      'CreateTopics',
    );
    liveTopics.add(topic);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  let led = 0;
  for (;;) {
    try {
      led = await partitionsWithLeader(topic, waitMs);
    } catch (e) {
      error ||= e instanceof Error ? e.message : String(e);
    }
    if (led >= partitions || performance.now() - t0 > waitMs) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { topic, ms: performance.now() - t0, led, error };
}

/**
 * Deletes topics and waits until their directories are gone from the data directory. The
 * latency runs start this way, each without the gigabytes the runs before it wrote: on this VM
 * memory that has sat free is handed back to the host, and the kernel's copy into such fresh
 * page-cache pages took 71 % of the broker's CPU in a paced run that followed a 4 GB run on the
 * same broker (3.7-3.9 s of broker CPU against 1.5 s for the same run on its own; FINDINGS.md).
 * A broker in service has a full page cache and writes into pages it reclaims, already backed.
 */
async function deleteTopics(topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  await within(admin.deleteTopics({ topics, timeout: 30_000 }), 35_000, 'DeleteTopics');
  for (const topic of topics) liveTopics.delete(topic);
  const left = (): string[] => readdirSync(dataDir).filter((name) => topics.some((topic) => name.startsWith(`${topic}-`)));
  const until = Date.now() + 30_000;
  while (left().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

/** For steps that need a topic and have nothing to measure without one. */
async function mustCreateTopic(prefix: string, partitions: number): Promise<{ topic: string }> {
  const created = await createTopic(prefix, partitions);
  if (created.led < partitions) throw new Error(`topic ${created.topic}: ${created.led} of ${partitions} partitions have a leader; ${created.error}`);
  return created;
}

/**
 * The limit is what the machine can do, so it is the best of three tries: on a shared machine a
 * single short try mostly measures the neighbours. (Sluice gets one try, so ratios lean low.)
 */
async function bestOf(tries: number, once: () => Promise<RawOut>): Promise<RawOut> {
  let best: RawOut | undefined;
  for (let i = 0; i < tries; i++) {
    const out = await once();
    if (!best || out.mbPerSec > best.mbPerSec) best = out;
  }
  return best!;
}

/**
 * The bare-frame limit for one produce row: the same bytes, in frames of the average Produce
 * request size, from a sender with no per-record work to the bare append server. The files the
 * limit servers append to are emptied after each try: truncating drops their dirty pages, which
 * would otherwise pile up and slow every later write on this machine.
 */
function pipeLimit(out: ProduceOut): Promise<RawOut> {
  const frame = Math.max(64, Math.round(out.requestBytes / Math.max(1, out.requests)));
  const bytes = Math.max(out.requestBytes, 32 << 20);
  return bestOf(3, async () => {
    const limit = await load<RawOut>(['raw-send', '-b', `127.0.0.1:${appendLimit.port}`, '-n', String(bytes), '-f', String(frame), '-i', '5', '-T', '20'], 40_000);
    truncateSync(appendFile, 0);
    return limit;
  });
}

/**
 * The same-client limit for one librdkafka produce row: the generator with the same arguments
 * against the Kafka-speaking append server. Its topic name carries the partition count (`-p<N>`).
 */
function sameClientProduceLimit(args: string[], partitions: number): Promise<RawOut> {
  return bestOf(3, async () => {
    const out = await load<ProduceOut>(['produce', '-b', `127.0.0.1:${kafkaAppendLimit.port}`, '-t', `limit-p${partitions}`, ...args], 60_000);
    truncateSync(kafkaAppendFile, 0);
    if (out.failed > 0) throw new Error(`same-client produce limit: ${out.failed} records failed: ${out.firstError}`);
    return { mbPerSec: out.requestBytes / out.seconds / 1e6, seconds: out.seconds };
  });
}

const log = (line: string): void => void process.stdout.write(line + '\n');
log(`sluice bench${QUICK ? ' --quick' : ''}: broker pid ${brokerPid} on ${brokers}, data in ${dataDir}, load average ${loadAverage().join(' ')}, clean page cache ${pageCacheDropped ? 'dropped' : 'kept (not root)'}`);

// ---------- produce: librdkafka matrix, each beside its limit ----------

interface ProduceRow {
  client: string;
  size: number;
  partitions: number;
  acks: string;
  compression: string;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  wireMbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  requestBytesAvg: number;
  /** The limit the ratio is of: the same client against the Kafka-speaking append server, or bare frames. */
  limitKind: 'same client' | 'bare frames';
  limitWireMbPerSec: number;
  limitRecordsPerSec: number;
  ratio: number;
  /** Bare frames of the same size to the bare append server, and the ratio to that. */
  pipeLimitWireMbPerSec: number;
  pipeRatio: number;
  load1: number;
  topic: string;
  failed: number;
  /** Broker CPU (user + system) during the run, per MB on the wire, and ÷ the run's duration. */
  brokerCpuMsPerMb: number;
  brokerBusy: number;
  /** Broker main thread's time runnable but waiting for a core, ÷ the run's duration. */
  brokerStarved: number;
}

interface ProduceCell {
  size: number;
  partitions: number;
  acks: string;
  compression: string;
}

/**
 * One produce row: the run's figures beside the limits on the same bytes, and the broker's CPU.
 * With `sameClient` the ratio is of that limit, else of the bare-frame one.
 */
async function produceRow(client: string, cell: ProduceCell, topic: string, out: ProduceOut, brokerCpu: number, brokerWait: number, load1: number, sameClient?: RawOut): Promise<ProduceRow> {
  const pipe = await pipeLimit(out);
  const limit = sameClient ?? pipe;
  const wireMbPerSec = out.requestBytes / out.seconds / 1e6;
  const wirePerRecord = out.requestBytes / Math.max(1, out.delivered);
  return {
    client,
    ...cell,
    records: out.delivered,
    recordsPerSec: round(out.recordsPerSec, 0),
    mbPerSec: round(out.mbPerSec),
    wireMbPerSec: round(wireMbPerSec),
    p50Ms: out.p50Ms,
    p99Ms: out.p99Ms,
    p999Ms: out.p999Ms,
    requestBytesAvg: Math.round(out.requestBytes / Math.max(1, out.requests)),
    limitKind: sameClient ? 'same client' : 'bare frames',
    limitWireMbPerSec: round(limit.mbPerSec),
    limitRecordsPerSec: round((limit.mbPerSec * 1e6) / wirePerRecord, 0),
    ratio: round(wireMbPerSec / limit.mbPerSec, 3),
    pipeLimitWireMbPerSec: round(pipe.mbPerSec),
    pipeRatio: round(wireMbPerSec / pipe.mbPerSec, 3),
    load1,
    topic,
    failed: out.failed,
    brokerCpuMsPerMb: round(brokerCpu / (out.requestBytes / 1e6), 2),
    brokerBusy: round(brokerCpu / 1000 / out.seconds, 2),
    brokerStarved: round(brokerWait / 1000 / out.seconds, 2),
  };
}

const produceRows: ProduceRow[] = [];
const matrix: ProduceCell[] = [];
for (const size of [1024, 100])
  for (const partitions of [1, 8])
    for (const acks of ['1', 'all'])
      for (const compression of ['none', 'lz4']) {
        if (QUICK && !(partitions === 1 && acks === '1' && (compression === 'none' || size === 1024))) continue;
        matrix.push({ size, partitions, acks, compression });
      }

// Warm-up, not measured: the same 1 KiB produce through Sluice and both limit servers once, so
// that no row pays for JIT compilation or first-use allocations (a cold bare server ran at half its
// warm speed on its first try; Sluice's first row at ~0.85 of the same row repeated).
{
  const { topic } = await mustCreateTopic('warm-up', 1);
  const args = ['-n', String(QUICK ? 40_000 : 60_000), '-s', '1024', '-a', '1', '-z', 'none', '-p', '1', '-T', '12'];
  await load<ProduceOut>(['produce', '-b', brokers, '-t', topic, ...args], 60_000);
  await load<ProduceOut>(['produce', '-b', `127.0.0.1:${kafkaAppendLimit.port}`, '-t', 'limit-p1', ...args], 60_000);
  await load<RawOut>(['raw-send', '-b', `127.0.0.1:${appendLimit.port}`, '-n', String(60 << 20), '-f', String(1 << 20), '-i', '5', '-T', '20'], 40_000);
  truncateSync(kafkaAppendFile, 0);
  truncateSync(appendFile, 0);
  await deleteTopics([topic]);
}

for (const cell of matrix) {
  const { topic } = await mustCreateTopic(`produce-${cell.size}b-${cell.partitions}p`, cell.partitions);
  // About 60 MB of 1 KiB records or 20 MB of 100 B records; capped in time either way. (Rows of
  // 150-300 MB left later phases writing at a third of the speed, the limit servers included:
  // this machine's writes slow down once a few GB have gone through the page cache.)
  const count = (cell.size >= 1024 ? 60_000 : 200_000) / (QUICK ? 1.5 : 1);
  const load1 = loadAverage()[0];
  const cpu0 = cpuMs(brokerPid);
  const wait0 = runqueueMs(brokerPid);
  const args = ['-n', String(count), '-s', String(cell.size), '-a', cell.acks === 'all' ? '-1' : cell.acks, '-z', cell.compression, '-p', String(cell.partitions), '-T', QUICK ? '6' : '12'];
  const out = await load<ProduceOut>(['produce', '-b', brokers, '-t', topic, ...args], 60_000);
  const brokerCpu = cpuMs(brokerPid) - cpu0;
  const brokerWait = runqueueMs(brokerPid) - wait0;
  const row = await produceRow('librdkafka', cell, topic, out, brokerCpu, brokerWait, load1, await sameClientProduceLimit(args, cell.partitions));
  produceRows.push(row);
  log(`produce ${cell.size} B ${cell.partitions}p acks=${cell.acks} ${cell.compression}: ${row.recordsPerSec} rec/s ${row.mbPerSec} MB/s (wire ${row.wireMbPerSec}) · same-client limit ${row.limitWireMbPerSec} MB/s wire, ratio ${row.ratio} · bare-frame limit ${row.pipeLimitWireMbPerSec}, ratio ${row.pipeRatio} · broker busy ${row.brokerBusy} starved ${row.brokerStarved}, ${row.brokerCpuMsPerMb} ms CPU/MB · load ${load1}`);
}

// ---------- kafkajs for reference ----------

const kafkajsRows: ProduceRow[] = [];
for (const size of QUICK ? [1024] : [1024, 100]) {
  const { topic } = await mustCreateTopic(`kafkajs-${size}b`, 1);
  const load1 = loadAverage()[0];
  const out = JSON.parse(
    (await run(process.execPath, [...tsxImport, join(ROOT, 'bench/load/kafkajs-load.ts'), brokers, topic, String(size >= 1024 ? 50_000 : 150_000), String(size), '1', '1', QUICK ? '3' : '8'], 60_000)).trim(),
  ) as ProduceOut;
  const peer = produceRows.find((r) => r.size === size && r.partitions === 1 && r.acks === '1' && r.compression === 'none')!;
  // kafkajs's own limit: the same load against the Kafka-speaking append server.
  const limit = await bestOf(3, async () => {
    const against = JSON.parse(
      (await run(process.execPath, [...tsxImport, join(ROOT, 'bench/load/kafkajs-load.ts'), `127.0.0.1:${kafkaAppendLimit.port}`, 'limit-p1', String(size >= 1024 ? 50_000 : 150_000), String(size), '1', '1', QUICK ? '3' : '8'], 60_000)).trim(),
    ) as ProduceOut;
    truncateSync(kafkaAppendFile, 0);
    return { mbPerSec: against.mbPerSec, seconds: against.seconds, recordsPerSec: against.recordsPerSec };
  });
  const limitRecordsPerSec = limit.recordsPerSec!;
  kafkajsRows.push({
    ...peer,
    client: 'kafkajs',
    records: out.delivered,
    recordsPerSec: round(out.recordsPerSec, 0),
    mbPerSec: round(out.mbPerSec),
    wireMbPerSec: NaN,
    p50Ms: out.p50Ms,
    p99Ms: out.p99Ms,
    p999Ms: out.p999Ms,
    limitKind: 'same client',
    limitWireMbPerSec: NaN,
    limitRecordsPerSec: round(limitRecordsPerSec, 0),
    ratio: round(out.recordsPerSec / limitRecordsPerSec, 3),
    pipeLimitWireMbPerSec: peer.pipeLimitWireMbPerSec,
    pipeRatio: round(out.recordsPerSec / ((peer.pipeLimitWireMbPerSec * 1e6) / (peer.wireMbPerSec * 1e6 / peer.recordsPerSec)), 3),
    requestBytesAvg: NaN,
    load1,
    topic,
    failed: out.failed,
    brokerCpuMsPerMb: NaN,
    brokerBusy: NaN,
    brokerStarved: NaN,
  });
  log(`kafkajs produce ${size} B 1p acks=1: ${round(out.recordsPerSec, 0)} rec/s ${round(out.mbPerSec)} MB/s · kafkajs against the Kafka-speaking limit ${round(limitRecordsPerSec, 0)} rec/s, ratio ${kafkajsRows.at(-1)!.ratio} · ratio to the bare-frame limit ${kafkajsRows.at(-1)!.pipeRatio}`);
}

// ---------- raw: pre-encoded requests, no per-record work in the client (bench/load/raw-kafka.ts) ----------

// ~1 MB requests (librdkafka's batch.size and message.max.bytes), one batch per partition, up to
// 5 in flight per connection (max.in.flight); the limit gets frames of the same size, 5 in flight.
// Bounded by bytes (about a second or two at the broker's pace) and by time.
const rawRows: ProduceRow[] = [];
const rawMatrix: ProduceCell[] = [
  { size: 1024, partitions: 1, acks: '1', compression: 'none' },
  { size: 100, partitions: 1, acks: '1', compression: 'none' },
  { size: 1024, partitions: 8, acks: '1', compression: 'none' },
  { size: 1024, partitions: 1, acks: 'all', compression: 'none' },
  { size: 1024, partitions: 1, acks: '1', compression: 'lz4' },
].filter((c) => !QUICK || (c.partitions === 1 && c.acks === '1' && c.compression === 'none'));
for (const cell of rawMatrix) {
  const { topic } = await mustCreateTopic(`raw-${cell.size}b-${cell.partitions}p`, cell.partitions);
  const load1 = loadAverage()[0];
  const cpu0 = cpuMs(brokerPid);
  const wait0 = runqueueMs(brokerPid);
  const out = JSON.parse(
    (
      await run(
        process.execPath,
        [...tsxImport, join(ROOT, 'bench/load/raw-kafka.ts'), 'produce', brokers, topic, '--size', String(cell.size), '--partitions', String(cell.partitions), '--acks', cell.acks, '--compression', cell.compression, '--inflight', '5', '--bytes', String((QUICK ? 200 : 600) << 20), '--seconds', QUICK ? '4' : '8'],
        90_000,
      )
    )
      .trim()
      .split('\n')
      .pop()!,
  ) as ProduceOut & { clientCpuMs: number };
  const brokerCpu = cpuMs(brokerPid) - cpu0;
  const brokerWait = runqueueMs(brokerPid) - wait0;
  if (out.firstError) log(`raw produce ${cell.size} B ${cell.partitions}p: ${out.firstError}`);
  const row = await produceRow('raw', cell, topic, out, brokerCpu, brokerWait, load1);
  rawRows.push(row);
  log(`raw produce ${cell.size} B ${cell.partitions}p acks=${cell.acks} ${cell.compression}: ${row.recordsPerSec} rec/s ${row.mbPerSec} MB/s (wire ${row.wireMbPerSec}, ${row.requestBytesAvg} B requests) · limit ${row.limitWireMbPerSec} MB/s wire · ratio ${row.ratio} · broker busy ${row.brokerBusy} starved ${row.brokerStarved}, ${row.brokerCpuMsPerMb} ms CPU/MB · client CPU ${round(out.clientCpuMs / 1000 / out.seconds, 2)} of a core · load ${load1}`);
}

// ---------- consume from the beginning, beside a bare streamer over the same segment files ----------

interface ConsumeRow {
  client: string;
  size: number;
  partitions: number;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  logMbPerSec: number;
  firstRecordMs: number;
  /** The limit the ratio is of: the same client against the Kafka-speaking streamer, or the bare streamer. */
  limitKind: 'same client' | 'bare streamer';
  limitLogMbPerSec: number;
  ratio: number;
  /** The bare file → socket streamer over the same segment files, and the ratio to that. */
  pipeLimitLogMbPerSec: number;
  pipeRatio: number;
  load1: number;
  brokerCpuMsPerMb: number;
  brokerBusy: number;
  /** Broker main thread's time runnable but waiting for a core, ÷ the run's duration. */
  brokerStarved: number;
}
const consumeRows: ConsumeRow[] = [];

/** The limit for a consume row: a bare streamer over the same segment files, best of three. */
async function streamLimit(logFiles: string[]): Promise<RawOut> {
  const streamer = await serve(process.execPath, [...tsxImport, join(ROOT, 'bench/limit/limit-server.ts'), 'stream', ...logFiles]);
  const limit = await bestOf(3, () => load<RawOut>(['raw-recv', '-b', `127.0.0.1:${streamer.port}`, '-T', '30'], 60_000));
  await stopChild(streamer.child);
  return limit;
}
/**
 * The same-client limit for a librdkafka consume row: the generator with the same arguments against
 * the Kafka-speaking streamer over the same segment files, best of three, in log MB/s.
 */
async function sameClientConsumeLimit(logFiles: string[], records: number, logBytes: number): Promise<RawOut> {
  const streamer = await serve(process.execPath, [...tsxImport, join(ROOT, 'bench/limit/kafka-limit-server.ts'), 'fetch', ...logFiles]);
  try {
    return await bestOf(3, async () => {
      const out = await load<ConsumeOut>(['consume', '-b', `127.0.0.1:${streamer.port}`, '-t', 'limit', '-n', String(records), '-p', '1', '-T', '30'], 60_000);
      if (out.records < records) throw new Error(`same-client consume limit: ${out.records} of ${records} records`);
      return { mbPerSec: logBytes / (out.records / out.recordsPerSec) / 1e6, seconds: out.seconds };
    });
  } finally {
    await stopChild(streamer.child);
  }
}
function segmentFiles(topic: string): string[] {
  return readdirSync(join(dataDir, `${topic}-0`))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(dataDir, `${topic}-0`, f));
}
/**
 * librdkafka from the beginning of a 1-partition topic to its end (`records`), with the broker's
 * CPU and waits over the client's run; the limit comes from the caller (the same segment files).
 */
async function librdkafkaConsume(client: string, size: number, topic: string, records: number, logFiles: string[], limitOf: () => Promise<RawOut>): Promise<ConsumeRow> {
  const logBytes = logFiles.reduce((sum, f) => sum + statSync(f).size, 0);
  const load1 = loadAverage()[0];
  const cpu0 = cpuMs(brokerPid);
  const wait0 = runqueueMs(brokerPid);
  const out = await load<ConsumeOut & { clientCpuMs: number }>(['consume', '-b', brokers, '-t', topic, '-n', String(records), '-p', '1', '-T', '30'], 60_000);
  const brokerCpu = cpuMs(brokerPid) - cpu0;
  const brokerWait = runqueueMs(brokerPid) - wait0;
  const pipe = await limitOf();
  const limit = await sameClientConsumeLimit(logFiles, records, logBytes);
  const streamingSeconds = out.records / out.recordsPerSec;
  const logMbPerSec = logBytes / streamingSeconds / 1e6;
  const row: ConsumeRow = {
    client,
    size,
    partitions: 1,
    records: out.records,
    recordsPerSec: round(out.recordsPerSec, 0),
    mbPerSec: round(out.mbPerSec),
    logMbPerSec: round(logMbPerSec),
    firstRecordMs: out.firstRecordMs,
    limitKind: 'same client',
    limitLogMbPerSec: round(limit.mbPerSec),
    ratio: round(logMbPerSec / limit.mbPerSec, 3),
    pipeLimitLogMbPerSec: round(pipe.mbPerSec),
    pipeRatio: round(logMbPerSec / pipe.mbPerSec, 3),
    load1,
    brokerCpuMsPerMb: round(brokerCpu / (logBytes / 1e6), 2),
    // CPU of the whole client run (connect and metadata included) ÷ first-to-last-record time: an upper bound.
    brokerBusy: round(brokerCpu / 1000 / streamingSeconds, 2),
    brokerStarved: round(brokerWait / 1000 / streamingSeconds, 2),
  };
  consumeRows.push(row);
  log(`consume ${size} B (${client}, ${round(logBytes / 1e6, 0)} MB): ${round(out.recordsPerSec, 0)} rec/s ${round(out.mbPerSec)} MB/s (log ${round(logMbPerSec)}) · same-client limit ${row.limitLogMbPerSec} MB/s, ratio ${row.ratio} · bare streamer ${row.pipeLimitLogMbPerSec} MB/s, ratio ${row.pipeRatio} · broker busy ${row.brokerBusy} starved ${row.brokerStarved}, ${row.brokerCpuMsPerMb} ms CPU/MB · client CPU ${round(out.clientCpuMs / 1000 / out.seconds, 2)} of a core · load ${load1}`);
  return row;
}

// librdkafka looks up its group's coordinator even with manual assignment, and the first lookup
// creates __consumer_offsets (50 partitions: 0.1-0.2 s of broker CPU in mkdir, open and fsync,
// against rows of 20-60 MB): a one-record consume before the measured ones keeps it out of them.
await load<ConsumeOut>(['consume', '-b', brokers, '-t', produceRows[0]!.topic, '-n', '1', '-p', '1', '-T', '30'], 60_000);
for (const size of QUICK ? [1024] : [1024, 100]) {
  const source = produceRows.find((r) => r.size === size && r.partitions === 1 && r.acks === '1' && r.compression === 'none')!;
  const logFiles = segmentFiles(source.topic);
  await librdkafkaConsume('librdkafka', size, source.topic, source.records, logFiles, () => streamLimit(logFiles));
}

// Raw fetch of the raw 1 KiB partition (a few hundred MB) with the C fetcher (rdkafka-load
// raw-fetch): Fetch v12, 1 MB per request (the streamer's read size and librdkafka's
// max.partition.fetch.bytes), 4 requests in flight, answers read into one reused buffer and only
// their batch headers parsed, as raw-recv reads the streamer. The Node fetcher
// (bench/load/raw-kafka.ts fetch) spent ~1.4 ms of CPU per MB copying socket reads, more than the
// broker, so it measured itself (bench/FINDINGS.md). A pass takes a fraction of a second, so the
// row is the best of three passes, as the limit is; the broker's CPU and waits cover all three.
{
  const source = rawRows.find((r) => r.size === 1024 && r.partitions === 1 && r.acks === '1' && r.compression === 'none')!;
  const logFiles = segmentFiles(source.topic);
  const load1 = loadAverage()[0];
  type RawFetchOut = ConsumeOut & { logBytes: number; clientCpuMs: number };
  const passes: RawFetchOut[] = [];
  const cpu0 = cpuMs(brokerPid);
  const wait0 = runqueueMs(brokerPid);
  for (let i = 0; i < 3; i++) passes.push(await load<RawFetchOut>(['raw-fetch', '-b', brokers, '-t', source.topic, '-f', String(1 << 20), '-i', '4', '-T', '30'], 60_000));
  const brokerCpu = cpuMs(brokerPid) - cpu0;
  const brokerWait = runqueueMs(brokerPid) - wait0;
  const limit = await streamLimit(logFiles);
  // The librdkafka rows above read the 20-60 MB their produce rows wrote, a few tens of ms of
  // streaming; the same client over this partition (about ten times more) is the steadier figure.
  await librdkafkaConsume('librdkafka, raw topic', 1024, source.topic, passes[0]!.records, logFiles, () => Promise.resolve(limit));
  const out = passes.reduce((best, p) => (p.mbPerSec > best.mbPerSec ? p : best));
  const allSeconds = passes.reduce((sum, p) => sum + p.seconds, 0);
  const allBytes = passes.reduce((sum, p) => sum + p.logBytes, 0);
  const logMbPerSec = out.logBytes / out.seconds / 1e6;
  consumeRows.push({
    client: 'raw',
    size: 1024,
    partitions: 1,
    records: out.records,
    recordsPerSec: round(out.recordsPerSec, 0),
    mbPerSec: round((out.records * 1024) / out.seconds / 1e6),
    logMbPerSec: round(logMbPerSec),
    firstRecordMs: out.firstRecordMs,
    limitKind: 'bare streamer',
    limitLogMbPerSec: round(limit.mbPerSec),
    ratio: round(logMbPerSec / limit.mbPerSec, 3),
    pipeLimitLogMbPerSec: round(limit.mbPerSec),
    pipeRatio: round(logMbPerSec / limit.mbPerSec, 3),
    load1,
    brokerCpuMsPerMb: round(brokerCpu / (allBytes / 1e6), 2),
    brokerBusy: round(brokerCpu / 1000 / allSeconds, 2),
    brokerStarved: round(brokerWait / 1000 / allSeconds, 2),
  });
  const row = consumeRows.at(-1)!;
  const clientCpu = passes.reduce((sum, p) => sum + p.clientCpuMs, 0) / 1000 / allSeconds;
  log(`raw consume 1024 B (C fetcher, best of 3): ${row.recordsPerSec} rec/s (log ${row.logMbPerSec} MB/s; passes ${passes.map((p) => round(p.mbPerSec, 0)).join(' / ')}) · limit ${row.limitLogMbPerSec} MB/s · ratio ${row.ratio} · broker busy ${row.brokerBusy} starved ${row.brokerStarved}, ${row.brokerCpuMsPerMb} ms CPU/MB · client CPU ${round(clientCpu, 2)} of a core · load ${load1}`);
}

// ---------- produce latency at fixed fractions of the peak ----------

interface LatencyRow {
  fraction: number;
  rate: number;
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  cdf: number[];
  load1: number;
  brokerBusy: number;
  brokerStarved: number;
}
const peak = produceRows.find((r) => r.size === 1024 && r.partitions === 1 && r.acks === '1' && r.compression === 'none')!;
const latencyRows: LatencyRow[] = [];
let latencyCapacity: number;
{
  // Each run below starts without the data of the phases and runs before it (deleteTopics).
  // Written back, not dropped: dropping evicted the broker's own code (the first paced second
  // then waited on page-ins), and memory left free is what the VM hands back to its host.
  await deleteTopics([...liveTopics]);
  await settlePageCache(false);
  const { topic: peakTopic } = await mustCreateTopic('latency-peak-1024b', 1);
  // The fractions are of the peak of the paced runs' own client settings: their unpaced rate,
  // sustained for as long as a paced run lasts. The batched peak (linger 5 ms, 1 MB requests) is
  // another client configuration, which a latency-tuned client may not reach; and a burst of a
  // million records (what this was until 2026-12-06) lasted about a second, while a paced run
  // lasts five: on this machine a page-cache write costs 0.3 ms per MB in one stretch and 2-3 ms
  // in another (bench/FINDINGS.md), so half of a one-second burst could be more than the machine
  // sustains for five seconds, and the 50 % row measured queueing, not latency.
  const seconds = QUICK ? 2 : 5;
  const capacity = await load<ProduceOut>(['produce', '-b', brokers, '-t', peakTopic, '-n', String(2_000_000 * seconds), '-s', '1024', '-a', '1', '-p', '1', '-l', '1', '-m', '5', '-T', String(seconds)], 60_000);
  latencyCapacity = round(capacity.recordsPerSec, 0);
  log(`peak with the latency runs' client settings (linger 1 ms, 5 in flight, unpaced for ${seconds} s): ${latencyCapacity} rec/s (batched peak ${peak.recordsPerSec}) · load ${loadAverage()[0]}`);
  for (const fraction of [0.25, 0.5, 0.75]) {
    const rate = Math.round(latencyCapacity * fraction);
    // The run before is deleted and what it left dirty written back, so no run starts behind
    // another's writeback or writes into memory another's data holds.
    await deleteTopics([...liveTopics]);
    await run('sync', [], 120_000);
    const { topic } = await mustCreateTopic(`latency-${fraction * 100}pct-1024b`, 1);
    const load1 = loadAverage()[0];
    // linger.ms=1 and 5 requests in flight (Java's default): the client adds at most 1 ms of its
    // own wait (librdkafka's default linger is 5 ms), and records that arrive while 5 requests
    // are out are batched into the next one. With linger.ms=0 and no in-flight bound the client
    // sends a request per handful of records and the broker's per-request cost dominates.
    const cpu0 = cpuMs(brokerPid);
    const wait0 = runqueueMs(brokerPid);
    const out = await load<ProduceOut>(['produce', '-b', brokers, '-t', topic, '-n', String(rate * seconds), '-s', '1024', '-a', '1', '-p', '1', '-r', String(rate), '-l', '1', '-m', '5', '-T', String(seconds * 2)], 60_000);
    const brokerBusy = round((cpuMs(brokerPid) - cpu0) / 1000 / out.seconds, 2);
    const brokerStarved = round((runqueueMs(brokerPid) - wait0) / 1000 / out.seconds, 2);
    latencyRows.push({ fraction, rate, achievedRate: round(out.recordsPerSec, 0), p50Ms: out.p50Ms, p99Ms: out.p99Ms, p999Ms: out.p999Ms, cdf: out.cdf, load1, brokerBusy, brokerStarved });
    log(`latency at ${fraction * 100} % of peak (${rate} rec/s, achieved ${round(out.recordsPerSec, 0)}): p50 ${out.p50Ms} ms p99 ${out.p99Ms} ms p99.9 ${out.p999Ms} ms · broker busy ${brokerBusy} starved ${brokerStarved} · load ${load1}`);
  }
}
// The latency floor: one record-sized frame at a time through the bare append server.
const latencyLimit = await load<RawOut>(['raw-send', '-b', `127.0.0.1:${appendLimit.port}`, '-n', String(1100 * 5000), '-f', '1100', '-i', '1', '-T', '10'], 30_000);
log(`latency limit (bare round trip, 1 frame in flight): p50 ${latencyLimit.p50Ms} ms p99 ${latencyLimit.p99Ms} ms p99.9 ${latencyLimit.p999Ms} ms`);
// The same paced client at the 50 % rate against the Kafka-speaking append server: how much of
// the latency is the client and the machine (two cores shared with the client's threads).
const halfRate = latencyRows.find((r) => r.fraction === 0.5)!.rate;
await run('sync', [], 120_000);
const sameClientLatency = await load<ProduceOut>(['produce', '-b', `127.0.0.1:${kafkaAppendLimit.port}`, '-t', 'limit-p1', '-n', String(halfRate * (QUICK ? 2 : 5)), '-s', '1024', '-a', '1', '-p', '1', '-r', String(halfRate), '-l', '1', '-m', '5', '-T', String(QUICK ? 4 : 10)], 60_000);
truncateSync(kafkaAppendFile, 0);
log(`latency limit (the same paced client at ${halfRate} rec/s against the Kafka-speaking append server): p50 ${sameClientLatency.p50Ms} ms p99 ${sameClientLatency.p99Ms} ms p99.9 ${sameClientLatency.p999Ms} ms`);

// ---------- scaling: connections ----------

interface ConnectionRow {
  connections: number;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  p99Ms: number;
  load1: number;
}
const connectionRows: ConnectionRow[] = [];
{
  const { topic } = await mustCreateTopic('connections', 8);
  for (const connections of QUICK ? [1, 10] : [1, 10, 100]) {
    const load1 = loadAverage()[0];
    const out = await load<ProduceOut>(['produce', '-b', brokers, '-t', topic, '-n', String(QUICK ? 40_000 : 100_000), '-s', '1024', '-a', '1', '-p', '8', '-c', String(connections), '-T', QUICK ? '8' : '15'], 90_000);
    connectionRows.push({ connections, records: out.delivered, recordsPerSec: round(out.recordsPerSec, 0), mbPerSec: round(out.mbPerSec), p99Ms: out.p99Ms, load1 });
    log(`${connections} connections: ${round(out.recordsPerSec, 0)} rec/s ${round(out.mbPerSec)} MB/s p99 ${out.p99Ms} ms · load ${load1}`);
  }
}

// ---------- scaling: partitions (last: a broker out of file descriptors serves nothing after) ----------

interface PartitionRow {
  partitions: number;
  createMs: number;
  createError: string;
  metadataPartitions: number;
  produceServed: number;
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  p99Ms: number;
  failed: number;
  load1: number;
}
const partitionRows: PartitionRow[] = [];
for (const partitions of QUICK ? [1, 100] : [1, 100, 1000, 10_000]) {
  const { topic, ms, led: servedByMetadata, error } = await createTopic(`scale-${partitions}p`, partitions, QUICK ? 20_000 : 45_000);
  if (error) log(`${partitions} partitions: CreateTopics: ${error}`);
  // At least one record per partition, so every partition must acknowledge a produce.
  const count = Math.max(QUICK ? 40_000 : 100_000, partitions);
  const load1 = loadAverage()[0];
  // A broker that cannot serve every partition is a result of this step, not the end of the run.
  const out = await load<ProduceOut>(['produce', '-b', brokers, '-t', topic, '-n', String(count), '-s', '1024', '-a', '1', '-p', String(partitions), '-T', QUICK ? '8' : '30'], 120_000).catch(
    (e: Error): ProduceOut => ({ delivered: 0, failed: count, firstError: e.message.split('\n').filter(Boolean).pop() ?? e.message, seconds: 0, recordsPerSec: 0, mbPerSec: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, partitionsServed: 0, requests: 0, requestBytes: 0, cdf: [] }),
  );
  if (out.firstError) log(`${partitions} partitions: produce: ${out.firstError}`);
  partitionRows.push({ partitions, createMs: round(ms, 0), createError: [error, out.firstError].filter(Boolean).join('; '), metadataPartitions: servedByMetadata, produceServed: out.partitionsServed, records: out.delivered, recordsPerSec: round(out.recordsPerSec, 0), mbPerSec: round(out.mbPerSec), p99Ms: out.p99Ms, failed: count - out.delivered, load1 });
  log(`${partitions} partitions: created in ${round(ms, 0)} ms, ${servedByMetadata} in Metadata, ${out.partitionsServed} acknowledged a produce; ${round(out.recordsPerSec, 0)} rec/s ${round(out.mbPerSec)} MB/s · load ${load1}`);
}

clearInterval(sampler);
const hwmMb = procStatusMb(brokerPid, 'VmHWM');
await within(admin.disconnect(), 5000, 'disconnect').catch(() => undefined);
await stopChild(broker.child);
await stopChild(appendLimit.child);
await stopChild(kafkaAppendLimit.child);
rmSync(work, { recursive: true, force: true });

// ---------- start-up (bench/startup, its own fresh processes) ----------

let startup: { startupMsMedian: number; startupMsMin: number; startupCpuMsMedian: number; idleRssMbMedian: number; runs: number } | undefined;
if (!SKIP_STARTUP) {
  const load1 = loadAverage()[0];
  await run(process.execPath, [...tsxImport, join(ROOT, 'bench/startup/startup.bench.ts')], 120_000, { ...process.env, STARTUP_RUNS: QUICK ? '3' : '5' });
  startup = { ...(JSON.parse(readFileSync(join(RESULTS, 'startup.json'), 'utf8')) as NonNullable<typeof startup>), ...{ load1 } };
  log(`start-up: median ${startup.startupMsMedian} ms (min ${startup.startupMsMin}; broker CPU ${startup.startupCpuMsMedian} ms), idle RSS ${startup.idleRssMbMedian} MB · load ${load1}`);
}

// ---------- report ----------

const oneKiB = peak;
const consume1k = consumeRows.find((r) => r.client === 'librdkafka, raw topic')!;
const rawProduce1k = rawRows.find((r) => r.size === 1024 && r.partitions === 1 && r.acks === '1' && r.compression === 'none')!;
const rawConsume1k = consumeRows.find((r) => r.size === 1024 && r.client === 'raw')!;
const half = latencyRows.find((r) => r.fraction === 0.5)!;
const tenK = partitionRows.find((r) => r.partitions === 10_000);
const goals = [
  { goal: 'produce ≥ 60 % of the limit (1 KiB, 1 partition, acks=1; librdkafka, limit = the same client against the Kafka-speaking append server)', value: `${round(oneKiB.ratio * 100)} % (${round(oneKiB.pipeRatio * 100)} % of the bare-frame limit)`, met: oneKiB.ratio >= 0.6 },
  { goal: 'consume ≥ 70 % of the limit (1 KiB, 1 partition; librdkafka over the raw topic, limit = the same client against the Kafka-speaking streamer)', value: `${round(consume1k.ratio * 100)} % (${round(consume1k.pipeRatio * 100)} % of the bare streamer)`, met: consume1k.ratio >= 0.7 },
  // The same two goals with the broker-bound raw clients against the bare limits (bench/load/raw-kafka.ts produce, rdkafka-load raw-fetch).
  { goal: 'produce ≥ 60 % of the bare-frame limit, raw client (1 KiB, 1 partition, acks=1)', value: `${round(rawProduce1k.ratio * 100)} %`, met: rawProduce1k.ratio >= 0.6 },
  { goal: 'consume ≥ 70 % of the bare streamer, raw C fetcher (1 KiB, 1 partition)', value: `${round(rawConsume1k.ratio * 100)} %`, met: rawConsume1k.ratio >= 0.7 },
  { goal: 'p99 produce latency < 5 ms at 50 % of peak (the unpaced rate of the same client settings)', value: `${half.p99Ms} ms`, met: half.p99Ms < 5 },
  ...(startup
    ? [
        { goal: 'start-up < 150 ms', value: `${startup.startupMsMedian} ms`, met: startup.startupMsMedian < 150 },
        { goal: 'idle RSS < 60 MB', value: `${startup.idleRssMbMedian} MB`, met: startup.idleRssMbMedian < 60 },
      ]
    : []),
  ...(tenK ? [{ goal: '10,000 partitions served (Metadata and a produce to each)', value: `${tenK.metadataPartitions} / ${tenK.produceServed}`, met: tenK.metadataPartitions === 10_000 && tenK.produceServed === 10_000 }] : []),
];

const at = new Date();
const result = {
  bench: 'sluice-vs-limit',
  quick: QUICK,
  at: at.toISOString(),
  seconds: round((Date.now() - started) / 1000),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadAverageAtEnd: loadAverage(), pageCacheDroppedAtStart: pageCacheDropped },
  // What was measured: the built bundle (possibly from a working tree ahead of HEAD), not the source.
  broker: { distBuiltAt: statSync(join(ROOT, 'dist/sluice.cjs')).mtime.toISOString(), head: (await run('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], 10_000).catch(() => '')).trim() },
  goals,
  produce: produceRows,
  kafkajs: kafkajsRows,
  raw: rawRows,
  consume: consumeRows,
  latency: {
    rows: latencyRows,
    limit: latencyLimit,
    sameClientLimitAtHalf: { rate: halfRate, achievedRate: round(sameClientLatency.recordsPerSec, 0), p50Ms: sameClientLatency.p50Ms, p99Ms: sameClientLatency.p99Ms, p999Ms: sameClientLatency.p999Ms },
    capacityAtLatencySettings: latencyCapacity,
  },
  partitions: partitionRows,
  connections: connectionRows,
  memory: { idleRssMb: round(idleRssMb), loadRssMaxMb: round(loadRssMaxMb), vmHwmMb: round(hwmMb) },
  startup,
};

const md: string[] = [];
md.push(`# Sluice against the limit of this machine`, '');
md.push(`${at.toISOString()}${QUICK ? ' (quick run)' : ''} · broker dist/ built ${result.broker.distBuiltAt} (HEAD ${result.broker.head}) · ${result.machine.cpus} × ${result.machine.model} · Node ${process.version} · load average at the end ${result.machine.loadAverageAtEnd.join(' ')} · clean page cache ${pageCacheDropped ? 'dropped at the start' : 'not dropped (not root): page-cache writes may be paced by reclaim'}. Each Sluice figure has two limits measured in the same run (bench/limit), each the best of three tries, Sluice one try. *Same client*: the same client with the same settings against a Node server that answers just enough Kafka (ApiVersions, Metadata, FindCoordinator, ListOffsets, Produce into a file, Fetch of whole batches from the same segment files) and does nothing else; it is the *ratio* for the librdkafka and kafkajs rows, since on this 2-core machine the client's own work shares the cores with the server. *Bare*: frames of the same size from a sender with no per-record work into a bare append server, and a bare file → socket streamer over the same segment files; it is the ratio for the raw rows (a client with no per-record work) and the *bare ratio* of every row. Both servers read into one reused 1 MiB buffer, as Sluice does. Rows taken at a load average well above the core count are noise.`, '');
md.push('## Goals', '', '| goal | measured | met |', '|---|---|---|');
for (const g of goals) md.push(`| ${g.goal} | ${g.value} | ${g.met ? 'yes' : '**no**'} |`);
md.push('', '## Produce (librdkafka C generator; raw: pre-encoded requests, bench/load/raw-kafka.ts; kafkajs for reference)', '');
md.push('*broker busy* = the broker\'s CPU time during the run ÷ the run\'s duration. *broker starved* = the time its main thread was runnable but waiting for a core (other processes on the machine), ÷ the same duration. Busy + starved near 1: the broker paces the run; well below 1: it waits for the client. The raw rows are meant to be the broker-bound figures.', '');
md.push('| client | record | partitions | acks | compression | records/s | MB/s (values) | MB/s (wire) | p50 / p99 / p99.9 ms | avg request | limit | limit MB/s (wire) | limit records/s | ratio | bare limit MB/s (wire) | bare ratio | broker busy | broker starved | broker ms CPU/MB | load |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const dash = (v: number, unit = ''): string => (Number.isNaN(v) ? '–' : `${v}${unit}`);
for (const r of [...produceRows, ...rawRows, ...kafkajsRows])
  md.push(`| ${r.client} | ${r.size} B | ${r.partitions} | ${r.acks} | ${r.compression} | ${r.recordsPerSec} | ${r.mbPerSec} | ${dash(r.wireMbPerSec)} | ${r.p50Ms} / ${r.p99Ms} / ${r.p999Ms} | ${dash(r.requestBytesAvg, ' B')} | ${r.limitKind} | ${dash(r.limitWireMbPerSec)} | ${r.limitRecordsPerSec} | ${r.ratio} | ${r.pipeLimitWireMbPerSec} | ${r.pipeRatio} | ${dash(r.brokerBusy)} | ${dash(r.brokerStarved)} | ${dash(r.brokerCpuMsPerMb)} | ${r.load1} |`);
md.push('', 'Produce latencies under full load are queueing in the client (everything is sent at once); see the paced runs below for latency. kafkajs latencies are per send() of a batch.', '');
md.push('## Consume from the beginning (librdkafka, manual assignment, also over the raw topic; raw: C fetcher, Fetch v12, 1 MB per request, 4 in flight, best of 3 passes)', '');
md.push('| client | record | records | records/s | MB/s (values) | MB/s (log bytes) | first record after | limit | limit MB/s (log bytes, same segment files) | ratio | bare streamer MB/s | bare ratio | broker busy | broker starved | broker ms CPU/MB | load |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of consumeRows) md.push(`| ${r.client} | ${r.size} B | ${r.records} | ${r.recordsPerSec} | ${r.mbPerSec} | ${r.logMbPerSec} | ${r.firstRecordMs} ms | ${r.limitKind} | ${r.limitLogMbPerSec} | ${r.ratio} | ${r.pipeLimitLogMbPerSec} | ${r.pipeRatio} | ${r.brokerBusy} | ${r.brokerStarved} | ${r.brokerCpuMsPerMb} | ${r.load1} |`);
md.push('', '## Produce latency at fixed rates (1 KiB, 1 partition, acks=1, linger.ms=1, 5 requests in flight)', '');
md.push('| fraction of peak | target records/s | achieved | p50 ms | p99 ms | p99.9 ms | broker busy | broker starved | load |', '|---|---|---|---|---|---|---|---|---|');
for (const r of latencyRows) md.push(`| ${r.fraction * 100} % | ${r.rate} | ${r.achievedRate} | ${r.p50Ms} | ${r.p99Ms} | ${r.p999Ms} | ${r.brokerBusy} | ${r.brokerStarved} | ${r.load1} |`);
md.push(`| limit: bare round trip, one 1,100 B frame in flight | | | ${latencyLimit.p50Ms} | ${latencyLimit.p99Ms} | ${latencyLimit.p999Ms} | | | |`);
md.push(`| limit: the same paced client at the 50 % rate, Kafka-speaking append server | ${halfRate} | ${round(sameClientLatency.recordsPerSec, 0)} | ${sameClientLatency.p50Ms} | ${sameClientLatency.p99Ms} | ${sameClientLatency.p999Ms} | | | |`);
md.push('', `Fractions are of the peak with the paced runs' own client settings, sustained as long as a paced run lasts: unpaced for ${QUICK ? 2 : 5} s, with linger 1 ms and 5 requests in flight, the broker took ${latencyCapacity} records/s (the batched peak above, linger 5 ms and 1 MB requests, was ${peak.recordsPerSec}). Each paced run starts after a \`sync\`. *broker busy* and *starved* as in the produce table.`);
md.push('', `![latency CDF](latency-cdf${QUICK ? '-quick' : ''}.svg)`, '');
md.push('## Scaling with partitions (1 KiB records, acks=1, round-robin over every partition)', '');
md.push('| partitions | create topic (errors) | partitions in Metadata | partitions that acknowledged a produce | records | records/s | MB/s | p99 ms | not delivered | load |', '|---|---|---|---|---|---|---|---|---|---|');
for (const r of partitionRows) md.push(`| ${r.partitions} | ${r.createMs} ms${r.createError ? ` (${r.createError})` : ''} | ${r.metadataPartitions} | ${r.produceServed} | ${r.records} | ${r.recordsPerSec} | ${r.mbPerSec} | ${r.p99Ms} | ${r.failed} | ${r.load1} |`);
md.push('', `![throughput vs partitions](throughput-vs-partitions${QUICK ? '-quick' : ''}.svg)`, '');
md.push('## Scaling with connections (1 KiB, 8 partitions, acks=1; one librdkafka producer per connection)', '');
md.push('| connections | records | records/s | MB/s | p99 ms | load |', '|---|---|---|---|---|---|');
for (const r of connectionRows) md.push(`| ${r.connections} | ${r.records} | ${r.recordsPerSec} | ${r.mbPerSec} | ${r.p99Ms} | ${r.load1} |`);
md.push('', '## Memory and start-up', '');
md.push('| metric | value |', '|---|---|');
md.push(`| broker RSS idle (after start, before load) | ${result.memory.idleRssMb} MB |`);
md.push(`| broker RSS under load (max sampled every 100 ms) | ${result.memory.loadRssMaxMb} MB |`);
md.push(`| broker VmHWM at the end | ${result.memory.vmHwmMb} MB |`);
if (startup) {
  md.push(`| start-up: spawn → first produce acknowledged (bench/startup, median of ${startup.runs}) | ${startup.startupMsMedian} ms (min ${startup.startupMsMin}) |`);
  md.push(`| start-up: broker CPU (user + system) until the first produce is acknowledged, median | ${startup.startupCpuMsMedian} ms |`);
  md.push(`| idle RSS (bench/startup, median) | ${startup.idleRssMbMedian} MB |`);
}
md.push('');
const markdown = md.join('\n');

const stamp = at.toISOString().replace(/[:.]/g, '-');
const suffix = QUICK ? '-quick' : '';
writeFileSync(join(RESULTS, `sluice-${stamp}${suffix}.json`), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(RESULTS, `sluice-${stamp}${suffix}.md`), markdown);
// A quick run never replaces the full run's latest results: it writes latest-quick.* instead.
writeFileSync(join(RESULTS, `latest${suffix}.json`), JSON.stringify(result, null, 2) + '\n');
writeFileSync(join(RESULTS, `latest${suffix}.md`), markdown);
writeFileSync(
  join(RESULTS, `throughput-vs-partitions${suffix}.svg`),
  lineChart({
    title: 'Produce throughput vs partitions (1 KiB, acks=1)',
    xLabel: 'partitions (log scale)',
    yLabel: 'records/s',
    xLog: true,
    series: [{ name: 'Sluice', points: partitionRows.map((r) => [r.partitions, r.recordsPerSec]) }],
    rules: [{ y: peak.limitRecordsPerSec, label: `limit, 1 partition (${peak.limitRecordsPerSec} rec/s)` }],
  }),
);
writeFileSync(
  join(RESULTS, `latency-cdf${suffix}.svg`),
  lineChart({
    title: 'Produce latency CDF (1 KiB, 1 partition, acks=1)',
    xLabel: 'latency ms (log scale)',
    yLabel: 'percentile',
    xLog: true,
    series: latencyRows.map((r) => ({ name: `${r.fraction * 100} % of peak`, points: r.cdf.map((ms, i): [number, number] => [Math.max(ms, 0.001), i === 100 ? 99.9 : i]) })),
  }),
);
log('');
log(markdown);
log(`bench/results: latest${suffix}.{json,md}, sluice-${stamp}${suffix}.{json,md}, throughput-vs-partitions${suffix}.svg, latency-cdf${suffix}.svg (${result.seconds} s)`);
