// Scenarios written once against the kafkajs API, shared by kafkajs itself
// and by @confluentinc/kafka-javascript's KafkaJS-compatible layer (librdkafka
// underneath). The small differences between the two go through `client`:
//
//   kafka                     the Kafka instance
//   CompressionTypes          { None, GZIP, Snappy, LZ4, ZSTD }
//   producer(opts)            opts: { compression, idempotent, transactionalId, noRetries }
//   consumer(opts)            opts: { groupId, readUncommitted, fromBeginning, autoCommit, fastHeartbeat }
//   subscribe(consumer, topic, fromBeginning)
//   watchAssignment(consumer, topic)  → () => partitions owned now
//   chosenPartition(topic, message, n) → partition the client's partitioner picks, or undefined
//   isTooLarge(error)         true for MESSAGE_TOO_LARGE from the broker
//   createPartitions(admin, topic, count)
//   topicConfig(admin, topic) → Map name → value, or null when the client has no DescribeConfigs
import * as kit from './runner-kit.js';

const { check, topicName, eventually } = kit;

/** Connects `c`, runs `fn(c)`, and always disconnects. */
async function using(c, fn) {
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.disconnect().catch(() => {});
  }
}

// kafkajs answers fetchTopicMetadata with { topics }, confluent-js with the array.
const topicsOf = (metadata) => (Array.isArray(metadata) ? metadata : metadata.topics);

const values = (n) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value-${i}-${'x'.repeat(200)}` }));
const text = (list) => list.map((m) => m.value.toString()).join();

export function kafkajsStyleScenarios(client) {
  const withAdmin = (fn) => using(client.kafka.admin(), fn);
  const withProducer = (opts, fn) => using(client.producer(opts), fn);

  async function createTopic(numPartitions = 1) {
    const topic = topicName();
    await withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }] }));
    await withAdmin((admin) =>
      eventually(async () => topicsOf(await admin.fetchTopicMetadata({ topics: [topic] }))[0]?.partitions.length === numPartitions, 10_000, `${topic} metadata`),
    );
    return topic;
  }

  /** Reads `count` messages from the start of `topic` with a throwaway group. */
  async function consume(topic, count, { readUncommitted = false } = {}) {
    const got = [];
    await using(client.consumer({ groupId: topicName('g'), readUncommitted, fromBeginning: true }), async (c) => {
      await client.subscribe(c, topic, true);
      await new Promise((resolve) => {
        c.run({
          eachMessage: async ({ partition, message }) => {
            got.push({ partition, ...message });
            if (got.length >= count) resolve();
          },
        });
      });
    });
    return got;
  }

  function produceConsume(compression) {
    return async () => {
      const topic = await createTopic(1);
      const messages = values(20);
      await withProducer({ compression }, (p) => p.send({ topic, messages }));
      const got = await consume(topic, messages.length);
      check(got.length === messages.length, `consumed ${got.length} of ${messages.length}`);
      got.forEach((m, i) => {
        check(m.key?.toString() === messages[i].key && m.value?.toString() === messages[i].value, `message ${i} differs: key ${m.key} at offset ${m.offset}, value of ${m.value?.length} bytes`);
        check(m.offset === String(i), `message ${i} has offset ${m.offset}`);
      });
    };
  }

  // kafkajs spells it Snappy, confluent-js SNAPPY: check every codec resolved
  // so a misspelt one cannot silently produce uncompressed batches.
  const CT = client.CompressionTypes;
  const codecs = { none: CT.None, gzip: CT.GZIP, snappy: CT.Snappy ?? CT.SNAPPY, lz4: CT.LZ4, zstd: CT.ZSTD };
  for (const [name, value] of Object.entries(codecs)) if (value === undefined) throw new Error(`no CompressionTypes entry for ${name}`);
  return {
    async 'api-versions-metadata'() {
      const topic = await createTopic(3);
      await withAdmin(async (admin) => {
        if (admin.describeCluster) {
          const { brokers } = await admin.describeCluster();
          const [host, port] = kit.BOOTSTRAP.split(':');
          check(brokers.some((b) => b.host === host && b.port === Number(port)), `advertised ${JSON.stringify(brokers)}`);
        }
        const [md] = topicsOf(await admin.fetchTopicMetadata({ topics: [topic] }));
        check(md.partitions.length === 3, `topic has ${md.partitions.length} partitions`);
        check(md.partitions.every((p) => p.leader >= 0), 'a partition has no leader');
        check((await admin.listTopics()).includes(topic), 'topic not listed');
      });
    },
    'produce-consume-none': produceConsume(codecs.none),
    'produce-consume-gzip': produceConsume(codecs.gzip),
    'produce-consume-snappy': produceConsume(codecs.snappy),
    'produce-consume-lz4': produceConsume(codecs.lz4),
    'produce-consume-zstd': produceConsume(codecs.zstd),

    async 'keyed-partitioning'() {
      const topic = await createTopic(4);
      const messages = values(24);
      const reported = new Map();
      await withProducer({}, async (p) => {
        for (const m of messages) {
          const [meta] = await p.send({ topic, messages: [m] });
          reported.set(m.key, meta.partition);
          const chosen = client.chosenPartition(topic, m, 4);
          if (chosen !== undefined) check(chosen === meta.partition, `${m.key}: partitioner says ${chosen}, produced to ${meta.partition}`);
        }
      });
      check(new Set(reported.values()).size > 1, 'all keys landed on one partition');
      for (const m of await consume(topic, messages.length)) {
        check(reported.get(m.key.toString()) === m.partition, `${m.key} consumed from ${m.partition}, produced to ${reported.get(m.key.toString())}`);
      }
    },

    async 'headers-timestamps'() {
      const topic = await createTopic(1);
      const timestamp = String(Date.now() - 3_600_000);
      const headers = { 'trace-id': 'abc', bin: Buffer.from([0, 1, 2, 255]) };
      await withProducer({}, (p) => p.send({ topic, messages: [{ key: 'k', value: 'v', timestamp, headers }] }));
      const [m] = await consume(topic, 1);
      check(m.timestamp === timestamp, `timestamp ${m.timestamp} != ${timestamp}`);
      check(m.headers['trace-id']?.toString() === 'abc', 'string header lost');
      check(Buffer.compare(Buffer.from(m.headers.bin ?? []), headers.bin) === 0, 'binary header lost');
    },

    async 'large-message'() {
      const topic = await createTopic(1);
      const big = Buffer.alloc(kit.LARGE_OK_VALUE_BYTES, 'a');
      await withProducer({ noRetries: true }, async (p) => {
        await p.send({ topic, messages: [{ value: big }] });
        const err = await p.send({ topic, messages: [{ value: Buffer.alloc(kit.MESSAGE_MAX_BYTES, 'b') }] }).then(() => null, (e) => e);
        check(err !== null, 'a batch over message.max.bytes was accepted');
        check(client.isTooLarge(err), `expected MESSAGE_TOO_LARGE, got ${kit.describeError(err)}`);
      });
      const [m] = await consume(topic, 1);
      check(m.value.length === big.length, `consumed ${m.value.length} bytes`);
    },

    async 'consumer-group-rebalance'() {
      const topic = await createTopic(4);
      const groupId = topicName('g');
      const member = async () => {
        const c = client.consumer({ groupId, fastHeartbeat: true });
        const owned = client.watchAssignment(c, topic);
        await c.connect();
        await client.subscribe(c, topic, false);
        await c.run({ eachMessage: async () => {} });
        return { c, owned };
      };
      const a = await member();
      try {
        await eventually(() => a.owned().length === 4, kit.TIMEOUT_MS / 2, 'the first member to own all 4 partitions');
        const b = await member();
        try {
          await eventually(() => a.owned().length > 0 && b.owned().length > 0 && a.owned().length + b.owned().length === 4, kit.TIMEOUT_MS / 2, 'both members to get partitions');
          check(new Set([...a.owned(), ...b.owned()]).size === 4, `assignments overlap: ${a.owned()} / ${b.owned()}`);
        } finally {
          await b.c.disconnect().catch(() => {});
        }
      } finally {
        await a.c.disconnect().catch(() => {});
      }
    },

    async 'commit-resume'() {
      const topic = await createTopic(1);
      const groupId = topicName('g');
      await withProducer({}, (p) => p.send({ topic, messages: values(10) }));
      // The first member reads 5 messages and commits offset 5, the next to read.
      await using(client.consumer({ groupId, fromBeginning: true, autoCommit: false }), async (c) => {
        await client.subscribe(c, topic, true);
        await new Promise((resolve, reject) =>
          c.run({
            eachMessage: async ({ message }) => {
              if (message.offset === '4') c.commitOffsets([{ topic, partition: 0, offset: '5' }]).then(resolve, reject);
            },
          }),
        );
      });
      const committed = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
      check(committed[0].partitions[0].offset === '5', `committed offset is ${committed[0].partitions[0].offset}`);
      const firstSeen = await using(client.consumer({ groupId, fromBeginning: true }), async (c) => {
        await client.subscribe(c, topic, true);
        return new Promise((resolve) => c.run({ eachMessage: async ({ message }) => resolve(message.offset) }));
      });
      check(firstSeen === '5', `resumed at offset ${firstSeen}`);
    },

    async 'idempotent-producer'() {
      const topic = await createTopic(1);
      const messages = values(30);
      await withProducer({ idempotent: true }, async (p) => {
        // Idempotence implies acks=all in both clients (confluent-js refuses acks in send()).
        for (let i = 0; i < messages.length; i += 10) await p.send({ topic, messages: messages.slice(i, i + 10) });
      });
      const got = await consume(topic, messages.length);
      check(got.map((m) => m.key.toString()).join() === messages.map((m) => m.key).join(), 'duplicates or gaps');
    },

    async transactions() {
      const topic = await createTopic(1);
      await withProducer({ transactionalId: topicName('tx'), idempotent: true }, async (p) => {
        const run = async (vals, end) => {
          const tx = await p.transaction();
          await tx.send({ topic, messages: vals.map((value) => ({ value })) });
          await tx[end]();
        };
        await run(['c1', 'c2'], 'commit');
        await run(['a1'], 'abort');
        await run(['c3'], 'commit');
      });
      const committed = await consume(topic, 3);
      check(text(committed) === 'c1,c2,c3', `read_committed saw ${text(committed)}`);
      const all = await consume(topic, 4, { readUncommitted: true });
      check(text(all) === 'c1,c2,a1,c3', `read_uncommitted saw ${text(all)}`);
    },

    async admin() {
      const topic = await createTopic(2);
      let note = '';
      await withAdmin(async (admin) => {
        const again = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }).then((created) => created, (e) => e);
        check(again === false || again instanceof Error, 'creating an existing topic succeeded');
        await client.createPartitions(admin, topic, 4);
        await eventually(async () => topicsOf(await admin.fetchTopicMetadata({ topics: [topic] }))[0].partitions.length === 4, 10_000, '4 partitions');
        const configs = await client.topicConfig(admin, topic);
        if (configs) {
          check(configs.get('cleanup.policy') === 'delete', `cleanup.policy is ${configs.get('cleanup.policy')}`);
          check(configs.has('retention.ms'), 'retention.ms missing from DescribeConfigs');
        } else note = 'client has no DescribeConfigs; create/delete topics and partitions checked';
        await admin.deleteTopics({ topics: [topic] });
        await eventually(async () => !(await admin.listTopics()).includes(topic), 10_000, 'the topic to disappear');
      });
      return note;
    },

    async 'list-offsets-by-timestamp'() {
      const topic = await createTopic(1);
      const t0 = Date.now() - 60_000;
      await withProducer({}, async (p) => {
        for (let i = 0; i < 3; i++) await p.send({ topic, messages: [{ value: `v${i}`, timestamp: String(t0 + i * 1000) }] });
      });
      await withAdmin(async (admin) => {
        const at = async (ts) => (await admin.fetchTopicOffsetsByTimestamp(topic, ts))[0].offset;
        check((await at(t0 - 1)) === '0', `before all → ${await at(t0 - 1)}`);
        check((await at(t0 + 500)) === '1', `t0+500 → ${await at(t0 + 500)}`);
        check((await at(t0 + 2000)) === '2', `exact timestamp → ${await at(t0 + 2000)}`);
        // No record at or after it: Kafka answers -1 and both clients map that to the log end.
        check((await at(t0 + 10_000)) === '3', `after all → ${await at(t0 + 10_000)}`);
        const [p0] = await admin.fetchTopicOffsets(topic);
        check(p0.low === '0' && p0.high === '3', `earliest/latest ${p0.low}/${p0.high}`);
      });
    },
  };
}
