# librdkafka (confluent-kafka-python) idempotent producer for idempotent-producer-faults.test.ts.
#   produce BOOTSTRAP TOPIC PARTITIONS COUNT  — writes "p:seq" records round-robin over the
#       partitions, printing "delivered N" as deliveries arrive so the test can time its faults;
#       ends with one JSON line of figures.
#   verify BOOTSTRAP TOPIC PARTITIONS COUNT   — reads every partition from the start to its end
#       and reports duplicates, gaps and order breaks as one JSON line.
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def produce(bootstrap, topic, partitions, count):
    stats = {}

    def on_stats(raw):
        stats.update(json.loads(raw))

    producer = Producer({
        'bootstrap.servers': bootstrap,
        'enable.idempotence': True,
        'acks': 'all',
        'linger.ms': 5,
        'batch.num.messages': 200,
        'max.in.flight.requests.per.connection': 5,
        'message.timeout.ms': 120000,
        'request.timeout.ms': 5000,
        'reconnect.backoff.ms': 50,
        'reconnect.backoff.max.ms': 500,
        'retry.backoff.ms': 50,
        'statistics.interval.ms': 200,
        'stats_cb': on_stats,
    })
    delivered = 0
    failed = []

    def on_delivery(err, msg):
        nonlocal delivered
        if err is not None:
            failed.append(str(err))
        else:
            delivered += 1

    started = time.time()
    last_report = 0
    for i in range(count):
        partition = i % partitions
        seq = i // partitions
        while True:
            try:
                producer.produce(topic, value=f'{partition}:{seq}'.encode(), partition=partition, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        # Keep at most a few thousand records queued, so the run spans the test's faults.
        while len(producer) > 2000:
            producer.poll(0.01)
        producer.poll(0)
        if delivered - last_report >= 1000:
            last_report = delivered
            print(f'delivered {delivered}', flush=True)
    remaining = producer.flush(150)
    producer.poll(0.5)
    brokers = stats.get('brokers', {}).values()
    print(json.dumps({
        'delivered': delivered,
        'failed': len(failed),
        'firstErrors': failed[:5],
        'undelivered': remaining,
        'seconds': round(time.time() - started, 2),
        'txretries': sum(b.get('txretries', 0) for b in brokers),
        'disconnects': sum(b.get('disconnects', 0) for b in brokers),
        'connects': sum(b.get('connects', 0) for b in brokers),
        'idempotence': {k: v for k, v in stats.get('eos', {}).items() if k in ('idemp_state', 'producer_id', 'producer_epoch', 'epoch_cnt')},
    }), flush=True)


def verify(bootstrap, topic, partitions, count):
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'verify-idempotent',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'isolation.level': 'read_committed',
    })
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    seen = {p: [] for p in range(partitions)}
    finished = set()
    deadline = time.time() + 120
    while len(finished) < partitions and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                finished.add(msg.partition())
            continue
        p, seq = msg.value().decode().split(':')
        seen[int(p)].append((int(seq), msg.offset(), msg.partition()))
    consumer.close()
    duplicates = gaps = order_breaks = wrong_partition = 0
    for p, records in seen.items():
        expected = count // partitions + (1 if p < count % partitions else 0)
        seqs = [s for s, _, _ in records]
        wrong_partition += sum(1 for _, _, part in records if part != p)
        duplicates += len(seqs) - len(set(seqs))
        gaps += len(set(range(expected)) - set(seqs))
        order_breaks += sum(1 for a, b in zip(seqs, seqs[1:]) if b <= a)
    print(json.dumps({
        'records': sum(len(r) for r in seen.values()),
        'perPartition': [len(seen[p]) for p in range(partitions)],
        'duplicates': duplicates,
        'gaps': gaps,
        'orderBreaks': order_breaks,
        'wrongPartition': wrong_partition,
        'eofPartitions': len(finished),
    }), flush=True)


if __name__ == '__main__':
    mode, bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    (produce if mode == 'produce' else verify)(bootstrap, topic, partitions, count)
