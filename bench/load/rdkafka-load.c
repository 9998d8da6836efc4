/*
 * Load generator for the Sluice benchmarks, built on librdkafka (what most non-Java clients use)
 * so that the client is not the bottleneck the way a JavaScript client would be.
 *
 *   rdkafka-load produce  -b host:port -t topic -n count -s size [-a acks] [-z none|lz4|...]
 *                         [-p partitions] [-r rate/s] [-c producers] [-l linger.ms]
 *                         [-m max.in.flight] [-T seconds]
 *   rdkafka-load consume  -b host:port -t topic -n count [-p partitions] [-T seconds]
 *   rdkafka-load raw-send -b host:port -n total-bytes -f frame-bytes [-i in-flight] [-T seconds]
 *   rdkafka-load raw-recv -b host:port [-T seconds]
 *   rdkafka-load raw-fetch -b host:port -t topic [-P partition] [-f max-bytes] [-i in-flight] [-T seconds]
 *
 * Each mode prints one JSON object on stdout. Every loop is bounded by its count and by -T.
 * raw-send/raw-recv talk to the bare limit servers (bench/limit): length-prefixed frames
 * answered by a 4-byte ack, and a plain byte stream read to EOF. raw-fetch is a Kafka consumer
 * with no client library: hand-encoded Fetch v12 requests, answers read into one reused buffer
 * and parsed only as far as error codes and batch headers, so that on this 2-core machine the
 * consume figure measures the broker, as raw-recv's does the streamer.
 *
 * Build: cc -O2 -o rdkafka-load rdkafka-load.c -lrdkafka
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "rdkafka-load: %s: %s\n", what, detail);
  exit(2);
}

struct opts {
  const char *mode, *brokers, *topic, *compression, *linger, *max_inflight;
  long count, size, partitions, producers, frame, inflight, partition;
  int acks;
  double rate, timeout_s;
};

/* User + system CPU time between two getrusage samples, in ms (all threads: librdkafka's too). */
static double rusage_ms(const struct rusage *a, const struct rusage *b) {
  return ((double)(b->ru_utime.tv_sec - a->ru_utime.tv_sec) + (double)(b->ru_stime.tv_sec - a->ru_stime.tv_sec)) * 1e3 +
         ((double)(b->ru_utime.tv_usec - a->ru_utime.tv_usec) + (double)(b->ru_stime.tv_usec - a->ru_stime.tv_usec)) / 1e3;
}

/* ---------- produce ---------- */

/* Latencies are measured from the *intended* send time when pacing, so a stalled broker shows up
 * in the percentiles instead of silently slowing the sender (coordinated omission). */
static float *latencies_us;
static long delivered, failed;
static unsigned char *partition_ok;
static long partitions_total;
static double stats_tx, stats_tx_bytes;
static long first_error;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk; (void)opaque;
  if (!m->_private) return; /* a warm-up record, sent before the clock started */
  double sent = *(double *)m->_private;
  if (m->err) {
    if (!first_error) first_error = m->err;
    failed++;
    return;
  }
  latencies_us[delivered++] = (float)((now_s() - sent) * 1e6);
  if (m->partition >= 0 && m->partition < partitions_total) partition_ok[m->partition] = 1;
}

/* librdkafka's statistics carry total requests and bytes sent; their ratio is the average
 * Produce request size, which the limit run then reuses as its frame size. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
  (void)rk; (void)len; (void)opaque;
  const char *p = strstr(json, "\"tx\":");
  const char *q = strstr(json, "\"tx_bytes\":");
  if (p && q) {
    /* Cumulative counters: the latest report covers the whole run so far. */
    stats_tx = atof(p + 5);
    stats_tx_bytes = atof(q + 11);
  }
  return 0;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

static double pct(long n, double p) {
  if (n == 0) return 0;
  long i = (long)(p * (double)(n - 1) + 0.5);
  return latencies_us[i] / 1000.0;
}

/* Text-like values: words drawn at random from a small vocabulary compress about as well as
 * JSON-ish application data (lz4 roughly 2:1), not 100:1 as a repeated pattern would. */
static char *fill_payload(long size) {
  static const char *words[] = {"order", "id", "status", "shipped", "amount", "currency", "EUR", "user",
                                "created", "true", "false", "null", "region", "items", "price", "sku"};
  char *p = malloc((size_t)size + 32);
  unsigned long x = 88172645463325252UL;
  long i = 0;
  while (i < size) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    if (x % 3 == 0) i += snprintf(p + i, 32, "%lu,", (x >> 20) % 100000);
    else i += snprintf(p + i, 32, "%s:", words[(x >> 8) % 16]);
  }
  return p;
}

/* RDKAFKA_LOAD_CONF="key=value;key=value" adds or overrides client settings, for diagnosis
 * (e.g. debug=fetch); the benchmark itself never sets it. */
static void apply_env_conf(rd_kafka_conf_t *conf) {
  const char *env = getenv("RDKAFKA_LOAD_CONF");
  if (!env || !*env) return;
  char *copy = strdup(env), *save = NULL, err[512];
  for (char *pair = strtok_r(copy, ";", &save); pair; pair = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(pair, '=');
    if (!eq) die("RDKAFKA_LOAD_CONF", pair);
    *eq = 0;
    if (rd_kafka_conf_set(conf, pair, eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) die(pair, err);
  }
  free(copy);
}

static rd_kafka_t *new_producer(const struct opts *o, long index, long n_producers) {
  char err[512], buf[32];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  snprintf(buf, sizeof buf, "%d", o->acks);
#define SET(k, v) if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(k, err)
  SET("bootstrap.servers", o->brokers);
  SET("acks", buf);
  SET("compression.type", o->compression);
  SET("linger.ms", o->linger);
  SET("max.in.flight.requests.per.connection", o->max_inflight);
  SET("queue.buffering.max.messages", "200000");
  SET("queue.buffering.max.kbytes", "262144");
  /* Deliveries may wait as long as the run may last (10,000 partitions are slow): a record that
   * times out in the client would be counted as a broker failure. */
  char timeout_ms[32];
  snprintf(timeout_ms, sizeof timeout_ms, "%.0f", (o->timeout_s + 30) * 1000);
  SET("message.timeout.ms", timeout_ms);
  SET("enable.idempotence", "false");
  /* TCP_NODELAY, as Java's client sets it: with librdkafka's default (Nagle on) the tail of a
   * request waits for the ACK of its start, which the broker's kernel delays (40-200 ms) while it
   * has no whole request to answer: paced runs showed p50 1 ms and p99 170-250 ms from that alone. */
  SET("socket.nagle.disable", "true");
  /* Only the first producer reports statistics; all producers share the same settings. */
  if (index == 0) {
    SET("statistics.interval.ms", "200");
    rd_kafka_conf_set_stats_cb(conf, on_stats);
  }
#undef SET
  (void)n_producers;
  apply_env_conf(conf);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  return rk;
}

static int run_produce(const struct opts *o) {
  long n = o->count, np = o->producers > 0 ? o->producers : 1;
  latencies_us = calloc((size_t)n + 1, sizeof(float));
  partitions_total = o->partitions > 0 ? o->partitions : 1;
  partition_ok = calloc((size_t)partitions_total, 1);
  rd_kafka_t **rks = calloc((size_t)np, sizeof *rks);
  for (long i = 0; i < np; i++) rks[i] = new_producer(o, i, np);
  /* Each record takes its value from a different place in a 4 MiB pool, so a batch is not one
   * value repeated (which lz4 would shrink a hundredfold). */
  const long pool_size = 4L << 20;
  char *pool = fill_payload(pool_size + o->size);

  /* Connect (and fetch metadata) before the clock starts. */
  for (long i = 0; i < np; i++) {
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rks[i], o->topic, NULL);
    if (rd_kafka_metadata(rks[i], 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    /* Metadata alone leaves the connection to the partition leader for the first produce: one
     * record to each of the first few partitions, delivered before the clock starts, so a paced
     * run does not count the client's connection set-up (~100 ms of records at 10-20 ms). */
    long warm = partitions_total < 8 ? partitions_total : 8;
    for (long p = 0; p < warm; p++)
      rd_kafka_producev(rks[i], RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION((int32_t)p), RD_KAFKA_V_VALUE(pool, (size_t)o->size), RD_KAFKA_V_MSGFLAGS(0),
                        RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
    rd_kafka_flush(rks[i], 10000);
  }

  /* Send stamps live in one array for the run (a malloc and free per record cost the client
   * more than its share: the broker is what is measured, on the same two cores). */
  double *stamps = malloc(((size_t)n + 1) * sizeof(double));
  double t0 = now_s(), deadline = t0 + o->timeout_s;
  long sent = 0;
  for (; sent < n; sent++) {
    double intended = o->rate > 0 ? t0 + (double)sent / o->rate : 0;
    if (o->rate > 0) {
      /* Sleep rather than spin: the broker shares the machine's cores with this loop. Records
       * that fall due while asleep go out together, as an application's would. */
      double wait = intended - now_s();
      if (wait > 0) {
        rd_kafka_poll(rks[sent % np], 0);
        struct timespec ts = {0, (long)(wait * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
    if (now_s() > deadline) break;
    rd_kafka_t *rk = rks[sent % np];
    double *stamp = &stamps[sent];
    *stamp = o->rate > 0 ? intended : now_s();
    int32_t partition = (int32_t)(sent % partitions_total);
    /* No RD_KAFKA_MSG_F_COPY: the pool outlives every delivery, so librdkafka refers to the value
     * where it is instead of allocating and copying it once more before batching. */
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(partition),
                                                RD_KAFKA_V_VALUE(pool + (sent * 7919L) % pool_size, (size_t)o->size), RD_KAFKA_V_MSGFLAGS(0),
                                                RD_KAFKA_V_OPAQUE(stamp), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
        /* The broker's Metadata lacks this partition: a failure to serve it, counted as such. */
        if (!first_error) first_error = e;
        failed++;
        break;
      }
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
      if (now_s() > deadline) break;
    }
    if ((sent & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  for (long i = 0; i < np; i++) {
    double left = deadline + 10 - now_s();
    rd_kafka_flush(rks[i], left > 0 ? (int)(left * 1000) : 0);
  }
  double elapsed = now_s() - t0;
  /* One last statistics round so tx/tx_bytes cover the whole run. */
  double until = now_s() + 0.45;
  while (now_s() < until) rd_kafka_poll(rks[0], 50);
  for (long i = 0; i < np; i++) rd_kafka_destroy(rks[i]);
  free(stamps);

  qsort(latencies_us, (size_t)delivered, sizeof(float), cmp_float);
  long served = 0;
  for (long i = 0; i < partitions_total; i++) served += partition_ok[i];
  printf("{\"mode\":\"produce\",\"sent\":%ld,\"delivered\":%ld,\"failed\":%ld,\"firstError\":\"%s\",\"seconds\":%.4f,"
         "\"recordsPerSec\":%.1f,\"mbPerSec\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,"
         "\"partitionsServed\":%ld,\"requests\":%.0f,\"requestBytes\":%.0f,\"cdf\":[",
         sent, delivered, failed, first_error ? rd_kafka_err2name((rd_kafka_resp_err_t)first_error) : "", elapsed,
         (double)delivered / elapsed, (double)delivered * (double)o->size / elapsed / 1e6, pct(delivered, 0.5),
         pct(delivered, 0.99), pct(delivered, 0.999), pct(delivered, 1.0), served, stats_tx, stats_tx_bytes);
  /* A 100-point latency CDF (ms at each percentile), for the chart. */
  for (int i = 0; i <= 100; i++) printf("%s%.3f", i ? "," : "", pct(delivered, i == 100 ? 0.999 : i / 100.0));
  printf("]}\n");
  return failed > 0 && delivered == 0;
}

/* ---------- consume ---------- */

static int run_consume(const struct opts *o) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
#define SET(k, v) if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(k, err)
  SET("bootstrap.servers", o->brokers);
  SET("group.id", "sluice-bench");
  SET("enable.auto.commit", "false");
  SET("enable.partition.eof", "false");
  /* Tuned as librdkafka's own performance tool (examples/rdkafka_performance.c) tunes a
   * consumer: keep up to a million records prefetched (queued.min.messages; the default 100,000
   * is 100 MB of 1 KiB records) so the application never waits on a fetch round trip. Fetches
   * stay at 1 MB per partition (librdkafka's and Kafka's default): 8 MB ones were slower here,
   * 1.6-1.8 against 2.0-2.5 GB/s, the client spending ~50 % more CPU on the larger responses. */
  SET("fetch.max.bytes", "52428800");
  SET("max.partition.fetch.bytes", "1048576");
  SET("queued.min.messages", "1000000");
  SET("queued.max.messages.kbytes", "262144");
#undef SET
  apply_env_conf(conf);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  rd_kafka_poll_set_consumer(rk);
  long np = o->partitions > 0 ? o->partitions : 1;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)np);
  for (long p = 0; p < np; p++) rd_kafka_topic_partition_list_add(list, o->topic, (int32_t)p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  /* Manual assignment: no group join in the measured time. */
  if (rd_kafka_assign(rk, list)) die("assign", "failed");
  rd_kafka_topic_partition_list_destroy(list);
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double t0 = now_s(), deadline = t0 + o->timeout_s, first = 0;
  long records = 0;
  double bytes = 0;
  /* Messages are taken from the consumer queue in batches, as librdkafka's own performance
   * tool does: one poll per record is a queue lock and a wake-up per record. */
  rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
  static rd_kafka_message_t *batch[10000];
  while (records < o->count && now_s() < deadline) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch, sizeof batch / sizeof *batch);
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (!m->err) {
        if (!first) first = now_s();
        records++;
        bytes += (double)m->len;
      }
      rd_kafka_message_destroy(m);
    }
  }
  double end = now_s(), elapsed = end - t0;
  getrusage(RUSAGE_SELF, &ru1);
  rd_kafka_queue_destroy(queue);
  /* The consumer's own start (metadata, offset lookups) is reported apart: the streaming rate
   * runs from the first record to the last, which is what the bare file streamer is held to. */
  double streaming = first ? end - first : elapsed;
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  printf("{\"mode\":\"consume\",\"records\":%ld,\"bytes\":%.0f,\"seconds\":%.4f,\"firstRecordMs\":%.2f,\"recordsPerSec\":%.1f,\"mbPerSec\":%.3f,\"clientCpuMs\":%.0f}\n",
         records, bytes, elapsed, first ? (first - t0) * 1000 : -1, (double)records / streaming, bytes / streaming / 1e6, rusage_ms(&ru0, &ru1));
  return records < o->count;
}

/* ---------- raw TCP (the limit) ---------- */

static int dial(const char *hostport) {
  char host[256];
  const char *colon = strrchr(hostport, ':');
  if (!colon) die("address", hostport);
  snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
  struct addrinfo hints = {0}, *res;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, colon + 1, &hints, &res)) die("resolve", hostport);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, res->ai_addr, res->ai_addrlen)) die("connect", strerror(errno));
  freeaddrinfo(res);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r <= 0) die("read", r == 0 ? "eof" : strerror(errno));
    got += (size_t)r;
  }
}

static void write_full(int fd, const void *buf, size_t n) {
  size_t put = 0;
  while (put < n) {
    ssize_t w = write(fd, (const char *)buf + put, n - put);
    if (w <= 0) die("write", strerror(errno));
    put += (size_t)w;
  }
}

/* Like a pipelined producer: keep up to `inflight` frames unanswered, each answered by 4 bytes.
 * With -i 1 each frame's wait is one bare round trip, the floor under any produce latency. */
static int run_raw_send(const struct opts *o) {
  int fd = dial(o->brokers);
  long frame = o->frame > 0 ? o->frame : 65536, inflight = o->inflight > 0 ? o->inflight : 5;
  long frames = (o->count + frame - 1) / frame;
  char *buf = malloc((size_t)frame + 4);
  double *sent_at = calloc((size_t)inflight, sizeof(double));
  latencies_us = calloc((size_t)frames + 1, sizeof(float));
  uint32_t len = htonl((uint32_t)frame);
  memcpy(buf, &len, 4);
  for (long i = 0; i < frame; i++) buf[4 + i] = (char)('a' + i % 26);
  double t0 = now_s(), deadline = t0 + o->timeout_s;
  long sent = 0, acked = 0;
  char ack[4];
  while (acked < frames && now_s() < deadline) {
    while (sent < frames && sent - acked < inflight) {
      sent_at[sent % inflight] = now_s();
      write_full(fd, buf, (size_t)frame + 4);
      sent++;
    }
    read_full(fd, ack, 4);
    latencies_us[acked] = (float)((now_s() - sent_at[acked % inflight]) * 1e6);
    acked++;
  }
  double elapsed = now_s() - t0;
  close(fd);
  qsort(latencies_us, (size_t)acked, sizeof(float), cmp_float);
  printf("{\"mode\":\"raw-send\",\"frames\":%ld,\"frameBytes\":%ld,\"seconds\":%.4f,\"mbPerSec\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f}\n",
         acked, frame, elapsed, (double)acked * (double)frame / elapsed / 1e6, pct(acked, 0.5), pct(acked, 0.99), pct(acked, 0.999));
  return 0;
}

static int run_raw_recv(const struct opts *o) {
  double t0 = now_s(), deadline = t0 + o->timeout_s;
  int fd = dial(o->brokers);
  static char buf[1 << 20];
  double bytes = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r <= 0 || now_s() > deadline) break;
    bytes += (double)r;
  }
  double elapsed = now_s() - t0;
  close(fd);
  printf("{\"mode\":\"raw-recv\",\"bytes\":%.0f,\"seconds\":%.4f,\"mbPerSec\":%.3f}\n", bytes, elapsed, bytes / elapsed / 1e6);
  return 0;
}

/* ---------- raw Fetch: a consumer with no client library ---------- */

/* Fetch v12 is what current clients send (flexible versions: compact strings and arrays,
 * tagged fields), by topic name and sessionless (session 0, epoch -1: every request is a full
 * fetch that opens no session, as Kafka's FINAL_EPOCH). */
#define FETCH_VERSION 12

static unsigned char *put_be(unsigned char *p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) *p++ = (unsigned char)(v >> (8 * i));
  return p;
}

static unsigned char *put_uvarint(unsigned char *p, uint32_t v) {
  while (v >= 0x80) {
    *p++ = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  *p++ = (unsigned char)v;
  return p;
}

/* One Fetch request for `offset` of one partition, size prefix included; returns its length. */
static size_t encode_fetch(unsigned char *buf, int32_t correlation, const char *topic, int32_t partition, int64_t offset, int32_t max_bytes) {
  static const char client[] = "sluice-raw-fetch";
  unsigned char *p = buf + 4;
  p = put_be(p, 1, 2);                       /* api key: Fetch */
  p = put_be(p, FETCH_VERSION, 2);
  p = put_be(p, (uint32_t)correlation, 4);
  p = put_be(p, sizeof client - 1, 2);       /* request header v2: client id stays a classic string */
  memcpy(p, client, sizeof client - 1), p += sizeof client - 1;
  *p++ = 0;                                  /* header tagged fields */
  p = put_be(p, (uint32_t)-1, 4);            /* replica id: a consumer */
  p = put_be(p, 0, 4);                       /* max wait ms: answer at once (the log is full) */
  p = put_be(p, 0, 4);                       /* min bytes */
  p = put_be(p, (uint32_t)max_bytes, 4);
  *p++ = 0;                                  /* isolation: read_uncommitted */
  p = put_be(p, 0, 4);                       /* session id */
  p = put_be(p, (uint32_t)-1, 4);            /* session epoch: sessionless */
  p = put_uvarint(p, 2);                     /* one topic */
  size_t topic_len = strlen(topic);
  p = put_uvarint(p, (uint32_t)topic_len + 1);
  memcpy(p, topic, topic_len), p += topic_len;
  p = put_uvarint(p, 2);                     /* one partition */
  p = put_be(p, (uint32_t)partition, 4);
  p = put_be(p, (uint32_t)-1, 4);            /* current leader epoch: unknown */
  p = put_be(p, (uint64_t)offset, 8);
  p = put_be(p, (uint32_t)-1, 4);            /* last fetched epoch: none */
  p = put_be(p, (uint64_t)-1, 8);            /* log start offset: a consumer's */
  p = put_be(p, (uint32_t)max_bytes, 4);     /* partition max bytes */
  *p++ = 0;                                  /* partition tagged fields */
  *p++ = 0;                                  /* topic tagged fields */
  *p++ = 1;                                  /* forgotten topics: none */
  *p++ = 1;                                  /* rack id: "" */
  *p++ = 0;                                  /* request tagged fields */
  size_t n = (size_t)(p - buf);
  put_be(buf, (uint32_t)(n - 4), 4);
  return n;
}

/* A bounds-checked cursor over one response body; any overrun is a malformed answer. */
struct cursor {
  const unsigned char *p, *end;
};

static const unsigned char *take(struct cursor *c, size_t n) {
  if ((size_t)(c->end - c->p) < n) die("fetch response", "truncated");
  const unsigned char *at = c->p;
  c->p += n;
  return at;
}

static uint64_t get_be(struct cursor *c, int bytes) {
  const unsigned char *p = take(c, (size_t)bytes);
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
  return v;
}

static uint32_t get_uvarint(struct cursor *c) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t b = *take(c, 1);
    v |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  die("fetch response", "varint too long");
  return 0;
}

static void skip_tagged_fields(struct cursor *c) {
  for (uint32_t n = get_uvarint(c); n > 0; n--) {
    get_uvarint(c);           /* tag */
    take(c, get_uvarint(c));  /* size, then the field */
  }
}

struct fetch_answer {
  int32_t correlation;
  int64_t high_watermark;
  const unsigned char *records;
  size_t records_len;
};

/* Parses a Fetch v12 answer for one partition: error codes, high watermark, the record set. */
static struct fetch_answer parse_fetch(const unsigned char *body, size_t size) {
  struct cursor c = {body, body + size};
  struct fetch_answer a = {0};
  char why[96];
  a.correlation = (int32_t)get_be(&c, 4);
  skip_tagged_fields(&c);                   /* response header v1 */
  take(&c, 4);                              /* throttle time */
  int16_t error = (int16_t)get_be(&c, 2);
  if (error) snprintf(why, sizeof why, "error code %d", error), die("fetch", why);
  take(&c, 4);                              /* session id */
  if (get_uvarint(&c) != 2) die("fetch response", "not one topic");
  take(&c, get_uvarint(&c) - 1);            /* topic name */
  if (get_uvarint(&c) != 2) die("fetch response", "not one partition");
  take(&c, 4);                              /* partition index */
  error = (int16_t)get_be(&c, 2);
  if (error) snprintf(why, sizeof why, "partition error code %d (answer %d)", error, a.correlation), die("fetch", why);
  a.high_watermark = (int64_t)get_be(&c, 8);
  take(&c, 16);                             /* last stable offset, log start offset */
  uint32_t aborted = get_uvarint(&c);       /* compact nullable array: 0 = null */
  for (uint32_t i = 1; i < aborted; i++) take(&c, 16), skip_tagged_fields(&c);
  take(&c, 4);                              /* preferred read replica */
  uint32_t len = get_uvarint(&c);           /* compact nullable bytes: 0 = null */
  a.records_len = len > 0 ? len - 1 : 0;
  a.records = take(&c, a.records_len);
  skip_tagged_fields(&c);                   /* partition */
  skip_tagged_fields(&c);                   /* topic */
  skip_tagged_fields(&c);                   /* response */
  return a;
}

/* Reads one size-prefixed answer into *buf (grown when an answer is larger); returns its size. */
static size_t read_frame(int fd, unsigned char **buf, size_t *cap) {
  unsigned char head[4];
  read_full(fd, head, 4);
  size_t size = ((size_t)head[0] << 24) | ((size_t)head[1] << 16) | ((size_t)head[2] << 8) | head[3];
  if (size > *cap) {
    *cap = size;
    *buf = realloc(*buf, *cap);
    if (!*buf) die("fetch", "out of memory");
  }
  read_full(fd, *buf, size);
  return size;
}

struct lane {
  int64_t from, to, next;
};

/* The lanes split [0, high watermark) so that `inflight` requests are always outstanding on one
 * connection (a fetch's next offset is known only from its answer, so one lane alone would be a
 * serial round trip). Answers come back in request order; a batch belongs to the lane its base
 * offset is in, so every log byte is counted once. */
static int run_raw_fetch(const struct opts *o) {
  int fd = dial(o->brokers);
  int32_t max_bytes = o->frame > 0 ? (int32_t)o->frame : 1 << 20;
  int32_t partition = (int32_t)o->partition;
  long nlanes = o->inflight > 0 ? o->inflight : 4;
  size_t cap = (size_t)max_bytes + (64 << 10);
  unsigned char *buf = malloc(cap), request[512];
  if (strlen(o->topic) > 255) die("topic", "name too long");
  int32_t correlation = 0;

  /* The high watermark, from a first fetch before the clock starts. */
  write_full(fd, request, encode_fetch(request, correlation++, o->topic, partition, 0, max_bytes));
  int64_t hw = parse_fetch(buf, read_frame(fd, &buf, &cap)).high_watermark;
  if (hw <= 0) die("fetch", "empty partition");

  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double t0 = now_s(), deadline = t0 + o->timeout_s, first = 0;
  struct lane *lanes = calloc((size_t)nlanes, sizeof *lanes);
  long *order = calloc((size_t)nlanes, sizeof *order); /* lane of each outstanding request, FIFO */
  long head = 0, outstanding = 0, requests = 0;
  int64_t span = hw / nlanes + 1;
  for (long l = 0; l < nlanes; l++) {
    lanes[l].from = lanes[l].next = l * span;
    lanes[l].to = (l + 1) * span < hw ? (l + 1) * span : hw;
    if (lanes[l].from >= lanes[l].to) continue;
    write_full(fd, request, encode_fetch(request, correlation++, o->topic, partition, lanes[l].next, max_bytes));
    order[(head + outstanding++) % nlanes] = l;
  }
  double bytes = 0, records = 0;
  while (outstanding > 0) {
    struct fetch_answer a = parse_fetch(buf, read_frame(fd, &buf, &cap));
    struct lane *lane = &lanes[order[head]];
    head = (head + 1) % nlanes;
    outstanding--;
    requests++;
    if (!first) first = now_s();
    /* Batch headers only: baseOffset(8) batchLength(4) … lastOffsetDelta at byte 23. */
    int64_t next = lane->next;
    for (size_t pos = 0; pos + 61 <= a.records_len;) {
      struct cursor c = {a.records + pos, a.records + a.records_len};
      int64_t base = (int64_t)get_be(&c, 8);
      size_t total = 12 + (uint32_t)get_be(&c, 4);
      if (pos + total > a.records_len || base >= lane->to) break; /* a partial batch ends an answer */
      take(&c, 11);                         /* partition leader epoch, magic, crc, attributes */
      int64_t last = base + (int32_t)get_be(&c, 4);
      if (base >= lane->from) {
        bytes += (double)total;
        records += (double)(last + 1 - base);
      }
      next = last + 1;
      pos += total;
    }
    if (next == lane->next) {
      char why[96];
      snprintf(why, sizeof why, "no whole batch at offset %lld (raise -f?)", (long long)next);
      die("fetch", why);
    }
    lane->next = next;
    if (lane->next < lane->to && now_s() < deadline) {
      write_full(fd, request, encode_fetch(request, correlation++, o->topic, partition, lane->next, max_bytes));
      order[(head + outstanding++) % nlanes] = lane - lanes;
    }
  }
  double elapsed = now_s() - t0;
  getrusage(RUSAGE_SELF, &ru1);
  double cpu_ms = rusage_ms(&ru0, &ru1);
  close(fd);
  printf("{\"mode\":\"raw-fetch\",\"records\":%.0f,\"bytes\":%.0f,\"logBytes\":%.0f,\"highWatermark\":%lld,\"requests\":%ld,\"seconds\":%.4f,"
         "\"firstRecordMs\":%.2f,\"recordsPerSec\":%.1f,\"mbPerSec\":%.3f,\"clientCpuMs\":%.0f}\n",
         records, bytes, bytes, (long long)hw, requests, elapsed, first ? (first - t0) * 1000 : -1, records / elapsed, bytes / elapsed / 1e6, cpu_ms);
  return 0;
}

int main(int argc, char **argv) {
  struct opts o = {.brokers = "127.0.0.1:9092", .topic = "bench", .compression = "none", .linger = "5", .max_inflight = "1000000", .count = 10000, .size = 100,
                   .partitions = 1, .producers = 1, .acks = 1, .timeout_s = 30};
  if (argc < 2) die("usage", "produce|consume|raw-send|raw-recv|raw-fetch [options]");
  o.mode = argv[1];
  int c;
  optind = 2;
  while ((c = getopt(argc, argv, "b:t:n:s:a:z:p:P:r:c:T:f:i:l:m:")) != -1) {
    switch (c) {
      case 'b': o.brokers = optarg; break;
      case 't': o.topic = optarg; break;
      case 'n': o.count = atol(optarg); break;
      case 's': o.size = atol(optarg); break;
      case 'a': o.acks = atoi(optarg); break;
      case 'z': o.compression = optarg; break;
      case 'p': o.partitions = atol(optarg); break;
      case 'P': o.partition = atol(optarg); break;
      case 'r': o.rate = atof(optarg); break;
      case 'c': o.producers = atol(optarg); break;
      case 'T': o.timeout_s = atof(optarg); break;
      case 'f': o.frame = atol(optarg); break;
      case 'i': o.inflight = atol(optarg); break;
      case 'l': o.linger = optarg; break;
      case 'm': o.max_inflight = optarg; break;
      default: die("usage", "unknown option");
    }
  }
  if (!strcmp(o.mode, "produce")) return run_produce(&o);
  if (!strcmp(o.mode, "consume")) return run_consume(&o);
  if (!strcmp(o.mode, "raw-send")) return run_raw_send(&o);
  if (!strcmp(o.mode, "raw-recv")) return run_raw_recv(&o);
  if (!strcmp(o.mode, "raw-fetch")) return run_raw_fetch(&o);
  die("unknown mode", o.mode);
  return 2;
}
