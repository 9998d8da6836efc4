// kafkajs 2.2.4 scenario runner: `node run.js <scenario>` prints one JSON line.
// The scenarios live in ../lib/kafkajs-style.js; this file adapts kafkajs.
import kafkajs from 'kafkajs';
import { registerCodecs } from './codecs.js';
import * as kit from '../lib/runner-kit.js';
import { kafkajsStyleScenarios } from '../lib/kafkajs-style.js';

const { Kafka, CompressionTypes, Partitioners, ConfigResourceTypes, logLevel } = kafkajs;

const kafka = new Kafka({
  clientId: 'sluice-compat-kafkajs',
  brokers: [kit.BOOTSTRAP],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
});

// kafkajs 2's DefaultPartitioner is Java's murmur2; ask it what it would pick.
const partitioner = Partitioners.DefaultPartitioner();

const scenarios = kafkajsStyleScenarios({
  kafka,
  CompressionTypes,
  producer({ compression = CompressionTypes.None, idempotent = false, transactionalId, noRetries = false }) {
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      transactionalId,
      maxInFlightRequests: idempotent ? 1 : undefined,
      ...(noRetries ? { retry: { retries: 0 } } : {}),
    });
    // kafkajs takes compression per send(), confluent-js per producer.
    const send = producer.send.bind(producer);
    producer.send = (record) => send({ compression, ...record });
    return producer;
  },
  consumer({ groupId, readUncommitted = false, autoCommit = true, fastHeartbeat = false }) {
    const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200, ...(fastHeartbeat ? { heartbeatInterval: 500, sessionTimeout: 10_000 } : {}) });
    // kafkajs takes autoCommit in run(), confluent-js in the consumer config.
    const run = consumer.run.bind(consumer);
    consumer.run = (options) => run({ autoCommit, ...options });
    return consumer;
  },
  subscribe: (consumer, topic, fromBeginning) => consumer.subscribe({ topic, fromBeginning }),
  watchAssignment(consumer, topic) {
    let owned = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => (owned = e.payload.memberAssignment[topic] ?? []));
    return () => owned;
  },
  chosenPartition: (topic, message, n) =>
    partitioner({ topic, message, partitionMetadata: Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 })) }),
  isTooLarge: (e) => [e.type, e.originalError?.type, e.cause?.type].includes('MESSAGE_TOO_LARGE'),
  createPartitions: (admin, topic, count) => admin.createPartitions({ topicPartitions: [{ topic, count }] }),
  async topicConfig(admin, topic) {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return new Map(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  },
});

await registerCodecs();
await kit.main(scenarios);
