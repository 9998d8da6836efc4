// kafkajs 2.2.4 scenario runner: `node run.js <scenario>` prints one JSON line.
import kafkajs from 'kafkajs';
import { registerCodecs } from './codecs.js';
import * as kit from '../lib/runner-kit.js';

const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;
const { check, topicName, eventually } = kit;

const kafka = new Kafka({
  clientId: 'sluice-compat-kafkajs',
  brokers: [kit.BOOTSTRAP],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
});

/** Runs `fn` with a connected client and always disconnects it. */
async function using(client, fn) {
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.disconnect().catch(() => {});
  }
}

const withAdmin = (fn) => using(kafka.admin(), fn);

async function createTopic(numPartitions = 1, configEntries = []) {
  const topic = topicName();
  await withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }], waitForLeaders: true }));
  return topic;
}

/** Reads `count` messages from the start of `topic` with a throwaway group. */
async function consume(topic, count, { readUncommitted = false } = {}) {
  const consumer = kafka.consumer({ groupId: topicName('g'), readUncommitted, maxWaitTimeInMs: 200 });
  const got = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise((resolve) => {
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({ partition, ...message });
          if (got.length >= count) resolve();
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return got;
}

const producerFor = (opts = {}) => kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...opts });

const values = (n) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value-${i}-${'x'.repeat(200)}` }));

function produceConsume(compression) {
  return async () => {
    const topic = await createTopic(1);
    const messages = values(20);
    await using(producerFor(), (p) => p.send({ topic, compression, messages }));
    const got = await consume(topic, messages.length);
    check(got.length === messages.length, `consumed ${got.length} of ${messages.length}`);
    got.forEach((m, i) => {
      check(m.key.toString() === messages[i].key && m.value.toString() === messages[i].value, `message ${i} differs`);
      check(m.offset === String(i), `message ${i} has offset ${m.offset}`);
    });
  };
}

const scenarios = {
  async 'api-versions-metadata'() {
    await withAdmin(async (admin) => {
      const cluster = await admin.describeCluster();
      check(cluster.brokers.length >= 1, 'no brokers in metadata');
      const [host, port] = kit.BOOTSTRAP.split(':');
      check(cluster.brokers.some((b) => b.host === host && b.port === Number(port)), `advertised ${JSON.stringify(cluster.brokers)}`);
      check(cluster.controller !== null && cluster.controller !== undefined, 'no controller');
    });
    const topic = await createTopic(3);
    await withAdmin(async (admin) => {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      check(md.topics[0].partitions.length === 3, `topic has ${md.topics[0].partitions.length} partitions`);
    });
  },
  'produce-consume-none': produceConsume(CompressionTypes.None),
  'produce-consume-gzip': produceConsume(CompressionTypes.GZIP),
  'produce-consume-snappy': produceConsume(CompressionTypes.Snappy),
  'produce-consume-lz4': produceConsume(CompressionTypes.LZ4),
  'produce-consume-zstd': produceConsume(CompressionTypes.ZSTD),

  async 'keyed-partitioning'() {
    const topic = await createTopic(4);
    const messages = values(24);
    // kafkajs' DefaultPartitioner is Java's murmur2; ask it what it chose.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: 0 }));
    const chosen = new Map(messages.map((m) => [m.key, partitioner({ topic, partitionMetadata, message: m })]));
    const metadata = await using(producerFor(), (p) => p.send({ topic, messages }));
    check(new Set(chosen.values()).size > 1, 'all keys hashed to one partition');
    const got = await consume(topic, messages.length);
    for (const m of got) check(chosen.get(m.key.toString()) === m.partition, `${m.key} on ${m.partition}, partitioner chose ${chosen.get(m.key.toString())}`);
    check(metadata.length > 1, 'produce response covered one partition only');
  },

  async 'headers-timestamps'() {
    const topic = await createTopic(1);
    const timestamp = String(Date.now() - 3_600_000);
    const headers = { 'trace-id': 'abc', bin: Buffer.from([0, 1, 2, 255]) };
    await using(producerFor(), (p) => p.send({ topic, messages: [{ key: 'k', value: 'v', timestamp, headers }] }));
    const [m] = await consume(topic, 1);
    check(m.timestamp === timestamp, `timestamp ${m.timestamp} != ${timestamp}`);
    check(m.headers['trace-id'].toString() === 'abc', 'string header lost');
    check(Buffer.compare(m.headers.bin, headers.bin) === 0, 'binary header lost');
  },

  async 'large-message'() {
    const topic = await createTopic(1);
    const big = Buffer.alloc(kit.LARGE_OK_VALUE_BYTES, 'a');
    await using(producerFor({ retry: { retries: 0 } }), async (p) => {
      await p.send({ topic, messages: [{ value: big }] });
      const err = await p.send({ topic, messages: [{ value: Buffer.alloc(kit.MESSAGE_MAX_BYTES, 'b') }] }).then(() => null, (e) => e);
      check(err !== null, 'a batch over message.max.bytes was accepted');
      const type = err.type ?? err.originalError?.type ?? err.cause?.type;
      check(type === 'MESSAGE_TOO_LARGE', `expected MESSAGE_TOO_LARGE, got ${kit.describeError(err)}`);
    });
    const [m] = await consume(topic, 1);
    check(m.value.length === big.length, `consumed ${m.value.length} bytes`);
  },

  async 'consumer-group-rebalance'() {
    const topic = await createTopic(4);
    const groupId = topicName('g');
    const assignments = new Map();
    const member = async (name) => {
      const c = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000, rebalanceTimeout: 15_000 });
      c.on(c.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment[topic] ?? []));
      await c.connect();
      await c.subscribe({ topic });
      await c.run({ eachMessage: async () => {} });
      return c;
    };
    const a = await member('a');
    try {
      await eventually(() => assignments.get('a')?.length === 4, kit.TIMEOUT_MS / 2, 'first member to own all 4 partitions');
      const b = await member('b');
      try {
        await eventually(() => assignments.get('a')?.length > 0 && assignments.get('b')?.length > 0 && assignments.get('a').length + assignments.get('b').length === 4, kit.TIMEOUT_MS / 2, 'both members to get partitions');
        const union = new Set([...assignments.get('a'), ...assignments.get('b')]);
        check(union.size === 4, `assignments overlap: ${JSON.stringify([...assignments])}`);
      } finally {
        await b.disconnect().catch(() => {});
      }
    } finally {
      await a.disconnect().catch(() => {});
    }
  },

  async 'commit-resume'() {
    const topic = await createTopic(1);
    const groupId = topicName('g');
    await using(producerFor(), (p) => p.send({ topic, messages: values(10) }));
    // First member reads 5 and commits offset 5 (the next one to read).
    const first = kafka.consumer({ groupId });
    await using(first, async (c) => {
      await c.subscribe({ topic, fromBeginning: true });
      await new Promise((resolve) => c.run({ autoCommit: false, eachMessage: async ({ message }) => {
        if (message.offset === '4') {
          await c.commitOffsets([{ topic, partition: 0, offset: '5' }]);
          resolve();
        }
      } }));
    });
    const committed = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    check(committed[0].partitions[0].offset === '5', `committed offset is ${committed[0].partitions[0].offset}`);
    const second = kafka.consumer({ groupId });
    const firstSeen = await using(second, async (c) => {
      await c.subscribe({ topic, fromBeginning: true });
      return new Promise((resolve) => c.run({ eachMessage: async ({ message }) => resolve(message.offset) }));
    });
    check(firstSeen === '5', `resumed at offset ${firstSeen}`);
  },

  async 'idempotent-producer'() {
    const topic = await createTopic(1);
    const messages = values(30);
    await using(producerFor({ idempotent: true, maxInFlightRequests: 1 }), async (p) => {
      for (let i = 0; i < messages.length; i += 10) await p.send({ topic, acks: -1, messages: messages.slice(i, i + 10) });
    });
    const got = await consume(topic, messages.length);
    check(got.map((m) => m.key.toString()).join() === messages.map((m) => m.key).join(), 'duplicates or gaps');
  },

  async transactions() {
    const topic = await createTopic(1);
    const producer = producerFor({ transactionalId: topicName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await using(producer, async (p) => {
      const committed = await p.transaction();
      await committed.send({ topic, messages: [{ value: 'c1' }, { value: 'c2' }] });
      await committed.commit();
      const aborted = await p.transaction();
      await aborted.send({ topic, messages: [{ value: 'a1' }] });
      await aborted.abort();
      const last = await p.transaction();
      await last.send({ topic, messages: [{ value: 'c3' }] });
      await last.commit();
    });
    const readCommitted = await consume(topic, 3);
    check(readCommitted.map((m) => m.value.toString()).join() === 'c1,c2,c3', `read_committed saw ${readCommitted.map((m) => m.value)}`);
    const readUncommitted = await consume(topic, 4, { readUncommitted: true });
    check(readUncommitted.map((m) => m.value.toString()).join() === 'c1,c2,a1,c3', `read_uncommitted saw ${readUncommitted.map((m) => m.value)}`);
  },

  async admin() {
    await withAdmin(async (admin) => {
      const topic = topicName();
      check(await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true }), 'createTopics said the topic existed');
      check((await admin.listTopics()).includes(topic), 'new topic not listed');
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      await eventually(async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length === 4, 10_000, '4 partitions');
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic }] });
      const entry = resources[0].configEntries.find((e) => e.configName === 'retention.ms');
      check(entry?.configValue === '3600000', `retention.ms is ${entry?.configValue}`);
      const cleanup = resources[0].configEntries.find((e) => e.configName === 'cleanup.policy');
      check(cleanup?.configValue === 'delete', `cleanup.policy is ${cleanup?.configValue}`);
      await admin.deleteTopics({ topics: [topic] });
      await eventually(async () => !(await admin.listTopics()).includes(topic), 10_000, 'topic to disappear');
      const dup = await admin.createTopics({ topics: [{ topic: 'compat-invalid/name' }] }).then(() => null, (e) => e);
      check(dup !== null, 'an invalid topic name was accepted');
    });
  },

  async 'list-offsets-by-timestamp'() {
    const topic = await createTopic(1);
    const t0 = Date.now() - 60_000;
    const messages = [0, 1, 2].map((i) => ({ value: `v${i}`, timestamp: String(t0 + i * 1000) }));
    await using(producerFor(), async (p) => {
      for (const m of messages) await p.send({ topic, messages: [m] });
    });
    await withAdmin(async (admin) => {
      const at = async (ts) => (await admin.fetchTopicOffsetsByTimestamp(topic, ts))[0].offset;
      check((await at(t0 - 1)) === '0', 'timestamp before all → offset 0');
      check((await at(t0 + 500)) === '1', `t0+500 → ${await at(t0 + 500)}`);
      check((await at(t0 + 2000)) === '2', 'exact timestamp → its offset');
      // No record at or after the timestamp: Kafka answers -1, kafkajs maps it to the log end.
      check((await at(t0 + 10_000)) === '3', `after all → ${await at(t0 + 10_000)}`);
      const [p0] = await admin.fetchTopicOffsets(topic);
      check(p0.low === '0' && p0.high === '3', `earliest/latest ${p0.low}/${p0.high}`);
    });
  },
};

await registerCodecs();
await kit.main(scenarios);
