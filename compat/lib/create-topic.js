// Creates a topic for runners whose client has no admin API (kcat): the
// topic is setup, not what those scenarios test. Uses the kafkajs that
// scripts/install-compat-clients.sh puts in compat/kafkajs.
//   node create-topic.js <bootstrap> <topic> <partitions>
import { createRequire } from 'node:module';

const require = createRequire(new URL('../kafkajs/package.json', import.meta.url));
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, partitions] = process.argv.slice(2);
const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } }).admin();
try {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: Number(partitions) }], waitForLeaders: true });
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await admin.disconnect();
}
