# librdkafka (confluent-kafka-python) exactly-once loop for transactions-restart.test.ts:
# consume 'rpw-in' read_committed → produce "<value>|t<n>" to 'rpw-out' on the same partition →
# send_offsets_to_transaction (TxnOffsetCommit v3 with the consumer's member) → commit, or abort
# at random and rewind to the committed offsets. Errors are handled as the librdkafka docs say:
# abortable → abort and rewind; fatal → new producer and consumer. Prints "progress N" (inputs
# committed) and finally one JSON line of figures, including the transaction numbers that were
# aborted or never committed, so the test can check none of them is visible.
#   eos-librdkafka.py BOOTSTRAP PARTITIONS SEED INPUT_RECORDS
import json
import random
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, partitions, seed, inputs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
figures = {'committedTxns': 0, 'abortedTxns': 0, 'abortableErrors': 0, 'fatalErrors': 0, 'sessions': 0, 'neverCommitted': [], 'uncertain': [], 'errors': []}


def session():
    figures['sessions'] += 1
    consumer = Consumer({
        'bootstrap.servers': bootstrap, 'group.id': 'rpw-librdkafka', 'enable.auto.commit': False,
        'isolation.level': 'read_committed', 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'fetch.wait.max.ms': 100,
    })
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'rpw-librdkafka', 'transaction.timeout.ms': 15000})
    producer.init_transactions(60)
    consumer.subscribe(['rpw-in'])
    return consumer, producer


def rewind(consumer):
    assigned = consumer.assignment()
    if assigned:
        for tp in consumer.committed(assigned, timeout=10):
            consumer.seek(TopicPartition(tp.topic, tp.partition, max(tp.offset, 0)))


def committed_inputs(consumer):
    # The group's committed offsets (OffsetFetch goes to the group coordinator's connection; a
    # watermark query would queue behind the consumer's long-poll fetch, as with Kafka).
    assigned = consumer.assignment()
    if len(assigned) != partitions:
        return None
    return sum(max(tp.offset, 0) for tp in consumer.committed(assigned, timeout=10))


def commit(producer):
    # A retriable commit error is retried, as librdkafka documents; anything else propagates.
    for attempt in range(10):
        try:
            producer.commit_transaction(60)
            return
        except KafkaException as e:
            if not e.args[0].retriable() or attempt == 9:
                raise
            figures['errors'].append('retried commit: ' + str(e.args[0])[:150])


consumer, producer = session()
serial = 0
idle = 0
started = time.time()
while time.time() - started < 240:
    open_txn = None
    committing = False
    try:
        msgs = [m for m in consumer.consume(100, timeout=0.5) if not m.error()]
        if not msgs:
            state = committed_inputs(consumer)
            if state is not None and state >= inputs:
                break
            idle += 1
            if idle % 20 == 0:
                # Stalled for 10 s: say where the consumer stands (stderr, for a failing test's output).
                assigned = consumer.assignment()
                print(f'idle: assignment={[(tp.partition) for tp in assigned]} positions={[tp.offset for tp in consumer.position(assigned)]} committed={state}', file=sys.stderr, flush=True)
            continue
        idle = 0
        serial += 1
        open_txn = serial
        producer.begin_transaction()
        for m in msgs:
            producer.produce('rpw-out', value=m.value() + f'|t{serial}'.encode(), partition=m.partition())
        # Delivered before the abort decision, so aborted records are in the log (an abort would
        # otherwise purge what is still queued and the broker would never see it).
        producer.flush(60)
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 60)
        if rnd.random() < 0.2:
            figures['neverCommitted'].append(serial)
            producer.abort_transaction(60)
            figures['abortedTxns'] += 1
            rewind(consumer)
            continue
        committing = True
        commit(producer)
        figures['committedTxns'] += 1
        print(f'progress {committed_inputs(consumer) or 0}', flush=True)
        print(f'txn {serial} committed {[(m.partition(), m.offset()) for m in msgs[:1]]}..{[(m.partition(), m.offset()) for m in msgs[-1:]]} {len(msgs)} records', file=sys.stderr, flush=True)
    except KafkaException as e:
        err = e.args[0]
        figures['errors'].append(str(err)[:200])
        if open_txn is not None and open_txn not in figures['neverCommitted']:
            figures['uncertain' if committing else 'neverCommitted'].append(open_txn)
        try:
            if open_txn is None or not (err.txn_requires_abort() or err.retriable()):
                raise e
            figures['abortableErrors'] += 1
            producer.abort_transaction(60)
            rewind(consumer)
        except KafkaException:
            # Fatal (fenced, or the abort itself failed): a new producer and consumer, as an app restarts.
            figures['fatalErrors'] += 1
            try:
                consumer.close()
            except Exception:
                pass
            consumer, producer = session()
figures['seconds'] = round(time.time() - started, 2)
consumer.close()
print(json.dumps(figures), flush=True)
