// A kafkajs group member in its own process, so a test can SIGKILL it (no LeaveGroup is sent).
// argv: bootstrap groupId topic [sessionTimeoutMs]. Speaks the line protocol of group-scenario.ts:
//   I member-id        its member id, before each F
//   F p,p,...          its whole assignment after each rebalance (kafkajs is eager)
//   M p offset value   one consumed record
// One write per batch keeps a 300,000-record run cheap.
import process from 'node:process';
import kafkajs from 'kafkajs';

const [bootstrap, groupId, topic, session = '6000'] = process.argv.slice(2);
const kafka = new kafkajs.Kafka({
  clientId: 'child',
  brokers: [bootstrap],
  logLevel: process.env.KAFKAJS_LOG === 'debug' ? kafkajs.logLevel.DEBUG : kafkajs.logLevel.NOTHING,
  // A broker restart or a slow machine must not end the member: it retries, as a service would.
  retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
});
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(session), heartbeatInterval: 300, maxWaitTimeInMs: 100, maxBytesPerPartition: 256 * 1024 });
consumer.on(consumer.events.GROUP_JOIN, (e) => process.stdout.write(`I ${e.payload.memberId}\nF ${(e.payload.memberAssignment[topic] ?? []).join(',')}\n`));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommitInterval: 200,
  eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
    let out = '';
    for (const m of batch.messages) out += `M ${batch.partition} ${m.offset} ${m.value?.toString() ?? ''}\n`;
    // Wait until the lines have left this process: a write to a full pipe is queued, and a
    // SIGKILL after a commit but before the flush would lose records the group counts as done.
    await new Promise((resolve) => process.stdout.write(out, resolve));
    // Resolved before the heartbeat: if that heartbeat learns of a rebalance, kafkajs commits
    // what was resolved before it rejoins, so the next owner does not consume the batch again.
    const last = batch.messages.at(-1);
    if (last !== undefined) resolveOffset(last.offset);
    await heartbeat();
  },
});
