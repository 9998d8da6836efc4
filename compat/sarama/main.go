// Sarama scenario runner: `sarama-runner [-legacy] <scenario>` prints one JSON
// result line. Built against Debian's sarama 1.22.1 in GOPATH mode (see
// scripts/install-compat-clients.sh). Without -legacy it speaks sarama's
// newest protocol (Kafka 2.2: record batches v2); with -legacy it keeps
// sarama's default Version (0.8.2: magic 0 message sets), moving to 0.10.0
// (magic 1) only where a codec or timestamps need it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	. "compatkit"

	"github.com/Shopify/sarama"
)

var (
	legacy    = flag.Bool("legacy", false, "use sarama's default (oldest) protocol version")
	listOnly  = flag.Bool("unsupported", false, "print the scenarios this mode cannot express, run nothing")
	bootstrap = []string{EnvOr("BOOTSTRAP", "localhost:9092")}
	prefix    = EnvOr("TOPIC_PREFIX", fmt.Sprintf("compat-sarama-%d", time.Now().Unix()))
	topicSeq  = 0
	// note is what a passing scenario could not check, kept with its pass.
	note = ""
)

func topicName() string {
	topicSeq++
	return fmt.Sprintf("%s-t-%d", prefix, topicSeq)
}

// config is the data-path configuration: sarama's default version in legacy
// mode, otherwise its newest.
func config() *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "sluice-compat-sarama"
	c.Net.DialTimeout = 3 * time.Second
	c.Net.ReadTimeout = 10 * time.Second
	c.Metadata.Retry.Max = 2
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Retry.Max = 2
	c.Producer.MaxMessageBytes = 2 * MessageMaxBytes // let the broker do the size check
	c.Consumer.Return.Errors = true
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	if !*legacy {
		c.Version = sarama.MaxVersion
	}
	return c
}

// createTopic uses a modern admin client even in legacy mode: creating topics
// is setup here, not what the legacy scenarios test.
func createTopic(partitions int32) string {
	c := config()
	c.Version = sarama.MaxVersion
	admin, err := sarama.NewClusterAdmin(bootstrap, c)
	Must(err, "admin client")
	defer admin.Close()
	t := topicName()
	Must(admin.CreateTopic(t, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1}, false), "create topic")
	return t
}

func produce(c *sarama.Config, msgs []*sarama.ProducerMessage) {
	p, err := sarama.NewSyncProducer(bootstrap, c)
	Must(err, "producer")
	defer p.Close()
	Must(p.SendMessages(msgs), "send")
}

// consume reads n messages from the start of every partition of topic.
func consume(c *sarama.Config, topic string, n int) []*sarama.ConsumerMessage {
	consumer, err := sarama.NewConsumer(bootstrap, c)
	Must(err, "consumer")
	defer consumer.Close()
	parts, err := consumer.Partitions(topic)
	Must(err, "partitions")
	out := make(chan *sarama.ConsumerMessage, n)
	errs := make(chan error, len(parts))
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		Must(err, "consume partition")
		defer pc.Close()
		go func() {
			for {
				select {
				case m, ok := <-pc.Messages():
					if !ok {
						return
					}
					out <- m
				case e, ok := <-pc.Errors():
					if ok {
						errs <- e
					}
					return
				}
			}
		}()
	}
	var got []*sarama.ConsumerMessage
	for len(got) < n {
		select {
		case m := <-out:
			got = append(got, m)
		case e := <-errs:
			panic(fmt.Errorf("consume: %v", e))
		}
	}
	return got
}

func messages(topic string, n int) []*sarama.ProducerMessage {
	var ms []*sarama.ProducerMessage
	for i := 0; i < n; i++ {
		ms = append(ms, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)),
			Value: sarama.StringEncoder(fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 200)))})
	}
	return ms
}

func produceConsume(codec sarama.CompressionCodec) func() {
	return func() {
		c := config()
		c.Producer.Compression = codec
		if *legacy && (codec == sarama.CompressionLZ4) {
			c.Version = sarama.V0_10_0_0 // sarama refuses lz4 below 0.10: this is the magic 1 path
		}
		topic := createTopic(1)
		ms := messages(topic, 20)
		if codec == sarama.CompressionZSTD {
			// sarama 1.22 sends zstd batches in Produce v3; Kafka accepts zstd
			// only from Produce v7 and answers UNSUPPORTED_COMPRESSION_TYPE.
			p, err := sarama.NewSyncProducer(bootstrap, c)
			Must(err, "producer")
			defer p.Close()
			_, _, err = p.SendMessage(ms[0])
			Check(err == sarama.ErrUnsupportedCompressionType, "expected UNSUPPORTED_COMPRESSION_TYPE for zstd in Produce v3, got %v", err)
			note = "sarama 1.22 sends zstd in Produce v3, which Kafka refuses (zstd needs v7): checked that the broker answers UNSUPPORTED_COMPRESSION_TYPE"
			return
		}
		produce(c, ms)
		got := consume(c, topic, len(ms))
		for i, m := range got {
			Check(m.Offset == int64(i), "message %d at offset %d", i, m.Offset)
			Check(string(m.Key) == fmt.Sprintf("k%d", i), "message %d key %q", i, m.Key)
		}
	}
}

var scenarios = map[string]func(){
	"api-versions-metadata": func() {
		client, err := sarama.NewClient(bootstrap, config())
		Must(err, "client")
		defer client.Close()
		brokers := client.Brokers()
		Check(len(brokers) >= 1, "no brokers")
		Check(brokers[0].Addr() == bootstrap[0], "advertised %s", brokers[0].Addr())
		topic := createTopic(3)
		Must(client.RefreshMetadata(topic), "refresh metadata")
		parts, err := client.Partitions(topic)
		Must(err, "partitions")
		Check(len(parts) == 3, "topic has %d partitions", len(parts))
		if *legacy {
			note = "Version 0.8.2 predates ApiVersions (0.10): Metadata v0 only"
		} else {
			// ApiVersions is only sent by sarama when asked for explicitly.
			b := brokers[0]
			_ = b.Open(client.Config())
			resp, err := b.ApiVersions(&sarama.ApiVersionsRequest{})
			Must(err, "ApiVersions")
			Check(resp.Err == sarama.ErrNoError && len(resp.ApiVersions) > 0, "ApiVersions: %v", resp.Err)
		}
	},
	"produce-consume-none":   produceConsume(sarama.CompressionNone),
	"produce-consume-gzip":   produceConsume(sarama.CompressionGZIP),
	"produce-consume-snappy": produceConsume(sarama.CompressionSnappy),
	"produce-consume-lz4":    produceConsume(sarama.CompressionLZ4),
	"produce-consume-zstd":   produceConsume(sarama.CompressionZSTD),

	"keyed-partitioning": func() {
		topic := createTopic(4)
		c := config()
		p, err := sarama.NewSyncProducer(bootstrap, c)
		Must(err, "producer")
		chosen := map[string]int32{}
		partitioner := sarama.NewHashPartitioner(topic) // sarama's default: FNV-1a
		for _, m := range messages(topic, 24) {
			want, err := partitioner.Partition(m, 4)
			Must(err, "partition")
			part, _, err := p.SendMessage(m)
			Must(err, "send")
			Check(part == want, "producer sent %v to %d, partitioner says %d", m.Key, part, want)
			k, _ := m.Key.Encode()
			chosen[string(k)] = part
		}
		p.Close()
		for _, m := range consume(c, topic, 24) {
			Check(chosen[string(m.Key)] == m.Partition, "%s consumed from %d, produced to %d", m.Key, m.Partition, chosen[string(m.Key)])
		}
	},

	"headers-timestamps": func() {
		topic := createTopic(1)
		ts := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		c := config()
		produce(c, []*sarama.ProducerMessage{{Topic: topic, Value: sarama.StringEncoder("v"), Timestamp: ts,
			Headers: []sarama.RecordHeader{{Key: []byte("trace-id"), Value: []byte("abc")}, {Key: []byte("bin"), Value: []byte{0, 1, 255}}}}})
		m := consume(c, topic, 1)[0]
		Check(m.Timestamp.Equal(ts), "timestamp %v != %v", m.Timestamp, ts)
		Check(len(m.Headers) == 2 && string(m.Headers[0].Key) == "trace-id" && string(m.Headers[0].Value) == "abc", "headers %v", m.Headers)
		Check(string(m.Headers[1].Value) == "\x00\x01\xff", "binary header lost")
	},

	"large-message": func() {
		topic := createTopic(1)
		c := config()
		c.Producer.Retry.Max = 0
		// Largest value that fits message.max.bytes: v2 batch header 61 + record
		// framing 11; magic 0: log overhead 12 + message header 14.
		okSize := MessageMaxBytes - 72
		if *legacy {
			okSize = MessageMaxBytes - 26
		}
		p, err := sarama.NewSyncProducer(bootstrap, c)
		Must(err, "producer")
		defer p.Close()
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(make([]byte, okSize))})
		Must(err, "send value at the limit")
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(make([]byte, MessageMaxBytes))})
		Check(err == sarama.ErrMessageSizeTooLarge, "expected MESSAGE_TOO_LARGE, got %v", err)
		c.Consumer.Fetch.Default = 2 * MessageMaxBytes
		m := consume(c, topic, 1)[0]
		Check(len(m.Value) == okSize, "consumed %d bytes", len(m.Value))
	},

	"consumer-group-rebalance": func() {
		topic := createTopic(4)
		group := topicName()
		var mu sync.Mutex
		claims := map[string][]int32{}
		owned := func(name string) int {
			mu.Lock()
			defer mu.Unlock()
			return len(claims[name])
		}
		member := func(name string) sarama.ConsumerGroup {
			c := config()
			c.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
			g, err := sarama.NewConsumerGroup(bootstrap, group, c)
			Must(err, "consumer group")
			go func() {
				for {
					if err := g.Consume(context.Background(), []string{topic}, handler{func(s sarama.ConsumerGroupSession) {
						mu.Lock()
						claims[name] = s.Claims()[topic]
						mu.Unlock()
					}}); err != nil {
						return
					}
				}
			}()
			return g
		}
		a := member("a")
		defer a.Close()
		waitFor(func() bool { return owned("a") == 4 }, "first member to own all 4 partitions")
		b := member("b")
		defer b.Close()
		waitFor(func() bool { return owned("a") > 0 && owned("b") > 0 && owned("a")+owned("b") == 4 }, "both members to get partitions")
		mu.Lock()
		defer mu.Unlock()
		seen := map[int32]bool{}
		for _, p := range append(append([]int32{}, claims["a"]...), claims["b"]...) {
			seen[p] = true
		}
		Check(len(seen) == 4, "overlapping assignments %v", claims)
	},

	"commit-resume": func() {
		topic := createTopic(1)
		group := topicName()
		c := config()
		produce(c, messages(topic, 10))
		// First member: read 5 messages, commit offset 5 (the next to read).
		first := consume(c, topic, 5)
		Check(first[4].Offset == 4, "fifth message at offset %d", first[4].Offset)
		withOffsetManager(c, group, topic, func(pom sarama.PartitionOffsetManager) { pom.MarkOffset(5, "") })
		// Second member: ask the group where to resume and read from there.
		var next int64
		withOffsetManager(c, group, topic, func(pom sarama.PartitionOffsetManager) { next, _ = pom.NextOffset() })
		Check(next == 5, "group resumes at %d", next)
		consumer, err := sarama.NewConsumer(bootstrap, c)
		Must(err, "consumer")
		defer consumer.Close()
		pc, err := consumer.ConsumePartition(topic, 0, next)
		Must(err, "consume partition")
		defer pc.Close()
		m := <-pc.Messages()
		Check(m.Offset == 5 && string(m.Key) == "k5", "resumed with offset %d key %s", m.Offset, m.Key)
	},

	"idempotent-producer": func() {
		topic := createTopic(1)
		c := config()
		c.Producer.Idempotent = true
		c.Net.MaxOpenRequests = 1
		ms := messages(topic, 30)
		produce(c, ms)
		for i, m := range consume(c, topic, 30) {
			Check(string(m.Key) == fmt.Sprintf("k%d", i), "message %d is %s", i, m.Key)
		}
	},

	"admin": func() {
		admin, err := sarama.NewClusterAdmin(bootstrap, config())
		Must(err, "admin")
		defer admin.Close()
		t := topicName()
		ret := "3600000"
		Must(admin.CreateTopic(t, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1, ConfigEntries: map[string]*string{"retention.ms": &ret}}, false), "create")
		err = admin.CreateTopic(t, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false)
		Check(err != nil && strings.Contains(err.Error(), sarama.ErrTopicAlreadyExists.Error()), "second create: %v", err)
		Must(admin.CreatePartitions(t, 4, nil, false), "create partitions")
		waitFor(func() bool {
			md, err := admin.DescribeTopics([]string{t})
			return err == nil && len(md) == 1 && len(md[0].Partitions) == 4
		}, "4 partitions")
		entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: t})
		Must(err, "describe config")
		found := map[string]string{}
		for _, e := range entries {
			found[e.Name] = e.Value
		}
		Check(found["retention.ms"] == "3600000", "retention.ms=%q", found["retention.ms"])
		Check(found["cleanup.policy"] == "delete", "cleanup.policy=%q", found["cleanup.policy"])
		Must(admin.DeleteTopic(t), "delete")
		waitFor(func() bool {
			topics, err := admin.ListTopics()
			_, still := topics[t]
			return err == nil && !still
		}, "topic to disappear")
	},

	"list-offsets-by-timestamp": func() {
		topic := createTopic(1)
		c := config()
		t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
		var ms []*sarama.ProducerMessage
		for i := 0; i < 3; i++ {
			ms = append(ms, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i)), Timestamp: t0.Add(time.Duration(i) * time.Second)})
		}
		produce(c, ms)
		client, err := sarama.NewClient(bootstrap, c)
		Must(err, "client")
		defer client.Close()
		at := func(t time.Time) int64 {
			o, err := client.GetOffset(topic, 0, t.UnixNano()/int64(time.Millisecond))
			Must(err, "GetOffset")
			return o
		}
		Check(at(t0.Add(-time.Millisecond)) == 0, "before all → %d", at(t0.Add(-time.Millisecond)))
		Check(at(t0.Add(500*time.Millisecond)) == 1, "t0+500ms → %d", at(t0.Add(500*time.Millisecond)))
		Check(at(t0.Add(2*time.Second)) == 2, "exact → %d", at(t0.Add(2*time.Second)))
		Check(at(t0.Add(10*time.Second)) == -1, "after all → %d (Kafka answers -1)", at(t0.Add(10*time.Second)))
		latest, err := client.GetOffset(topic, 0, sarama.OffsetNewest)
		Must(err, "latest")
		Check(latest == 3, "latest %d", latest)
	},
}

var notSupported = map[string]string{
	"transactions": "sarama 1.22.1 (Debian) has no transactional producer; it came in sarama 1.37",
}

// legacyNotSupported is what sarama's default Version 0.8.2 cannot express.
var legacyNotSupported = map[string]string{
	"produce-consume-zstd":      "zstd needs Kafka 2.1 (record batch v2)",
	"headers-timestamps":        "headers need record batch v2 (Kafka 0.11)",
	"consumer-group-rebalance":  "sarama refuses consumer groups below Version 0.10.2",
	"idempotent-producer":       "sarama refuses the idempotent producer below Version 0.11 (InitProducerId)",
	"admin":                     "sarama's ClusterAdmin finds the controller with Metadata v1 and refuses Version < 0.10.0",
	"list-offsets-by-timestamp": "below Version 0.10.1 sarama sends ListOffsets v0, whose timestamp selects log segments by modification time, and magic 0 records carry no timestamp",
}

// unsupportedReason says why a scenario cannot run in this mode, if it cannot.
func unsupportedReason(name string) (string, bool) {
	if reason, ok := notSupported[name]; ok {
		return reason, true
	}
	if reason, ok := legacyNotSupported[name]; ok && *legacy {
		return reason + "; sarama's default Version is 0.8.2", true
	}
	return "", false
}

// withOffsetManager runs fn with the group's offset manager for partition 0
// and closes it, which is when sarama flushes a marked offset to the broker.
func withOffsetManager(c *sarama.Config, group, topic string, fn func(sarama.PartitionOffsetManager)) {
	client, err := sarama.NewClient(bootstrap, c)
	Must(err, "client")
	defer client.Close()
	om, err := sarama.NewOffsetManagerFromClient(group, client)
	Must(err, "offset manager")
	pom, err := om.ManagePartition(topic, 0)
	Must(err, "manage partition")
	fn(pom)
	Must(pom.Close(), "close partition offset manager")
	Must(om.Close(), "close offset manager")
}

// handler records each session's claims and drains messages until the
// session ends (a rebalance or Close).
type handler struct {
	onSetup func(sarama.ConsumerGroupSession)
}

func (h handler) Setup(s sarama.ConsumerGroupSession) error { h.onSetup(s); return nil }
func (h handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for range c.Messages() {
	}
	return nil
}

func waitFor(cond func() bool, what string) {
	for deadline := time.Now().Add(Timeout / 2); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
	}
	panic(fmt.Errorf("timed out waiting for %s", what))
}

func main() {
	flag.Parse()
	sarama.Logger = log.New(ioutil.Discard, "", 0)
	if os.Getenv("SARAMA_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags)
	}
	name := flag.Arg(0)
	if *listOnly { // what the harness need not start a broker for
		for s := range scenarios {
			if reason, no := unsupportedReason(s); no {
				Emit(s, "unsupported", reason)
			}
		}
		for s, reason := range notSupported {
			Emit(s, "unsupported", reason)
		}
		return
	}
	if name == "" {
		fmt.Fprintln(os.Stderr, "usage: sarama-runner [-legacy] <scenario> | sarama-runner [-legacy] -unsupported")
		os.Exit(2)
	}
	fn, ok := scenarios[name]
	if reason, no := unsupportedReason(name); no || !ok {
		if !no {
			reason = "scenario not implemented by this runner"
		}
		Emit(name, "unsupported", reason)
		return
	}
	Run(name, func() string { fn(); return note })
}
