// kafkajs reference producer: the same records the C generator sends, from the JavaScript
// client most Node users have. Run in its own process so its CPU use is not charged to the runner.
//
//   tsx bench/load/kafkajs-load.ts <brokers> <topic> <count> <size> <acks> <partitions> <seconds>
//
// Prints one JSON line like rdkafka-load's produce mode (records/s, MB/s, per-send latency).
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic, countText, sizeText, acksText, partitionsText, secondsText] = process.argv.slice(2);
const count = Number(countText);
const size = Number(sizeText);
const partitions = Number(partitionsText);
const deadline = Date.now() + Number(secondsText) * 1000;
// kafkajs sends one request per send(); batches of this many records keep it near its best.
const BATCH = size >= 1024 ? 250 : 1000;
const CONCURRENT = 4;

const kafka = new Kafka({ clientId: 'sluice-bench', brokers: [brokers!], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ allowAutoTopicCreation: true });
await producer.connect();
const value = Buffer.alloc(size, 'x');
const messages = Array.from({ length: BATCH }, () => ({ value }));
const latencies: number[] = [];
let next = 0;
let delivered = 0;
let failed = 0;
const t0 = performance.now();

async function lane(): Promise<void> {
  while (next < count && Date.now() < deadline) {
    const n = Math.min(BATCH, count - next);
    const partition = (next / BATCH) % partitions | 0;
    next += n;
    const start = performance.now();
    try {
      await producer.send({ topic: topic!, acks: Number(acksText), messages: messages.slice(0, n).map((m) => ({ ...m, partition })) });
      delivered += n;
      latencies.push(performance.now() - start);
    } catch {
      failed += n;
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENT }, lane));
const seconds = (performance.now() - t0) / 1000;
await producer.disconnect();
latencies.sort((a, b) => a - b);
const at = (p: number): number => Number((latencies[Math.round(p * (latencies.length - 1))] ?? 0).toFixed(3));
process.stdout.write(
  JSON.stringify({
    mode: 'kafkajs-produce',
    delivered,
    failed,
    seconds,
    recordsPerSec: delivered / seconds,
    mbPerSec: (delivered * size) / seconds / 1e6,
    // kafkajs has no per-record delivery report: these are per-send (per-batch) latencies.
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
  }) + '\n',
);
