// segmentio/kafka-go scenario runner: `kafka-go-runner <scenario>` prints one
// JSON result line. Built against Debian's kafka-go 0.2.1 in GOPATH mode (see
// scripts/install-compat-clients.sh). 0.2.1 is an old client: Produce v2 and
// Fetch with magic 1 message sets (timestamps, no headers), codecs gzip,
// snappy and lz4, topics created through a plain connection.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	. "compatkit"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"
)

var (
	bootstrap = EnvOr("BOOTSTRAP", "localhost:9092")
	prefix    = EnvOr("TOPIC_PREFIX", fmt.Sprintf("compat-kafka-go-%d", time.Now().Unix()))
	topicSeq  = 0
	dialer    = &kafka.Dialer{Timeout: 3 * time.Second}
)

func createTopic(partitions int) string {
	topicSeq++
	topic := fmt.Sprintf("%s-t-%d", prefix, topicSeq)
	conn, err := dialer.Dial("tcp", bootstrap)
	Must(err, "dial")
	defer conn.Close()
	Must(conn.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}), "create topic")
	return topic
}

func leader(topic string, partition int) *kafka.Conn {
	conn, err := dialer.DialLeader(context.Background(), "tcp", bootstrap, topic, partition)
	Must(err, "dial leader")
	Must(conn.SetDeadline(time.Now().Add(Timeout)), "deadline")
	return conn
}

// readAll reads every message of one partition from its start.
func readAll(topic string, partition int, want int) []kafka.Message {
	conn := leader(topic, partition)
	defer conn.Close()
	_, err := conn.Seek(0, kafka.SeekAbsolute)
	Must(err, "seek")
	var got []kafka.Message
	for len(got) < want {
		batch := conn.ReadBatch(1, 2*MessageMaxBytes)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			got = append(got, m)
		}
		Must(batch.Close(), "fetch")
	}
	return got
}

// groupReader is a consumer-group Reader with Kafka's shortest session
// timeout (group.min.session.timeout.ms = 6 s). 0.2.1's Reader.Close never
// sends LeaveGroup (it cancels the context its coordinator dial uses first),
// so the next member's join waits until the closed member's session expires:
// 30 s with the default timeouts, in Kafka as in Sluice.
func groupReader(group, topic string) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{bootstrap}, GroupID: group, Topic: topic, Dialer: dialer, MaxWait: 200 * time.Millisecond,
		SessionTimeout: 6 * time.Second, HeartbeatInterval: 500 * time.Millisecond, RebalanceTimeout: 10 * time.Second,
	})
}

// waitFor polls cond until it holds or half the scenario's time has passed.
func waitFor(cond func() bool, what func() string) {
	for deadline := time.Now().Add(Timeout / 2); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	panic(fmt.Errorf("timed out waiting for %s", what()))
}

func messages(n int) []kafka.Message {
	var ms []kafka.Message
	for i := 0; i < n; i++ {
		ms = append(ms, kafka.Message{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 200)))})
	}
	return ms
}

func produceConsume(codec kafka.CompressionCodec) func() string {
	return func() string {
		topic := createTopic(1)
		conn := leader(topic, 0)
		ms := messages(20)
		var err error
		if codec == nil {
			_, err = conn.WriteMessages(ms...)
		} else {
			_, err = conn.WriteCompressedMessages(codec, ms...)
		}
		conn.Close()
		Must(err, "produce")
		for i, m := range readAll(topic, 0, len(ms)) {
			Check(m.Offset == int64(i) && string(m.Key) == string(ms[i].Key), "message %d is %s@%d", i, m.Key, m.Offset)
		}
		return ""
	}
}

var scenarios = map[string]func() string{
	"api-versions-metadata": func() string {
		topic := createTopic(3)
		conn, err := dialer.Dial("tcp", bootstrap)
		Must(err, "dial")
		defer conn.Close()
		parts, err := conn.ReadPartitions(topic)
		Must(err, "metadata")
		Check(len(parts) == 3, "topic has %d partitions", len(parts))
		addr := fmt.Sprintf("%s:%d", parts[0].Leader.Host, parts[0].Leader.Port)
		Check(addr == bootstrap, "leader advertised as %s", addr)
		return "kafka-go 0.2.1 sends no ApiVersions; metadata only"
	},
	"produce-consume-none":   produceConsume(nil),
	"produce-consume-gzip":   produceConsume(gzip.NewCompressionCodec()),
	"produce-consume-snappy": produceConsume(snappy.NewCompressionCodec()),
	"produce-consume-lz4":    produceConsume(lz4.NewCompressionCodec()),

	"keyed-partitioning": func() string {
		topic := createTopic(4)
		w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{bootstrap}, Topic: topic, Balancer: &kafka.Hash{}, Dialer: dialer})
		ms := messages(24)
		Must(w.WriteMessages(context.Background(), ms...), "produce")
		Must(w.Close(), "close writer")
		chosen := map[string]int{}
		count := map[int]int{}
		for _, m := range ms {
			p := (&kafka.Hash{}).Balance(m, 0, 1, 2, 3) // the writer's own balancer: FNV-1a
			chosen[string(m.Key)] = p
			count[p]++
		}
		Check(len(count) > 1, "all keys hash to one partition")
		for p, n := range count {
			for _, m := range readAll(topic, p, n) {
				Check(chosen[string(m.Key)] == p, "%s found on %d, balancer chose %d", m.Key, p, chosen[string(m.Key)])
			}
		}
		return ""
	},

	"large-message": func() string {
		topic := createTopic(1)
		conn := leader(topic, 0)
		defer conn.Close()
		// Magic 1: 12 bytes of log overhead + a 22-byte message header + key/value lengths 8.
		okSize := MessageMaxBytes - 34
		_, err := conn.WriteMessages(kafka.Message{Value: make([]byte, okSize)})
		Must(err, "write a value at the limit")
		_, err = conn.WriteMessages(kafka.Message{Value: make([]byte, MessageMaxBytes)})
		Check(err == kafka.MessageSizeTooLarge, "expected MESSAGE_TOO_LARGE, got %v", err)
		m := readAll(topic, 0, 1)[0]
		Check(len(m.Value) == okSize, "consumed %d bytes", len(m.Value))
		return ""
	},

	"headers-timestamps": func() string {
		topic := createTopic(1)
		conn := leader(topic, 0)
		ts := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		_, err := conn.WriteMessages(kafka.Message{Key: []byte("k"), Value: []byte("v"), Time: ts})
		conn.Close()
		Must(err, "produce")
		m := readAll(topic, 0, 1)[0]
		Check(m.Time.Equal(ts), "timestamp %v != %v", m.Time, ts)
		return "magic 1 message sets carry no headers: only the CreateTime checked"
	},

	// 0.2.1's Reader does not expose its assignment, so each member's share is
	// read off the partitions of the messages it receives: one message per
	// partition and round, nothing committed.
	"consumer-group-rebalance": func() string {
		topic := createTopic(4)
		group := topic + "-g"
		writeRound := func(round int) {
			for p := 0; p < 4; p++ {
				conn := leader(topic, p)
				_, err := conn.WriteMessages(kafka.Message{Key: []byte(fmt.Sprintf("r%d", round)), Value: []byte(fmt.Sprint(p))})
				conn.Close()
				Must(err, "produce")
			}
		}
		var mu sync.Mutex
		seen := map[string]map[string][]int{} // member → round key → partitions
		got := func(member, round string) []int {
			mu.Lock()
			defer mu.Unlock()
			return append([]int{}, seen[member][round]...)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		member := func(name string) *kafka.Reader {
			r := groupReader(group, topic)
			mu.Lock()
			seen[name] = map[string][]int{}
			mu.Unlock()
			go func() {
				for {
					m, err := r.FetchMessage(ctx)
					if err != nil {
						return
					}
					mu.Lock()
					seen[name][string(m.Key)] = append(seen[name][string(m.Key)], m.Partition)
					mu.Unlock()
				}
			}()
			return r
		}
		writeRound(1)
		a := member("a")
		defer a.Close()
		waitFor(func() bool { return len(got("a", "r1")) == 4 }, func() string {
			return fmt.Sprintf("the first member to read all 4 partitions (read %v)", got("a", "r1"))
		})
		b := member("b")
		defer b.Close()
		// The second member re-reads round 1 from the start of whatever it got.
		waitFor(func() bool { return len(got("b", "r1")) > 0 }, func() string { return "the second member to get partitions" })
		writeRound(2)
		waitFor(func() bool { return len(got("a", "r2"))+len(got("b", "r2")) >= 4 }, func() string {
			return fmt.Sprintf("round 2 on every partition (a %v, b %v)", got("a", "r2"), got("b", "r2"))
		})
		ra, rb := got("a", "r2"), got("b", "r2")
		Check(len(ra) > 0 && len(rb) > 0, "one member read every partition after the rebalance: a %v, b %v", ra, rb)
		owner := map[int]string{}
		for name, ps := range map[string][]int{"a": ra, "b": rb} {
			for _, p := range ps {
				Check(owner[p] == "", "partition %d read by both members: a %v, b %v", p, ra, rb)
				owner[p] = name
			}
		}
		Check(len(owner) == 4, "partitions read after the rebalance: a %v, b %v", ra, rb)
		return ""
	},

	"commit-resume": func() string {
		topic := createTopic(1)
		group := topic + "-g"
		conn := leader(topic, 0)
		_, err := conn.WriteMessages(messages(10)...)
		conn.Close()
		Must(err, "produce")
		reader := func() *kafka.Reader { return groupReader(group, topic) }
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		first := reader()
		var last kafka.Message
		for i := 0; i < 5; i++ {
			last, err = first.FetchMessage(ctx)
			Must(err, "fetch")
		}
		Must(first.CommitMessages(ctx, last), "commit") // commits last.Offset+1 = 5
		Must(first.Close(), "close first reader")
		second := reader()
		defer second.Close()
		next, err := second.FetchMessage(ctx)
		Must(err, "fetch after resume")
		Check(next.Offset == 5, "resumed at offset %d", next.Offset)
		return ""
	},

	"admin": func() string {
		topic := createTopic(2)
		conn, err := dialer.Dial("tcp", bootstrap)
		Must(err, "dial")
		defer conn.Close()
		// kafka-go turns TOPIC_ALREADY_EXISTS into success ("idempotent semantics"),
		// so a second create must succeed and change nothing.
		Must(conn.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 4, ReplicationFactor: 1}), "second create")
		parts, err := conn.ReadPartitions(topic)
		Must(err, "metadata")
		Check(len(parts) == 2, "a second create changed the topic to %d partitions", len(parts))
		Must(conn.DeleteTopics(topic), "delete")
		return "kafka-go 0.2.1 has only CreateTopics and DeleteTopics"
	},

	"list-offsets-by-timestamp": func() string {
		topic := createTopic(1)
		conn := leader(topic, 0)
		defer conn.Close()
		t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
		for i := 0; i < 3; i++ {
			_, err := conn.WriteMessages(kafka.Message{Value: []byte{byte(i)}, Time: t0.Add(time.Duration(i) * time.Second)})
			Must(err, "produce")
		}
		at := func(t time.Time) int64 {
			o, err := conn.ReadOffset(t)
			Must(err, "ListOffsets")
			return o
		}
		Check(at(t0.Add(-time.Millisecond)) == 0, "before all → %d", at(t0.Add(-time.Millisecond)))
		Check(at(t0.Add(500*time.Millisecond)) == 1, "t0+500ms → %d", at(t0.Add(500*time.Millisecond)))
		Check(at(t0.Add(2*time.Second)) == 2, "exact → %d", at(t0.Add(2*time.Second)))
		first, last, err := conn.ReadOffsets()
		Must(err, "earliest/latest")
		Check(first == 0 && last == 3, "earliest/latest %d/%d", first, last)
		return ""
	},
}

var notSupported = map[string]string{
	"produce-consume-zstd": "kafka-go 0.2.1 (Debian) has gzip, snappy and lz4 codecs only",
	"idempotent-producer":  "kafka-go 0.2.1 has no idempotent producer",
	"transactions":         "kafka-go 0.2.1 has no transactions",
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kafka-go-runner <scenario> | kafka-go-runner --unsupported")
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "--unsupported" {
		EmitAll(notSupported)
		return
	}
	fn, ok := scenarios[name]
	if reason, no := notSupported[name]; no || !ok {
		if !no {
			reason = "scenario not implemented by this runner"
		}
		Emit(name, "unsupported", reason)
		return
	}
	Run(name, fn)
}
