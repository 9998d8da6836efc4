// A broker-bound Kafka load generator: pre-encoded Produce requests and plain Fetch requests over
// raw sockets, with no per-record work in the loop. librdkafka spends about a core building,
// copying and CRC-ing 1 KiB records on this 2-core machine, so its produce figure measures the
// client as much as the broker (bench/FINDINGS.md); this one builds its requests once, before
// the clock starts, with the project's own record-batch builder and generated codec.
//
//   tsx bench/load/raw-kafka.ts produce host:port topic [options]   -> one JSON line (ProduceOut shape)
//     --size B (1024)  --partitions P (1)  --acks 1|-1|all (1)  --compression none|lz4 (none)
//     --request-bytes B (1000000: librdkafka's batch.size/message.max.bytes)  --connections K (1)
//     --inflight N (5: max.in.flight.requests.per.connection)  --seconds T (10)  --bytes B (0 = unbounded)
//   tsx bench/load/raw-kafka.ts fetch host:port topic [options]     -> one JSON line (ConsumeOut shape + logBytes)
//     --partition N (0)  --max-bytes B (4 MiB)  --inflight N (4)  --seconds T (30)
//
// Produce: every request carries one batch per partition (non-idempotent: producerId -1, no
// sequence, so the same bytes may be sent again); each connection keeps up to --inflight
// requests outstanding, patches only the correlation id of a request buffer whose previous use
// was answered, decodes each response (per request, not per record) and checks every error code.
// Fetch (v12, by topic name, sessionless): the first answer gives the high watermark; [0, hw) is
// split into --inflight lanes fetched back-to-back on one connection, each lane advancing from
// the batch headers of its answers (walked by length, records never decoded). Bytes are counted
// per batch whose base offset lies in the lane, so the total is the log's bytes, once.
import { connect, type Socket } from 'node:net';
import { encodeRequestFrame, decodeResponseFrame } from '../../protocol/frames.js';
import { FetchRequest, FetchResponse, ProduceRequest, ProduceResponse, type FetchResponse as FetchResponseBody } from '../../protocol/generated/index.js';
import { buildRecordBatch, CompressionType, type RecordToWrite } from '../../src/records/index.js';

const PRODUCE = 0;
const FETCH = 1;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;

const [mode, hostPort, topic, ...rest] = process.argv.slice(2);
if ((mode !== 'produce' && mode !== 'fetch') || !hostPort || !topic) {
  process.stderr.write('usage: raw-kafka.ts produce|fetch host:port topic [--option value]...\n');
  process.exit(2);
}
const opts = new Map<string, string>();
for (let i = 0; i + 1 < rest.length; i += 2) opts.set(rest[i]!.replace(/^--/, ''), rest[i + 1]!);
const num = (name: string, fallback: number): number => (opts.has(name) ? Number(opts.get(name)) : fallback);
const [host, portText] = [hostPort.slice(0, hostPort.lastIndexOf(':')), hostPort.slice(hostPort.lastIndexOf(':') + 1)];

/**
 * Length-prefixed frames off a socket; a frame split across chunks is assembled once, into a
 * buffer reused for the next split frame (a fresh 1 MB buffer per Fetch answer costs ~2 ms of
 * page faults here, more than the broker's own CPU per MB), so `handle` must be done with the
 * frame when it returns.
 */
function onFrames(socket: Socket, handle: (frame: Buffer) => void): void {
  let pending: Buffer | undefined;
  let spare: Buffer | undefined;
  let filled = 0;
  let head: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    let pos = 0;
    while (pos < chunk.length) {
      if (pending) {
        const n = Math.min(pending.length - filled, chunk.length - pos);
        chunk.copy(pending, filled, pos, pos + n);
        filled += n;
        pos += n;
        if (filled === pending.length) {
          const frame = pending;
          pending = undefined;
          handle(frame);
        }
        continue;
      }
      const need = 4 - head.length;
      if (head.length > 0 || chunk.length - pos < 4) {
        head = Buffer.concat([head, chunk.subarray(pos, pos + need)]);
        pos += Math.min(need, chunk.length - pos);
        if (head.length < 4) continue;
      } else {
        head = chunk.subarray(pos, pos + 4);
        pos += 4;
      }
      const size = head.readInt32BE(0);
      head = Buffer.alloc(0);
      if (chunk.length - pos >= size) {
        handle(chunk.subarray(pos, pos + size));
        pos += size;
      } else {
        if (!spare || spare.length < size) spare = Buffer.allocUnsafe(size);
        pending = spare.subarray(0, size);
        filled = 0;
      }
    }
  });
}

function dial(): Promise<Socket> {
  return new Promise((res, rej) => {
    const socket = connect({ host, port: Number(portText) }, () => res(socket));
    socket.setNoDelay(true);
    socket.once('error', rej);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))]!.toFixed(3));
}

/** Text-like values (words and numbers), as bench/load/rdkafka-load.c: lz4 gets ~2:1, not 100:1. */
function textPool(bytes: number): Buffer {
  const words = ['order', 'id', 'status', 'shipped', 'amount', 'currency', 'EUR', 'user', 'created', 'true', 'false', 'null', 'region', 'items', 'price', 'sku'];
  let x = 88172645463325252n;
  const mask = (1n << 64n) - 1n;
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    x ^= (x << 13n) & mask;
    x ^= x >> 7n;
    x ^= (x << 17n) & mask;
    const part = x % 3n === 0n ? `${(x >> 20n) % 100000n},` : `${words[Number((x >> 8n) % 16n)]}:`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

async function produce(): Promise<void> {
  const size = num('size', 1024);
  const partitions = num('partitions', 1);
  const acksText = opts.get('acks') ?? '1';
  const acks = acksText === 'all' ? -1 : Number(acksText);
  const compression = opts.get('compression') ?? 'none';
  const requestBytes = num('request-bytes', 1_000_000);
  const connections = num('connections', 1);
  const inflight = num('inflight', 5);
  const seconds = num('seconds', 10);
  const byteLimit = num('bytes', 0);
  const codec = compression === 'lz4' ? CompressionType.LZ4 : compression === 'none' ? CompressionType.NONE : undefined;
  if (codec === undefined) throw new Error(`compression ${compression}: only none and lz4`);

  // One batch per partition per request, the request about `requestBytes` before compression
  // (a record of `size` bytes costs ~size + 10 bytes of framing in a batch).
  const perBatch = Math.max(1, Math.floor(requestBytes / partitions / (size + 10)));
  const pool = textPool(4 << 20);
  // Distinct requests per connection (one per in-flight slot): each its own buffer, so a buffer
  // is patched only after its previous send was answered, i.e. fully written and read.
  let poolPos = 0;
  const value = (): Buffer => {
    if (poolPos + size > pool.length) poolPos = 0;
    const v = pool.subarray(poolPos, poolPos + size);
    poolPos += 4099; // a different place per record, as the C generator does
    return v;
  };
  const buildRequest = async (): Promise<Buffer> => {
    const partitionData = [];
    for (let p = 0; p < partitions; p++) {
      const records: RecordToWrite[] = Array.from({ length: perBatch }, () => ({ key: null, value: value() }));
      partitionData.push({ index: p, records: await buildRecordBatch(records, { compression: codec }) });
    }
    return encodeRequestFrame(PRODUCE, PRODUCE_VERSION, 0, 'sluice-raw-produce', ProduceRequest, { transactionalId: null, acks, timeoutMs: 30_000, topicData: [{ name: topic!, partitionData }] });
  };
  const requests: Buffer[][] = [];
  for (let c = 0; c < connections; c++) {
    const slots: Buffer[] = [];
    for (let s = 0; s < inflight; s++) slots.push(c === 0 ? await buildRequest() : Buffer.from(requests[0]![s]!));
    requests.push(slots);
  }
  const frameBytes = requests[0]![0]!.length;
  const recordsPerRequest = perBatch * partitions;

  const sockets = await Promise.all(Array.from({ length: connections }, dial));
  const latencies: number[] = [];
  let acked = 0;
  let failed = 0;
  let firstError = '';
  let sentBytes = 0;
  const servedPartitions = new Set<number>();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let tEnd = t0;
  await Promise.all(
    sockets.map(
      (socket, c) =>
        new Promise<void>((done, fail) => {
          const slots = requests[c]!;
          const sentAt = new Float64Array(slots.length);
          let correlation = 0;
          let outstanding = 0;
          const more = (): boolean => performance.now() < deadline && (byteLimit === 0 || sentBytes < byteLimit) && !firstError;
          const send = (): void => {
            const id = correlation++;
            const slot = id % slots.length;
            const frame = slots[slot]!;
            frame.writeInt32BE(id, 8); // size(4) apiKey(2) apiVersion(2) correlationId(4)
            sentAt[slot] = performance.now();
            outstanding++;
            sentBytes += frame.length;
            socket.write(frame);
          };
          // Responses come back in request order on one connection, so slot = id % slots.
          onFrames(socket, (frame) => {
            const { correlationId, body } = decodeResponseFrame(frame, PRODUCE, PRODUCE_VERSION, ProduceResponse);
            const now = performance.now();
            latencies.push(now - sentAt[correlationId % slots.length]!);
            outstanding--;
            let ok = true;
            for (const t of body.responses)
              for (const p of t.partitionResponses) {
                if (p.errorCode !== 0) {
                  ok = false;
                  firstError ||= `partition ${p.index}: error code ${p.errorCode}`;
                } else servedPartitions.add(p.index);
              }
            if (ok) acked++;
            else failed++;
            tEnd = now;
            if (more()) send();
            else if (outstanding === 0) {
              socket.end();
              done();
            }
          });
          socket.on('error', fail);
          socket.on('close', () => (outstanding > 0 ? fail(new Error(`connection closed with ${outstanding} requests outstanding`)) : done()));
          for (let i = 0; i < slots.length && more(); i++) send();
        }),
    ),
  );
  const elapsed = (tEnd - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  const delivered = acked * recordsPerRequest;
  process.stdout.write(
    JSON.stringify({
      mode: 'raw-produce',
      delivered,
      failed: failed * recordsPerRequest,
      firstError,
      seconds: Number(elapsed.toFixed(4)),
      recordsPerSec: delivered / elapsed,
      mbPerSec: (delivered * size) / elapsed / 1e6,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      p999Ms: percentile(sorted, 0.999),
      partitionsServed: servedPartitions.size,
      requests: acked,
      requestBytes: acked * frameBytes,
      recordsPerRequest,
      frameBytes,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      cdf: [],
    }) + '\n',
  );
}

async function fetch(): Promise<void> {
  const partition = num('partition', 0);
  const maxBytes = num('max-bytes', 4 << 20);
  const lanes = num('inflight', 4);
  const seconds = num('seconds', 30);
  const socket = await dial();
  const request = (id: number, offset: bigint): Buffer =>
    encodeRequestFrame(FETCH, FETCH_VERSION, id, 'sluice-raw-fetch', FetchRequest, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: topic!, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
  const queue: Array<(frame: Buffer) => void> = [];
  onFrames(socket, (frame) => queue.shift()!(frame));
  // `use` runs while the frame is valid (it is reused afterwards); its result is what the lane awaits.
  const ask = <T>(id: number, offset: bigint, use: (body: FetchResponseBody) => T): Promise<T> =>
    new Promise((res, rej) => {
      queue.push((frame) => {
        try {
          res(use(decodeResponseFrame(frame, FETCH, FETCH_VERSION, FetchResponse).body));
        } catch (e) {
          rej(e instanceof Error ? e : new Error(String(e)));
        }
      });
      socket.write(request(id, offset));
    });
  const partitionOf = (body: FetchResponseBody): { records: Buffer | null; highWatermark: bigint } => {
    if (body.errorCode !== 0) throw new Error(`fetch error code ${body.errorCode}`);
    const p = body.responses[0]?.partitions[0];
    if (!p) throw new Error('fetch answer without the partition');
    if (p.errorCode !== 0) throw new Error(`fetch partition error code ${p.errorCode}`);
    return p;
  };

  let correlation = 0;
  // The high watermark, from a first fetch before the clock starts.
  const hw = await ask(correlation++, 0n, (body) => partitionOf(body).highWatermark);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let bytes = 0;
  let records = 0n;
  let firstRecordMs = -1;
  let requests = 0;
  /** Counts the batches of one answer that belong to the lane [from, to); returns the next offset. */
  const walk = (data: Buffer | null, offset: bigint, from: bigint, to: bigint): bigint => {
    requests++;
    if (!data || data.length < 61) throw new Error(`no whole batch at offset ${offset} (below the high watermark ${hw}; raise --max-bytes?)`);
    if (firstRecordMs < 0) firstRecordMs = performance.now() - t0;
    // Walk batch headers by length: baseOffset(8) batchLength(4) … lastOffsetDelta at 23.
    let pos = 0;
    let next = offset;
    while (pos + 61 <= data.length) {
      const total = 12 + data.readInt32BE(pos + 8);
      if (pos + total > data.length) break; // a partial batch at the end of the answer
      const base = data.readBigInt64BE(pos);
      const last = base + BigInt(data.readInt32BE(pos + 23));
      if (base >= to) break;
      // A batch straddling two lanes belongs to the lane its base offset is in.
      if (base >= from) {
        bytes += total;
        records += last + 1n - base;
      }
      next = last + 1n;
      pos += total;
    }
    if (next === offset) throw new Error(`no progress at offset ${offset}`);
    return next;
  };
  const lane = async (from: bigint, to: bigint): Promise<void> => {
    let offset = from;
    while (offset < to && performance.now() < deadline) {
      const at = offset;
      offset = await ask(correlation++, at, (body) => walk(partitionOf(body).records, at, from, to));
    }
  };
  const span = hw / BigInt(lanes) + 1n;
  const parts: Promise<void>[] = [];
  for (let l = 0n; l < BigInt(lanes); l++) {
    const from = l * span;
    const to = from + span < hw ? from + span : hw;
    if (from < to) parts.push(lane(from, to));
  }
  await Promise.all(parts);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  socket.end();
  process.stdout.write(
    JSON.stringify({
      mode: 'raw-fetch',
      records: Number(records),
      bytes,
      logBytes: bytes,
      highWatermark: Number(hw),
      requests,
      seconds: Number(elapsed.toFixed(4)),
      firstRecordMs: Number(firstRecordMs.toFixed(2)),
      recordsPerSec: Number(records) / elapsed,
      mbPerSec: bytes / elapsed / 1e6,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    }) + '\n',
  );
}

const timer = setTimeout(() => {
  process.stderr.write('raw-kafka: hard time limit reached\n');
  process.exit(3);
}, (num('seconds', 30) + 60) * 1000);
timer.unref();
await (mode === 'produce' ? produce() : fetch());
process.exit(0);
