"""confluent-kafka-python 1.7.0 (Debian, librdkafka 2.0.2) scenario runner.

`/usr/bin/python3 run.py <scenario>` prints one JSON result line.
"""
import functools
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pykit  # noqa: E402
from pykit import check, topic_name, eventually  # noqa: E402

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic  # noqa: E402

BASE = {"bootstrap.servers": pykit.BOOTSTRAP, "client.id": "sluice-compat-confluent-python",
        "socket.connection.setup.timeout.ms": 3000}


@functools.lru_cache(maxsize=None)
def admin_client():
    return AdminClient(dict(BASE))


def wait_all(futures):
    for f in futures.values():
        f.result(timeout=15)


def create_topic(partitions=1):
    topic = topic_name()
    wait_all(admin_client().create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]))
    eventually(lambda: len(admin_client().list_topics(topic, timeout=5).topics[topic].partitions) == partitions, 10, "topic metadata")
    return topic


def produce(records, **conf):
    """Produces (topic, key, value, extra-kwargs) tuples; returns delivery reports in order."""
    reports = []
    p = Producer(dict(BASE, **conf))
    for topic, key, value, extra in records:
        p.produce(topic, value=value, key=key, on_delivery=lambda err, msg: reports.append((err, msg)), **extra)
        p.poll(0)
    check(p.flush(15) == 0, "messages still queued after flush")
    return reports


def produce_ok(records, **conf):
    reports = produce(records, **conf)
    errors = [err for err, _ in reports if err is not None]
    check(not errors, "delivery failed: %s" % errors[:1])
    return [msg for _, msg in reports]


def consume(topic, count, group=None, **conf):
    """Reads `count` messages from the start of `topic`. Without `group` it
    assigns every partition directly, so scenarios that are not about consumer
    groups do not depend on the group coordinator."""
    c = Consumer(dict(BASE, **dict({"group.id": group or topic_name("g"), "auto.offset.reset": "earliest",
                                     "enable.auto.commit": False, "fetch.wait.max.ms": 200}, **conf)))
    if group:
        c.subscribe([topic])
    else:
        partitions = admin_client().list_topics(topic, timeout=10).topics[topic].partitions
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got = []
    try:
        while len(got) < count:
            m = c.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError("consume: %s" % m.error())
            got.append(m)
    finally:
        c.close()
    return got


def produce_consume(codec):
    def run():
        topic = create_topic(1)
        sent = pykit.values(20)
        produce_ok([(topic, k, v, {}) for k, v in sent], **{"compression.type": codec})
        got = consume(topic, len(sent))
        for i, m in enumerate(got):
            check((m.key().decode(), m.value().decode()) == sent[i] and m.offset() == i, "message %d differs" % i)
    return run


def api_versions_metadata():
    topic = create_topic(3)
    md = admin_client().list_topics(timeout=10)
    brokers = ["%s:%d" % (b.host, b.port) for b in md.brokers.values()]
    check(pykit.BOOTSTRAP in brokers, "advertised %s" % brokers)
    check(len(md.topics[topic].partitions) == 3, "topic has %d partitions" % len(md.topics[topic].partitions))


def keyed_partitioning():
    topic = create_topic(4)
    delivered = produce_ok([(topic, k, v, {}) for k, v in pykit.values(24)])
    chosen = {}
    for m in delivered:
        key = m.key().decode()
        chosen[key] = m.partition()
        # librdkafka's default partitioner, consistent_random: CRC-32 of the key.
        check(zlib.crc32(m.key()) % 4 == m.partition(), "%s sent to %d, CRC-32 says %d" % (key, m.partition(), zlib.crc32(m.key()) % 4))
    check(len(set(chosen.values())) > 1, "all keys landed on one partition")
    for m in consume(topic, 24):
        check(chosen[m.key().decode()] == m.partition(), "%s consumed from %d" % (m.key(), m.partition()))


def headers_timestamps():
    topic = create_topic(1)
    ts = int(time.time() * 1000) - 3600 * 1000
    produce_ok([(topic, "k", "v", {"headers": [("trace-id", b"abc"), ("bin", b"\x00\x01\xff")], "timestamp": ts})])
    m = consume(topic, 1)[0]
    check(m.timestamp() == (1, ts), "timestamp %s != (CreateTime, %d)" % (m.timestamp(), ts))
    check(m.headers() == [("trace-id", b"abc"), ("bin", b"\x00\x01\xff")], "headers %s" % m.headers())


def large_message():
    topic = create_topic(1)
    conf = {"message.max.bytes": 2 * pykit.MESSAGE_MAX_BYTES, "linger.ms": 0, "message.send.max.retries": 0}
    produce_ok([(topic, None, b"a" * pykit.LARGE_OK_VALUE_BYTES, {})], **conf)
    [(err, _)] = produce([(topic, None, b"b" * pykit.MESSAGE_MAX_BYTES, {})], **conf)
    check(err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, "expected MESSAGE_TOO_LARGE, got %s" % err)
    m = consume(topic, 1, **{"fetch.message.max.bytes": 2 * pykit.MESSAGE_MAX_BYTES})[0]
    check(len(m.value()) == pykit.LARGE_OK_VALUE_BYTES, "consumed %d bytes" % len(m.value()))


def consumer_group_rebalance():
    topic = create_topic(4)
    group = topic_name("g")

    def member(name, owned, stop):
        c = Consumer(dict(BASE, **{"group.id": group, "heartbeat.interval.ms": 500, "session.timeout.ms": 10000}))

        def on_assign(consumer, partitions):
            owned[name] = [p.partition for p in partitions]

        c.subscribe([topic], on_assign=on_assign)
        while not stop.is_set():
            c.poll(0.2)
        c.close()

    pykit.two_member_rebalance(member)


def commit_resume():
    topic = create_topic(1)
    group = topic_name("g")
    produce_ok([(topic, k, v, {}) for k, v in pykit.values(10)])
    c = Consumer(dict(BASE, **{"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    c.subscribe([topic])
    seen = 0
    while seen < 5:
        m = c.poll(1.0)
        if m is not None and not m.error():
            seen += 1
    c.commit(offsets=[TopicPartition(topic, 0, 5)], asynchronous=False)
    committed = c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    c.close()
    check(committed == 5, "committed offset is %d" % committed)
    first = consume(topic, 1, group=group)[0]
    check(first.offset() == 5, "resumed at offset %d" % first.offset())


def idempotent_producer():
    topic = create_topic(1)
    sent = pykit.values(30)
    produce_ok([(topic, k, v, {}) for k, v in sent], **{"enable.idempotence": True})
    got = [m.key().decode() for m in consume(topic, 30)]
    check(got == [k for k, _ in sent], "duplicates or gaps")


def transactions():
    topic = create_topic(1)
    p = Producer(dict(BASE, **{"transactional.id": topic_name("tx")}))
    p.init_transactions(15)
    for vals, commit in ((["c1", "c2"], True), (["a1"], False), (["c3"], True)):
        p.begin_transaction()
        for v in vals:
            p.produce(topic, value=v)
        p.flush(15)
        (p.commit_transaction if commit else p.abort_transaction)(15)
    committed = [m.value().decode() for m in consume(topic, 3, **{"isolation.level": "read_committed"})]
    check(committed == ["c1", "c2", "c3"], "read_committed saw %s" % committed)
    everything = [m.value().decode() for m in consume(topic, 4, **{"isolation.level": "read_uncommitted"})]
    check(everything == ["c1", "c2", "a1", "c3"], "read_uncommitted saw %s" % everything)


def admin_scenario():
    topic = topic_name()
    wait_all(admin_client().create_topics([NewTopic(topic, num_partitions=2, replication_factor=1, config={"retention.ms": "3600000"})]))
    try:
        wait_all(admin_client().create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]))
        raise AssertionError("creating an existing topic succeeded")
    except Exception as e:
        check("TOPIC_ALREADY_EXISTS" in str(e) or "already exists" in str(e), "second create: %s" % e)
    wait_all(admin_client().create_partitions([NewPartitions(topic, 4)]))
    eventually(lambda: len(admin_client().list_topics(topic, timeout=5).topics[topic].partitions) == 4, 10, "4 partitions")
    configs = list(admin_client().describe_configs([ConfigResource("topic", topic)]).values())[0].result(timeout=15)
    check(configs["retention.ms"].value == "3600000", "retention.ms is %s" % configs["retention.ms"].value)
    check(configs["cleanup.policy"].value == "delete", "cleanup.policy is %s" % configs["cleanup.policy"].value)
    wait_all(admin_client().delete_topics([topic]))
    eventually(lambda: topic not in admin_client().list_topics(timeout=5).topics, 10, "the topic to disappear")


def list_offsets_by_timestamp():
    topic = create_topic(1)
    t0 = int(time.time() * 1000) - 60000
    for i in range(3):
        produce_ok([(topic, None, "v%d" % i, {"timestamp": t0 + i * 1000})])
    c = Consumer(dict(BASE, **{"group.id": topic_name("g")}))
    try:
        def at(ts):
            return c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0].offset
        check(at(t0 - 1) == 0, "before all -> %d" % at(t0 - 1))
        check(at(t0 + 500) == 1, "t0+500 -> %d" % at(t0 + 500))
        check(at(t0 + 2000) == 2, "exact -> %d" % at(t0 + 2000))
        # No record at or after it: Kafka answers -1 and librdkafka reports the log end.
        check(at(t0 + 10000) in (-1, 3), "after all -> %d" % at(t0 + 10000))
        check(c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 3), "watermarks")
    finally:
        c.close()


SCENARIOS = {
    "api-versions-metadata": api_versions_metadata,
    "keyed-partitioning": keyed_partitioning,
    "headers-timestamps": headers_timestamps,
    "large-message": large_message,
    "consumer-group-rebalance": consumer_group_rebalance,
    "commit-resume": commit_resume,
    "idempotent-producer": idempotent_producer,
    "transactions": transactions,
    "admin": admin_scenario,
    "list-offsets-by-timestamp": list_offsets_by_timestamp,
}
SCENARIOS.update({"produce-consume-%s" % c: produce_consume(c) for c in pykit.CODECS})

if __name__ == "__main__":
    pykit.main(SCENARIOS)
