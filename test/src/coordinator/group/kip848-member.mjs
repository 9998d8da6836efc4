// A KIP-848 consumer (group.protocol=consumer) in its own process: @confluentinc/kafka-javascript
// 1.2.0 from test/clients/kip848 (librdkafka 2.8.0, ConsumerGroupHeartbeat v0).
// argv: bootstrap group topic [group.instance.id]. Speaks the line protocol of group-scenario.ts:
//   A p,p,...  assigned   R p,p,...  revoked   M p offset value  one record
// SIGTERM closes the consumer cleanly: it leaves with member epoch -1, or -2 when static.
import { createRequire } from 'node:module';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

// The binding is CommonJS, installed in its own folder.
const require = createRequire(new URL('../../../clients/kip848/', import.meta.url));
const { KafkaConsumer } = require('@confluentinc/kafka-javascript');

const [bootstrap, group, topic, instanceId] = process.argv.slice(2);
const consumer = new KafkaConsumer(
  {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'group.protocol': 'consumer',
    'group.remote.assignor': 'uniform',
    'client.id': 'kip848-member',
    ...(instanceId !== undefined ? { 'group.instance.id': instanceId } : {}),
    'enable.auto.commit': true,
    'auto.commit.interval.ms': 200,
    // With the consumer protocol every rebalance is incremental.
    rebalance_cb(err, assignment) {
      const partitions = assignment.map((t) => t.partition).join(',');
      const assigning = err.code === -175; // ERR__ASSIGN_PARTITIONS
      process.stdout.write(`${assigning ? 'A' : 'R'} ${partitions}\n`);
      try {
        if (assigning) this.incrementalAssign(assignment);
        else this.incrementalUnassign(assignment);
      } catch (e) {
        process.stderr.write(`rebalance: ${e.message}\n`);
      }
    },
  },
  { 'auto.offset.reset': 'earliest' },
);
consumer.on('event.error', (e) => process.stderr.write(`error: ${e.message}\n`));
consumer.on('data', (m) => process.stdout.write(`M ${m.partition} ${m.offset} ${m.value.toString()}\n`));
consumer.on('ready', () => {
  consumer.subscribe([topic]);
  consumer.consume();
});
consumer.connect();
process.on('SIGTERM', () => {
  consumer.disconnect(() => process.exit(0));
  setTimeout(() => process.exit(1), 10_000).unref();
});
