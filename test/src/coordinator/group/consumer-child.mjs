// A kafkajs group member in its own process, so a test can SIGKILL it (no LeaveGroup is sent).
// argv: bootstrap groupId topic. Prints one JSON line per assignment.
import process from 'node:process';
import kafkajs from 'kafkajs';

const [bootstrap, groupId, topic] = process.argv.slice(2);
const kafka = new kafkajs.Kafka({ clientId: 'child', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
consumer.on(consumer.events.GROUP_JOIN, (e) => process.stdout.write(JSON.stringify({ assigned: e.payload.memberAssignment[topic] ?? [] }) + '\n'));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ eachMessage: async () => {} });
