// @confluentinc/kafka-javascript (librdkafka 2.15, built by
// scripts/install-compat-clients.sh) scenario runner, through its
// KafkaJS-compatible API: `node run.js <scenario>` prints one JSON line.
// The scenarios live in ../lib/kafkajs-style.js; this file adapts the client.
import { createRequire } from 'node:module';
import * as kit from '../lib/runner-kit.js';
import { kafkajsStyleScenarios } from '../lib/kafkajs-style.js';

const require = createRequire(import.meta.url);
const ckjs = require('@confluentinc/kafka-javascript');
const { Kafka, CompressionTypes, logLevel } = ckjs.KafkaJS;

const kafka = new Kafka({
  kafkaJS: { clientId: 'sluice-compat-confluent-js', brokers: [kit.BOOTSTRAP], logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 10_000 },
});

/**
 * send() turns each message's string value into a Buffer in place; the
 * scenarios compare what they consume with the messages they sent, so the
 * client gets copies.
 */
function sendsCopies(producer) {
  const send = producer.send.bind(producer);
  producer.send = (record) => send({ ...record, messages: record.messages.map((m) => ({ ...m })) });
  return producer;
}

const scenarios = kafkajsStyleScenarios({
  kafka,
  CompressionTypes,
  producer: ({ compression = CompressionTypes.None, idempotent = false, transactionalId, noRetries = false }) =>
    sendsCopies(kafka.producer({
      // The KafkaJS layer copies transactionalId whenever the key exists
      // (Object.hasOwn), even undefined, and librdkafka then refuses a
      // transactional.id without enable.idempotence: pass it only when set.
      kafkaJS: {
        compression,
        idempotent,
        ...(transactionalId === undefined ? {} : { transactionalId }),
        ...(noRetries ? { retry: { retries: 0 } } : {}),
      },
      // Let oversized batches reach the broker so its limit is what is tested.
      'message.max.bytes': 2 * kit.MESSAGE_MAX_BYTES,
      'linger.ms': 5,
    })),
  consumer: ({ groupId, readUncommitted = false, fromBeginning = false, autoCommit = true, fastHeartbeat = false }) =>
    kafka.consumer({
      kafkaJS: { groupId, readUncommitted, fromBeginning, autoCommit, ...(fastHeartbeat ? { heartbeatInterval: 500, sessionTimeout: 10_000 } : {}) },
      'fetch.wait.max.ms': 200,
    }),
  subscribe: (consumer, topic) => consumer.subscribe({ topics: [topic] }),
  watchAssignment: (consumer, topic) => () => {
    try {
      return consumer.assignment().filter((tp) => tp.topic === topic).map((tp) => tp.partition);
    } catch {
      return []; // not connected yet
    }
  },
  // The KafkaJS layer sets partitioner=murmur2_random (lib/kafkajs/_producer.js):
  // Java's toPositive(murmur2(key)) % n for a keyed message.
  chosenPartition: (_topic, message, n) => kit.javaPartition(message.key, n),
  isTooLarge: (e) => e.code === ckjs.CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE || /MSG_SIZE_TOO_LARGE/.test(String(e.type)),
  // The KafkaJS layer has no createPartitions; the native AdminClient does.
  createPartitions: (_admin, topic, count) =>
    new Promise((resolve, reject) => {
      const native = ckjs.AdminClient.create({ 'bootstrap.servers': kit.BOOTSTRAP, 'client.id': 'sluice-compat-confluent-js' });
      native.createPartitions(topic, count, 10_000, (err) => {
        native.disconnect();
        if (err) reject(err);
        else resolve();
      });
    }),
  topicConfig: async () => null, // no DescribeConfigs in 1.10.x
});

await kit.main(scenarios);
