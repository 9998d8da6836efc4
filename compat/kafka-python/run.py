"""kafka-python 2.0.2 (Debian) scenario runner.

`/usr/bin/python3 run.py <scenario>` prints one JSON result line. kafka-python
2.0.2 has no idempotent or transactional producer (those came in 2.1/2.2), and
it guesses the broker version from ApiVersions, which is itself under test.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pykit  # noqa: E402
from pykit import check, topic_name, eventually  # noqa: E402

import kafka.errors as errors  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic  # noqa: E402
from kafka.partitioner import DefaultPartitioner  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402

# request_timeout_ms must exceed the consumers' session_timeout_ms (10 s).
BASE = {"bootstrap_servers": pykit.BOOTSTRAP, "client_id": "sluice-compat-kafka-python", "request_timeout_ms": 15000}


def new_admin():
    return KafkaAdminClient(**BASE)


def topic_errors(response):
    """(topic, error code) pairs that are not success, from Create/DeleteTopics
    responses: kafka-python 2.0.2 names the list topic_errors in
    CreateTopicsResponse and topic_error_codes in DeleteTopicsResponse."""
    entries = getattr(response, "topic_errors", None)
    if entries is None:
        entries = response.topic_error_codes
    return [(t[0], t[1]) for t in entries if t[1] != 0]


def create_topic(partitions=1, configs=None):
    topic = topic_name()
    a = new_admin()
    try:
        r = a.create_topics([NewTopic(topic, partitions, 1, topic_configs=configs or {})], timeout_ms=10000)
        check(not topic_errors(r), "create topic: %s" % topic_errors(r))
    finally:
        a.close()
    return topic


def producer(**conf):
    return KafkaProducer(**dict(BASE, acks="all", max_request_size=2 * pykit.MESSAGE_MAX_BYTES, **conf))


def send_all(records, **conf):
    """Sends (topic, key, value, extra) tuples; returns RecordMetadata in order."""
    p = producer(**conf)
    try:
        futures = [p.send(t, key=k and k.encode(), value=v if isinstance(v, bytes) else v.encode(), **extra) for t, k, v, extra in records]
        p.flush(15)
        return [f.get(timeout=15) for f in futures]
    finally:
        p.close(5)


def consume(topic, count, group=None, **conf):
    """Reads `count` messages from the start of `topic`. Without `group` it
    assigns every partition directly (group_id=None), so scenarios that are not
    about consumer groups do not depend on the group coordinator."""
    c = KafkaConsumer(**dict(BASE, group_id=group, auto_offset_reset="earliest",
                             enable_auto_commit=False, fetch_max_wait_ms=200, **conf))
    if group:
        c.subscribe([topic])
    else:
        partitions = [TopicPartition(topic, p) for p in sorted(eventually(lambda: c.partitions_for_topic(topic), 10, "partitions"))]
        c.assign(partitions)
        c.seek_to_beginning(*partitions)
    got = []
    try:
        while len(got) < count:
            for records in c.poll(timeout_ms=1000).values():
                got.extend(records)
    finally:
        c.close()
    return sorted(got, key=lambda r: (r.partition, r.offset))[:count]


def produce_consume(codec):
    def run():
        topic = create_topic(1)
        sent = pykit.values(20)
        send_all([(topic, k, v, {}) for k, v in sent], compression_type=None if codec == "none" else codec)
        for i, r in enumerate(consume(topic, len(sent))):
            check((r.key.decode(), r.value.decode()) == sent[i] and r.offset == i, "message %d differs" % i)
    return run


def api_versions_metadata():
    p = producer()
    try:
        # kafka-python infers the broker version from the ApiVersions response.
        sys.stderr.write("kafka-python guessed broker version %s\n" % (p.config["api_version"],))
        check(p.config["api_version"] >= (2, 0), "guessed broker version %s" % (p.config["api_version"],))
    finally:
        p.close(5)
    topic = create_topic(3)
    a = new_admin()
    try:
        brokers = a.describe_cluster()["brokers"]
        check(any("%s:%d" % (b["host"], b["port"]) == pykit.BOOTSTRAP for b in brokers), "advertised %s" % brokers)
        [t] = a.describe_topics([topic])
        check(len(t["partitions"]) == 3, "topic has %d partitions" % len(t["partitions"]))
    finally:
        a.close()


def keyed_partitioning():
    topic = create_topic(4)
    sent = pykit.values(24)
    metas = send_all([(topic, k, v, {}) for k, v in sent])
    chosen = {}
    for (k, _), meta in zip(sent, metas):
        # kafka-python's DefaultPartitioner is Java's murmur2.
        want = DefaultPartitioner()(k.encode(), [0, 1, 2, 3], [0, 1, 2, 3])
        check(meta.partition == want, "%s sent to %d, partitioner says %d" % (k, meta.partition, want))
        chosen[k] = meta.partition
    check(len(set(chosen.values())) > 1, "all keys landed on one partition")
    for r in consume(topic, 24):
        check(chosen[r.key.decode()] == r.partition, "%s consumed from %d" % (r.key, r.partition))


def headers_timestamps():
    topic = create_topic(1)
    ts = int(time.time() * 1000) - 3600 * 1000
    send_all([(topic, "k", "v", {"headers": [("trace-id", b"abc"), ("bin", b"\x00\x01\xff")], "timestamp_ms": ts})])
    r = consume(topic, 1)[0]
    check((r.timestamp_type, r.timestamp) == (0, ts), "timestamp %s/%s != CreateTime/%d" % (r.timestamp_type, r.timestamp, ts))
    check(r.headers == [("trace-id", b"abc"), ("bin", b"\x00\x01\xff")], "headers %s" % r.headers)


def large_message():
    topic = create_topic(1)
    send_all([(topic, None, b"a" * pykit.LARGE_OK_VALUE_BYTES, {})], retries=0)
    try:
        send_all([(topic, None, b"b" * pykit.MESSAGE_MAX_BYTES, {})], retries=0)
        raise AssertionError("a batch over message.max.bytes was accepted")
    except errors.MessageSizeTooLargeError:
        pass
    r = consume(topic, 1, max_partition_fetch_bytes=2 * pykit.MESSAGE_MAX_BYTES)[0]
    check(len(r.value) == pykit.LARGE_OK_VALUE_BYTES, "consumed %d bytes" % len(r.value))


def consumer_group_rebalance():
    topic = create_topic(4)
    group = topic_name("g")

    def member(name, owned, stop):
        c = KafkaConsumer(topic, **dict(BASE, group_id=group, heartbeat_interval_ms=500, session_timeout_ms=10000))
        while not stop.is_set():
            c.poll(timeout_ms=200)
            owned[name] = [tp.partition for tp in c.assignment()]
        c.close()

    pykit.two_member_rebalance(member)


def commit_resume():
    topic = create_topic(1)
    group = topic_name("g")
    send_all([(topic, k, v, {}) for k, v in pykit.values(10)])
    first = consume(topic, 5, group=group)
    check(first[-1].offset == 4, "fifth message at %d" % first[-1].offset)
    c = KafkaConsumer(topic, **dict(BASE, group_id=group, enable_auto_commit=False))
    tp = TopicPartition(topic, 0)
    c.poll(timeout_ms=1000)
    c.commit({tp: OffsetAndMetadata(5, "")})
    c.close()
    a = new_admin()
    try:
        committed = a.list_consumer_group_offsets(group)[tp].offset
    finally:
        a.close()
    check(committed == 5, "committed offset is %d" % committed)
    check(consume(topic, 1, group=group)[0].offset == 5, "did not resume at offset 5")


def admin_scenario():
    a = new_admin()
    try:
        topic = topic_name()
        r = a.create_topics([NewTopic(topic, 2, 1, topic_configs={"retention.ms": "3600000"})], timeout_ms=10000)
        check(not topic_errors(r), "create: %s" % topic_errors(r))
        try:  # kafka-python 2.0.2 raises the first per-topic error
            a.create_topics([NewTopic(topic, 2, 1)], timeout_ms=10000)
            raise AssertionError("creating an existing topic succeeded")
        except errors.TopicAlreadyExistsError:
            pass
        a.create_partitions({topic: NewPartitions(4)}, timeout_ms=10000)
        eventually(lambda: len(a.describe_topics([topic])[0]["partitions"]) == 4, 10, "4 partitions")
        [resp] = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        configs = {e[0]: e[1] for e in resp.resources[0][4]}
        check(configs.get("retention.ms") == "3600000", "retention.ms is %s" % configs.get("retention.ms"))
        check(configs.get("cleanup.policy") == "delete", "cleanup.policy is %s" % configs.get("cleanup.policy"))
        r = a.delete_topics([topic], timeout_ms=10000)
        check(not topic_errors(r), "delete: %s" % topic_errors(r))
        eventually(lambda: topic not in a.list_topics(), 10, "the topic to disappear")
    finally:
        a.close()


def list_offsets_by_timestamp():
    topic = create_topic(1)
    t0 = int(time.time() * 1000) - 60000
    for i in range(3):
        send_all([(topic, None, "v%d" % i, {"timestamp_ms": t0 + i * 1000})])
    c = KafkaConsumer(**BASE)
    tp = TopicPartition(topic, 0)
    try:
        def at(ts):
            found = c.offsets_for_times({tp: ts})[tp]
            return None if found is None else found.offset
        check(at(t0 - 1) == 0, "before all -> %s" % at(t0 - 1))
        check(at(t0 + 500) == 1, "t0+500 -> %s" % at(t0 + 500))
        check(at(t0 + 2000) == 2, "exact -> %s" % at(t0 + 2000))
        check(at(t0 + 10000) is None, "after all -> %s (Kafka answers -1)" % at(t0 + 10000))
        check((c.beginning_offsets([tp])[tp], c.end_offsets([tp])[tp]) == (0, 3), "earliest/latest")
    finally:
        c.close()


SCENARIOS = {
    "api-versions-metadata": api_versions_metadata,
    "keyed-partitioning": keyed_partitioning,
    "headers-timestamps": headers_timestamps,
    "large-message": large_message,
    "consumer-group-rebalance": consumer_group_rebalance,
    "commit-resume": commit_resume,
    "admin": admin_scenario,
    "list-offsets-by-timestamp": list_offsets_by_timestamp,
}
SCENARIOS.update({"produce-consume-%s" % c: produce_consume(c) for c in pykit.CODECS})
NOT_SUPPORTED = {
    "idempotent-producer": "kafka-python 2.0.2 (Debian) has no idempotent producer; it came in 2.1",
    "transactions": "kafka-python 2.0.2 (Debian) has no transactional producer or read_committed consumer",
}

if __name__ == "__main__":
    pykit.main(SCENARIOS, NOT_SUPPORTED)
