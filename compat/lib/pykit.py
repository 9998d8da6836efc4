"""Shared scaffolding for the Python scenario runners (mirrors runner-kit.js).

A runner is called as `python3 run.py <scenario>` with BOOTSTRAP,
SCENARIO_TIMEOUT_MS and TOPIC_PREFIX in the environment and prints exactly one
JSON result line on stdout. Client logging goes to stderr.
"""
import json
import os
import sys
import threading
import time
import traceback

BOOTSTRAP = os.environ.get("BOOTSTRAP", "localhost:9092")
TIMEOUT_S = int(os.environ.get("SCENARIO_TIMEOUT_MS", "40000")) / 1000.0
PREFIX = os.environ.get("TOPIC_PREFIX", "compat-%d" % time.time())
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
# Kafka's default message.max.bytes, and the largest value that fits it in a
# v2 batch of one record with a null key and no headers (61-byte batch header
# plus 11 bytes of record framing).
MESSAGE_MAX_BYTES = 1048588
LARGE_OK_VALUE_BYTES = MESSAGE_MAX_BYTES - 72


class Unsupported(Exception):
    """Raised by a scenario the client cannot express."""


def check(condition, message):
    if not condition:
        raise AssertionError("check failed: %s" % message)


_seq = [0]


def topic_name(suffix="t"):
    _seq[0] += 1
    return ("%s-%s-%d" % (PREFIX, suffix, _seq[0]))[:200]


def eventually(fn, timeout_s, what):
    until = time.time() + timeout_s
    last = None
    while time.time() < until:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # keep polling; report the last error
            last = e
        time.sleep(0.25)
    raise AssertionError("timed out waiting for %s%s" % (what, ": %s" % last if isinstance(last, Exception) else ""))


def two_member_rebalance(member):
    """Runs the consumer-group-rebalance check with `member(name, owned, stop)`
    in a thread per member: it must keep `owned[name]` set to the partitions it
    holds and poll until `stop` is set. The first member must own all 4
    partitions, then a second joins and both must own a disjoint share."""
    stop = threading.Event()
    owned = {}
    threads = []

    def start(name):
        threads.append(threading.Thread(target=member, args=(name, owned, stop), daemon=True))
        threads[-1].start()

    start("a")
    try:
        eventually(lambda: len(owned.get("a", [])) == 4, TIMEOUT_S / 2, "the first member to own all 4 partitions")
        start("b")
        eventually(lambda: owned.get("a") and owned.get("b") and len(owned["a"]) + len(owned["b"]) == 4,
                   TIMEOUT_S / 2, "both members to get partitions")
        check(len(set(owned["a"]) | set(owned["b"])) == 4, "assignments overlap: %s" % owned)
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def values(n):
    return [("k%d" % i, "value-%d-%s" % (i, "x" * 200)) for i in range(n)]


def _emit(scenario, status, reason=None):
    line = {"scenario": scenario, "status": status}
    if reason:
        line["reason"] = reason
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(scenarios, not_supported=None):
    """Runs the scenario named in argv[1]; exits hard so client threads cannot hang it.

    `--unsupported` prints every scenario in not_supported and runs nothing.
    """
    not_supported = not_supported or {}
    if len(sys.argv) < 2:
        sys.stderr.write("usage: run.py <scenario> | run.py --unsupported\n")
        os._exit(2)
    name = sys.argv[1]
    if name == "--unsupported":
        for scenario, reason in not_supported.items():
            _emit(scenario, "unsupported", reason)
        os._exit(0)
    fn = scenarios.get(name)
    if fn is None or name in not_supported:
        _emit(name, "unsupported", not_supported.get(name, "scenario not implemented by this runner"))
        os._exit(0)

    def on_timeout():
        _emit(name, "fail", "timed out after %d ms" % (TIMEOUT_S * 1000))
        os._exit(1)

    timer = threading.Timer(TIMEOUT_S, on_timeout)
    timer.daemon = True
    timer.start()
    try:
        note = fn()
        timer.cancel()
        _emit(name, "pass", note if isinstance(note, str) else None)
        os._exit(0)
    except Unsupported as e:
        timer.cancel()
        _emit(name, "unsupported", str(e))
        os._exit(0)
    except Exception as e:
        timer.cancel()
        traceback.print_exc(file=sys.stderr)
        _emit(name, "fail", "%s: %s" % (type(e).__name__, e))
        os._exit(1)
