// Start-up and idle memory: spawn `sluice start` and time until the first produce is
// acknowledged (a raw-protocol client: Metadata with auto-creation, then Produce acks=1),
// then read the idle RSS. Run: npm run build && npx tsx bench/startup/startup.bench.ts
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { encodeRequestFrame, decodeResponseFrame } from '../../protocol/frames.js';
import { MetadataRequest } from '../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../protocol/generated/message/metadata-response.js';
import { ProduceRequest } from '../../protocol/generated/message/produce-request.js';
import { ProduceResponse } from '../../protocol/generated/message/produce-response.js';
import { buildUncompressedRecordBatch } from '../../src/records/record-batch.js';
import { FrameReader } from '../../src/server/frame-reader.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.STARTUP_RUNS ?? 7);

function freePort(): Promise<number> {
  return new Promise((res) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

function connectWhenReady(port: number, deadline: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const attempt = (): void => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => res(socket));
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) rej(new Error('broker did not come up'));
        else setTimeout(attempt, 2);
      });
    };
    attempt();
  });
}

function roundTrip(socket: Socket, frame: Buffer): Promise<Buffer> {
  return new Promise((res) => {
    const reader = new FrameReader(1 << 30);
    const onData = (chunk: Buffer): void => {
      const frames = reader.push(chunk);
      if (frames.length > 0) {
        socket.off('data', onData);
        res(frames[0]!);
      }
    };
    socket.on('data', onData);
    socket.write(frame);
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** CPU time (user + system) the process has used, ms; clock-tick resolution (10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function once(): Promise<{ startupMs: number; startupCpuMs: number; idleRssMb: number }> {
  const port = await freePort();
  const controllerPort = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/sluice.js'), 'start', '--port', String(port), '--controller-port', String(controllerPort), '--memory', '--log-level', 'warn'], { stdio: 'ignore' });
  try {
    const socket = await connectWhenReady(port, Date.now() + 10_000);
    const metadata = MetadataRequest.defaults();
    metadata.topics = [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'startup' }];
    metadata.allowAutoTopicCreation = true;
    const meta = decodeResponseFrame(await roundTrip(socket, encodeRequestFrame(3, 12, 1, 'bench', MetadataRequest, metadata)), 3, 12, MetadataResponse);
    if (meta.body.topics[0]?.errorCode !== 0) throw new Error(`metadata error ${meta.body.topics[0]?.errorCode}`);
    const produce = ProduceRequest.defaults();
    produce.acks = 1;
    produce.timeoutMs = 5000;
    produce.topicData = [{ name: 'startup', partitionData: [{ index: 0, records: buildUncompressedRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }]) }] }];
    const answer = decodeResponseFrame(await roundTrip(socket, encodeRequestFrame(0, 9, 2, 'bench', ProduceRequest, produce)), 0, 9, ProduceResponse);
    const startupMs = performance.now() - t0;
    // On a shared machine the wall time mostly measures the neighbours; the CPU the broker
    // spent to get here does not.
    const startupCpuMs = cpuMs(child.pid!);
    if (answer.body.responses[0]?.partitionResponses[0]?.errorCode !== 0) throw new Error('produce failed');
    socket.destroy();
    await new Promise((r) => setTimeout(r, 2000));
    return { startupMs, startupCpuMs, idleRssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGKILL');
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await once());
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const result = {
  bench: 'startup',
  runs: RUNS,
  startupMsMedian: Number(median(runs.map((r) => r.startupMs)).toFixed(1)),
  startupMsMin: Number(Math.min(...runs.map((r) => r.startupMs)).toFixed(1)),
  startupCpuMsMedian: median(runs.map((r) => r.startupCpuMs)),
  idleRssMbMedian: Number(median(runs.map((r) => r.idleRssMb)).toFixed(1)),
  goals: { startupMs: 150, idleRssMb: 60 },
  node: process.version,
  at: new Date().toISOString(),
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/startup.json'), JSON.stringify(result, null, 2) + '\n');
console.log('| metric | median | min | goal |\n|---|---|---|---|');
console.log(`| spawn → first produce acknowledged | ${result.startupMsMedian} ms | ${result.startupMsMin} ms | < 150 ms |`);
console.log(`| broker CPU (user + system) until then | ${result.startupCpuMsMedian} ms | | |`);
console.log(`| idle RSS | ${result.idleRssMbMedian} MB | | < 60 MB |`);
