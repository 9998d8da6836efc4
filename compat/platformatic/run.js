// @platformatic/kafka 1.x scenario runner (2.x needs Node 22):
// `node run.js <scenario>` prints one JSON line.
import zlib from 'node:zlib';
import {
  Admin,
  Consumer,
  Producer,
  ConfigResourceTypes,
  FetchIsolationLevels,
  defaultPartitioner,
  stringSerializers,
  stringDeserializers,
} from '@platformatic/kafka';
import * as kit from '../lib/runner-kit.js';

const { check, topicName, eventually } = kit;
const base = { clientId: 'sluice-compat-platformatic', bootstrapBrokers: [kit.BOOTSTRAP], timeout: 5000, retries: 2, retryDelay: 200 };

/** Runs `fn(client)` and always closes the client. */
async function using(client, fn) {
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => {});
  }
}

const withAdmin = (fn) => using(new Admin(base), fn);
const withProducer = (opts, fn) => using(new Producer({ ...base, serializers: stringSerializers, ...opts }), fn);
const newConsumer = (opts = {}) =>
  new Consumer({ ...base, groupId: topicName('g'), deserializers: stringDeserializers, maxWaitTime: 200, ...opts });

async function createTopic(partitions = 1) {
  const topic = topicName();
  await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions, replicas: 1 }));
  return topic;
}

/** Reads `count` messages from the start of `topic` with a throwaway group. */
async function consume(topic, count, { isolationLevel = FetchIsolationLevels.READ_COMMITTED } = {}) {
  return using(newConsumer(), async (consumer) => {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel });
    const got = [];
    for await (const message of stream) {
      got.push(message);
      if (got.length >= count) break;
    }
    await stream.close().catch(() => {});
    return got;
  });
}

/** The protocol error ids anywhere in a (possibly aggregated) error. */
function errorIds(e, out = []) {
  if (!e || typeof e !== 'object') return out;
  if (e.apiId) out.push(e.apiId);
  for (const inner of e.errors ?? []) errorIds(inner, out);
  errorIds(e.cause, out);
  return out;
}

const values = (n) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value-${i}-${'x'.repeat(200)}` }));

function produceConsume(compression) {
  return async () => {
    const topic = await createTopic(1);
    const messages = values(20).map((m) => ({ ...m, topic }));
    await withProducer({ compression }, (p) => p.send({ messages }));
    const got = await consume(topic, messages.length);
    got.forEach((m, i) => {
      check(m.key === messages[i].key && m.value === messages[i].value, `message ${i} differs`);
      check(m.offset === BigInt(i), `message ${i} has offset ${m.offset}`);
    });
  };
}

const scenarios = {
  async 'api-versions-metadata'() {
    const topic = await createTopic(3);
    await withAdmin(async (admin) => {
      const md = await admin.metadata({ topics: [topic] });
      const [host, port] = kit.BOOTSTRAP.split(':');
      const brokers = [...md.brokers.values()];
      check(brokers.some((b) => b.host === host && b.port === Number(port)), `advertised ${JSON.stringify(brokers)}`);
      check(md.topics.get(topic)?.partitionsCount === 3, `topic metadata ${JSON.stringify(md.topics.get(topic), (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    });
  },
  'produce-consume-none': produceConsume('none'),
  'produce-consume-gzip': produceConsume('gzip'),
  'produce-consume-snappy': produceConsume('snappy'),
  'produce-consume-lz4': produceConsume('lz4'),
  'produce-consume-zstd': produceConsume('zstd'),

  async 'keyed-partitioning'() {
    const topic = await createTopic(4);
    const chosen = new Map();
    await withProducer({}, async (p) => {
      for (const m of values(24)) {
        const { offsets } = await p.send({ messages: [{ ...m, topic }] });
        // The client's own partitioner: murmur2(key) >>> 0, modulo the partition count.
        const want = defaultPartitioner(m, Buffer.from(m.key)) % 4;
        check(offsets[0].partition === want, `${m.key}: partitioner says ${want}, produced to ${offsets[0].partition}`);
        chosen.set(m.key, offsets[0].partition);
      }
    });
    check(new Set(chosen.values()).size > 1, 'all keys landed on one partition');
    for (const m of await consume(topic, 24)) check(chosen.get(m.key) === m.partition, `${m.key} consumed from ${m.partition}, produced to ${chosen.get(m.key)}`);
  },

  async 'headers-timestamps'() {
    const topic = await createTopic(1);
    const timestamp = BigInt(Date.now() - 3_600_000);
    await withProducer({}, (p) => p.send({ messages: [{ topic, key: 'k', value: 'v', timestamp, headers: { 'trace-id': 'abc' } }] }));
    const [m] = await consume(topic, 1);
    check(m.timestamp === timestamp, `timestamp ${m.timestamp} != ${timestamp}`);
    check(m.headers.get('trace-id') === 'abc', `headers ${[...m.headers]}`);
  },

  async 'large-message'() {
    const topic = await createTopic(1);
    const big = 'a'.repeat(kit.LARGE_OK_VALUE_BYTES);
    await withProducer({ retries: 0 }, async (p) => {
      await p.send({ messages: [{ topic, value: big }] });
      const err = await p.send({ messages: [{ topic, value: 'b'.repeat(kit.MESSAGE_MAX_BYTES) }] }).then(() => null, (e) => e);
      check(err !== null, 'a batch over message.max.bytes was accepted');
      check(errorIds(err).includes('MESSAGE_TOO_LARGE'), `expected MESSAGE_TOO_LARGE, got ${kit.describeError(err)} ${errorIds(err)}`);
    });
    const [m] = await consume(topic, 1);
    check(m.value.length === big.length, `consumed ${m.value.length} bytes`);
  },

  async 'consumer-group-rebalance'() {
    const topic = await createTopic(4);
    const groupId = topicName('g');
    const owned = (c) => (c.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions);
    const member = async () => {
      const c = newConsumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000 });
      const stream = await c.consume({ topics: [topic], mode: 'latest' });
      stream.on('data', () => {});
      return c;
    };
    await using(await member(), async (a) => {
      await eventually(() => owned(a).length === 4, kit.TIMEOUT_MS / 2, 'the first member to own all 4 partitions');
      await using(await member(), async (b) => {
        await eventually(() => owned(a).length > 0 && owned(b).length > 0 && owned(a).length + owned(b).length === 4, kit.TIMEOUT_MS / 2, 'both members to get partitions');
        check(new Set([...owned(a), ...owned(b)]).size === 4, `assignments overlap: ${owned(a)} / ${owned(b)}`);
      });
    });
  },

  async 'commit-resume'() {
    const topic = await createTopic(1);
    const groupId = topicName('g');
    await withProducer({}, (p) => p.send({ messages: values(10).map((m) => ({ ...m, topic })) }));
    // The first member reads 5 messages; committing the fifth stores offset 5, the next to read.
    await using(newConsumer({ groupId }), async (c) => {
      const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      for await (const m of stream) {
        if (m.offset === 4n) {
          await m.commit();
          break;
        }
      }
      await stream.close().catch(() => {});
    });
    const [group] = await withAdmin((admin) => admin.listConsumerGroupOffsets({ groups: [groupId] }));
    const committed = group.topics.find((t) => t.name === topic)?.partitions[0]?.committedOffset;
    check(committed === 5n, `committed offset is ${committed}`);
    const first = await using(newConsumer({ groupId }), async (c) => {
      const stream = await c.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' });
      for await (const m of stream) {
        await stream.close().catch(() => {});
        return m.offset;
      }
    });
    check(first === 5n, `resumed at offset ${first}`);
  },

  async 'idempotent-producer'() {
    const topic = await createTopic(1);
    const messages = values(30).map((m) => ({ ...m, topic }));
    await withProducer({ idempotent: true, acks: -1 }, async (p) => {
      for (let i = 0; i < messages.length; i += 10) await p.send({ messages: messages.slice(i, i + 10) });
      check(p.producerId !== undefined && p.producerId >= 0n, `no producer id (${p.producerId})`);
    });
    const got = await consume(topic, messages.length);
    check(got.map((m) => m.key).join() === messages.map((m) => m.key).join(), 'duplicates or gaps');
  },

  async transactions() {
    const topic = await createTopic(1);
    await withProducer({ idempotent: true, acks: -1, transactionalId: topicName('tx') }, async (p) => {
      for (const [vals, end] of [[['c1', 'c2'], 'commit'], [['a1'], 'abort'], [['c3'], 'commit']]) {
        const tx = await p.beginTransaction();
        await tx.send({ messages: vals.map((value) => ({ topic, value })) });
        await tx[end]();
      }
    });
    const text = (list) => list.map((m) => m.value).join();
    const committed = await consume(topic, 3);
    check(text(committed) === 'c1,c2,c3', `read_committed saw ${text(committed)}`);
    const all = await consume(topic, 4, { isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED });
    check(text(all) === 'c1,c2,a1,c3', `read_uncommitted saw ${text(all)}`);
  },

  async admin() {
    await withAdmin(async (admin) => {
      const topic = topicName();
      await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
      const again = await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 }).then(() => null, (e) => e);
      check(errorIds(again).includes('TOPIC_ALREADY_EXISTS'), `second create: ${again && kit.describeError(again)}`);
      check((await admin.listTopics()).includes(topic), 'new topic not listed');
      await admin.createPartitions({ topics: [{ name: topic, count: 4 }] });
      await eventually(async () => (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount === 4, 10_000, '4 partitions');
      const [desc] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] });
      const config = new Map(desc.configs.map((c) => [c.name, c.value]));
      check(config.get('retention.ms') === '3600000', `retention.ms is ${config.get('retention.ms')}`);
      check(config.get('cleanup.policy') === 'delete', `cleanup.policy is ${config.get('cleanup.policy')}`);
      await admin.deleteTopics({ topics: [topic] });
      await eventually(async () => !(await admin.listTopics()).includes(topic), 10_000, 'the topic to disappear');
    });
  },

  async 'list-offsets-by-timestamp'() {
    const topic = await createTopic(1);
    const t0 = BigInt(Date.now() - 60_000);
    await withProducer({}, async (p) => {
      for (let i = 0n; i < 3n; i++) await p.send({ messages: [{ topic, value: `v${i}`, timestamp: t0 + i * 1000n }] });
    });
    await using(newConsumer(), async (c) => {
      const at = async (timestamp) => (await c.listOffsets({ topics: [topic], timestamp })).get(topic)[0];
      check((await at(t0 - 1n)) === 0n, `before all → ${await at(t0 - 1n)}`);
      check((await at(t0 + 500n)) === 1n, `t0+500 → ${await at(t0 + 500n)}`);
      check((await at(t0 + 2000n)) === 2n, `exact timestamp → ${await at(t0 + 2000n)}`);
      check((await at(t0 + 10_000n)) === -1n, `after all → ${await at(t0 + 10_000n)} (Kafka answers -1)`);
      check((await at(-2n)) === 0n && (await at(-1n)) === 3n, `earliest/latest ${await at(-2n)}/${await at(-1n)}`);
    });
  },
};

// The client compresses zstd with node:zlib, which has zstd from Node 22.15.
const notSupported =
  typeof zlib.zstdCompressSync === 'function' ? {} : { 'produce-consume-zstd': `zstd needs node:zlib zstd (Node >= 22.15); this is Node ${process.version}` };

await kit.main(scenarios, notSupported);
