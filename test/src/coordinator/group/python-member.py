# A confluent-kafka-python (librdkafka) group member for the group coordinator's tests.
# argv: bootstrap group topic [extra librdkafka settings as key=value ...]
# Speaks the line protocol of group-scenario.ts on stdout:
#   A p,p,...          partitions assigned (incrementally, with cooperative-sticky)
#   R p,p,...          partitions revoked or lost
#   M p offset value   one consumed record
#   S json             librdkafka's consumer-group statistics (when statistics.interval.ms is set)
import json
import signal
import sys

from confluent_kafka import Consumer, TopicPartition

bootstrap, group, topic = sys.argv[1:4]
conf = {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'partition.assignment.strategy': 'cooperative-sticky',
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 100,
    # At least once: an offset is stored (for the auto commit) only after its record was written
    # out. librdkafka's default stores it when consume() returns, so a kill between that and the
    # write would commit records nobody saw.
    'enable.auto.offset.store': False,
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
}
for kv in sys.argv[4:]:
    key, value = kv.split('=', 1)
    conf[key] = value
out = sys.stdout


def stats(raw):
    cgrp = json.loads(raw).get('cgrp', {})
    out.write('S ' + json.dumps({k: cgrp.get(k) for k in ('state', 'join_state', 'rebalance_cnt', 'assignment_size')}) + '\n')
    out.flush()


if 'statistics.interval.ms' in conf:
    conf['stats_cb'] = stats
consumer = Consumer(conf)


def event(kind):
    def callback(_consumer, partitions):
        out.write(kind + ' ' + ','.join(str(p.partition) for p in partitions) + '\n')
        out.flush()
    return callback


running = True


def stop(_signum, _frame):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
consumer.subscribe([topic], on_assign=event('A'), on_revoke=event('R'), on_lost=event('R'))
while running:
    batch = consumer.consume(num_messages=1000, timeout=0.2)
    records = [m for m in batch if m.error() is None]
    if records:
        out.write(''.join(f'M {m.partition()} {m.offset()} {m.value().decode()}\n' for m in records))
        out.flush()
        last = {}
        for m in records:
            last[(m.topic(), m.partition())] = m.offset()
        consumer.store_offsets(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in last.items()])
# A clean stop: a static member sends no LeaveGroup (KIP-345), a dynamic one leaves.
consumer.close()
