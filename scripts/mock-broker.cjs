#!/usr/bin/env node
// librdkafka's built-in mock cluster as a stand-in broker for developing the
// compat runners before Sluice can serve them: `node scripts/mock-broker.cjs`
// prints "bootstrap=127.0.0.1:<port>" and serves until killed. Then
// `node compat/run.js --bootstrap 127.0.0.1:<port> --client kcat`.
// It needs compat/confluent-js installed (librdkafka 2.15). The mock has no
// CreateTopics (topics are auto-created with one partition) and advertises
// 127.0.0.1, so it checks runner plumbing, not Kafka semantics.
const path = require('node:path');

const Kafka = require(path.join(__dirname, '..', 'compat', 'confluent-js', 'node_modules', '@confluentinc', 'kafka-javascript'));

const producer = new Kafka.Producer({ 'test.mock.num.brokers': 1, 'bootstrap.servers': 'unused:1', event_cb: true, log_level: 7, debug: 'mock' });
producer.on('event.log', (entry) => {
  const m = /Mock cluster \S+ bootstrap\.servers=(\S+)/.exec(entry.message);
  if (m) console.log(`bootstrap=${m[1]}`);
});
producer.connect({}, (err) => {
  if (err) {
    console.error(`mock cluster failed: ${err.message}`);
    process.exit(1);
  }
});
setInterval(() => {}, 1 << 30);
