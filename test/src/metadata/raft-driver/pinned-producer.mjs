// A kafkajs producer pinned to one broker, for the network-partition test: it runs inside the
// isolated node's network namespace (so it reaches only that node), sends acks=all records
// `iso-<k>` to one partition for a while, one at a time, and prints `ACK <value>` or
// `ERR <value> <error>` per send. Arguments: repo root, broker host:port, topic, partition, duration ms.
import console from 'node:console';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const [root, broker, topic, partitionArg, durationArg] = process.argv.slice(2);
const require = createRequire(join(root, 'package.json'));
const { Kafka, logLevel } = require('kafkajs');

const partition = Number(partitionArg);
const kafka = new Kafka({ clientId: 'pinned', brokers: [broker], logLevel: logLevel.NOTHING, requestTimeout: Number(process.env.PINNED_REQUEST_TIMEOUT_MS ?? 10000), connectionTimeout: 1000, retry: { retries: 0 } });
const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
const end = Date.now() + Number(durationArg);
try {
  await producer.connect();
  for (let k = 0; Date.now() < end; k++) {
    const value = `iso-${k}`;
    const sentAt = Date.now();
    try {
      await producer.send({ topic, acks: -1, timeout: 3000, messages: [{ partition, value }] });
      console.log(`ACK ${value}`);
    } catch (error) {
      const cause = error.cause ?? error;
      console.log(`ERR ${value} ${cause.type ?? cause.name}: ${String(error.message).replace(/\s+/g, ' ').slice(0, 80)} (after ${Date.now() - sentAt} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
} catch (error) {
  console.log(`ERR connect ${error.type ?? error.name}`);
}
await producer.disconnect().catch(() => undefined);
process.exit(0);
