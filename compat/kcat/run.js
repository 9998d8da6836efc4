// kcat 1.7.1 (Debian, librdkafka 2.0.2) scenario runner: `node run.js
// <scenario>` drives the kcat binary and prints one JSON line. kcat has no
// admin API, so multi-partition topics come from ../lib/create-topic.js and
// single-partition ones from the broker's auto-creation.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as kit from '../lib/runner-kit.js';

const { check, topicName } = kit;

/** Runs kcat with `args`, feeding `input`; resolves to { code, stdout, stderr }. */
function kcat(args, { input = '', timeoutMs = 15_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn('kcat', ['-b', kit.BOOTSTRAP, '-X', 'socket.connection.setup.timeout.ms=3000', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // kcat may exit before reading everything
    child.stdin.end(input);
  });
}

async function ok(args, opts) {
  const r = await kcat(args, opts);
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  return r;
}

// Single-partition scenarios pin partition 0 on both sides so they hold
// whatever num.partitions auto-created topics get; `partition: null` leaves
// the choice to the client's partitioner and reads every partition.
const pin = (partition) => (partition === null ? [] : ['-p', String(partition)]);

/** Produces "key:value" lines (one message each); extra args pick codec, headers, etc. */
const produce = (topic, lines, extra = [], { partition = 0 } = {}) =>
  ok(['-P', '-t', topic, ...pin(partition), '-K', ':', ...extra], { input: lines.map((l) => `${l}\n`).join('') });

/** Consumes `count` messages from the beginning as parsed JSON envelopes. */
async function consume(topic, count, extra = [], { partition = 0 } = {}) {
  const r = await ok(['-C', '-t', topic, ...pin(partition), '-o', 'beginning', '-c', String(count), '-e', '-J', ...extra]);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function createTopic(partitions) {
  const topic = topicName();
  const script = fileURLToPath(new URL('../lib/create-topic.js', import.meta.url));
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, kit.BOOTSTRAP, topic, String(partitions)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`create-topic failed: ${err.trim().split('\n').pop()}`))));
  });
  return topic;
}

/**
 * Calls `fn` with each complete line of `stream`: a data chunk may end in the
 * middle of a line (unbuffered kcat writes a -f format piece by piece).
 */
function onLines(stream, fn) {
  let rest = '';
  stream.on('data', (d) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    parts.forEach(fn);
  });
}

const lines = (n) => Array.from({ length: n }, (_, i) => `k${i}:value-${i}-${'x'.repeat(200)}`);

function produceConsume(codec) {
  return async () => {
    const topic = topicName();
    const sent = lines(20);
    await produce(topic, sent, ['-X', `compression.codec=${codec}`]);
    const got = await consume(topic, sent.length);
    check(got.length === sent.length, `consumed ${got.length}`);
    got.forEach((m, i) => check(`${m.key}:${m.payload}` === sent[i] && m.offset === i, `message ${i} is ${m.key}@${m.offset}`));
  };
}

const scenarios = {
  async 'api-versions-metadata'() {
    const topic = topicName();
    await produce(topic, ['k:v']); // auto-creates the topic
    const md = JSON.parse((await ok(['-L', '-J', '-t', topic])).stdout);
    check(md.brokers.some((b) => b.name === kit.BOOTSTRAP), `advertised ${JSON.stringify(md.brokers)}`);
    const t = md.topics.find((x) => x.topic === topic);
    check(t && t.partitions.length >= 1 && !t.error, `topic metadata ${JSON.stringify(t)}`);
  },
  'produce-consume-none': produceConsume('none'),
  'produce-consume-gzip': produceConsume('gzip'),
  'produce-consume-snappy': produceConsume('snappy'),
  'produce-consume-lz4': produceConsume('lz4'),
  'produce-consume-zstd': produceConsume('zstd'),

  async 'keyed-partitioning'() {
    const topic = await createTopic(4);
    await produce(topic, lines(24), [], { partition: null }); // librdkafka's default partitioner: consistent_random
    const got = await consume(topic, 24, [], { partition: null });
    // consistent_random = CRC-32 of the key modulo the partition count.
    for (const m of got) check(zlib.crc32(m.key) % 4 === m.partition, `${m.key} on ${m.partition}, CRC-32 says ${zlib.crc32(m.key) % 4}`);
    check(new Set(got.map((m) => m.partition)).size > 1, 'all keys landed on one partition');
  },

  async 'headers-timestamps'() {
    // kcat cannot set a timestamp: check the broker keeps the producer's CreateTime.
    const topic = topicName();
    const before = Date.now();
    await produce(topic, ['k:v'], ['-H', 'trace-id=abc', '-H', 'other=']);
    const [m] = await consume(topic, 1);
    check(m.tstype === 'create' && m.ts >= before - 1000 && m.ts <= Date.now() + 1000, `timestamp ${m.tstype} ${m.ts}`);
    check(JSON.stringify(m.headers) === JSON.stringify(['trace-id', 'abc', 'other', '']), `headers ${JSON.stringify(m.headers)}`);
  },

  async 'large-message'() {
    const topic = topicName();
    const maxBytes = ['-X', `message.max.bytes=${2 * kit.MESSAGE_MAX_BYTES}`];
    await ok(['-P', '-t', topic, '-p', '0', ...maxBytes], { input: `${'a'.repeat(kit.LARGE_OK_VALUE_BYTES)}\n` });
    const r = await kcat(['-P', '-t', topic, '-p', '0', ...maxBytes], { input: `${'b'.repeat(kit.MESSAGE_MAX_BYTES)}\n` });
    check(r.code !== 0 && /size too large/i.test(r.stderr), `expected MESSAGE_TOO_LARGE, got exit ${r.code}: ${r.stderr.trim()}`);
    const [m] = await consume(topic, 1, ['-X', `fetch.message.max.bytes=${2 * kit.MESSAGE_MAX_BYTES}`]);
    check(m.payload.length === kit.LARGE_OK_VALUE_BYTES, `consumed ${m.payload.length} bytes`);
  },

  async 'consumer-group-rebalance'() {
    const topic = await createTopic(4);
    const group = topicName('g');
    // kcat -G logs "% Group ... rebalanced ...: assigned: t [0], t [1]" and
    // "...: revoked: ..." on stderr (-q would hide them), and with -f prints
    // each consumed message's partition on stdout, which proves the
    // assignment is the one it actually fetches (-u: unbuffered, or stdout to
    // a pipe arrives only when kcat exits).
    const member = () => {
      const child = spawn('kcat', ['-b', kit.BOOTSTRAP, '-G', group, '-X', 'heartbeat.interval.ms=500', '-X', 'auto.offset.reset=earliest', '-u', '-f', 'consumed %p\\n', topic], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const state = { child, owned: [], consumed: new Set(), log: '' };
      onLines(child.stderr, (line) => {
        state.log += `${line}\n`;
        if (/rebalanced/.test(line) && /assigned:/.test(line)) state.owned = [...line.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
        if (/rebalanced/.test(line) && /revoked:/.test(line)) state.owned = [];
      });
      onLines(child.stdout, (line) => {
        const m = /^consumed (\d+)$/.exec(line);
        if (m) state.consumed.add(Number(m[1]));
      });
      return state;
    };
    const lastLine = (m) => m.log.trim().split('\n').pop();
    const a = member();
    let b;
    try {
      await kit.eventually(() => a.owned.length === 4, kit.TIMEOUT_MS / 3, () => `the first member to own 4 partitions (${lastLine(a)})`);
      b = member();
      await kit.eventually(
        () => a.owned.length > 0 && b.owned.length > 0 && a.owned.length + b.owned.length === 4,
        kit.TIMEOUT_MS / 3,
        () => `both members to get partitions (${lastLine(a)} / ${lastLine(b)})`,
      );
      check(new Set([...a.owned, ...b.owned]).size === 4, `assignments overlap: ${a.owned} / ${b.owned}`);
      // One message per partition: each must reach the member that owns it.
      for (let p = 0; p < 4; p++) await produce(topic, [`k${p}:v${p}`], [], { partition: p });
      await kit.eventually(() => a.consumed.size + b.consumed.size === 4, kit.TIMEOUT_MS / 4, () => `every partition consumed (a: ${[...a.consumed]}, b: ${[...b.consumed]})`);
      for (const [name, m] of [['first', a], ['second', b]]) {
        check([...m.consumed].every((p) => m.owned.includes(p)), `${name} member consumed ${[...m.consumed]} but owns ${m.owned}`);
      }
    } catch (e) {
      // Both members' logs, for whoever runs the runner by hand.
      process.stderr.write(`first member:\n${a.log}\nsecond member:\n${b?.log ?? '(not started)'}\n`);
      throw e;
    } finally {
      a.child.kill('SIGTERM');
      b?.child.kill('SIGTERM');
    }
  },

  async 'commit-resume'() {
    const topic = topicName();
    const group = topicName('g');
    await produce(topic, lines(10));
    const asMember = ['-G', group, '-X', 'auto.offset.reset=earliest', '-c'];
    // kcat -G commits what it consumed when it closes after -c messages.
    // Joining a group takes a rebalance round: more than kcat()'s default wait.
    const slow = { timeoutMs: kit.TIMEOUT_MS / 2 };
    const first = (await ok([...asMember, '5', '-J', topic], slow)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    check(first.length === 5 && first[4].offset === 4, `first member read ${first.map((m) => `${m.partition}@${m.offset}`)}`);
    const [next] = (await ok([...asMember, '1', '-J', topic], slow)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    check(next.partition === 0 && next.offset === 5, `resumed at ${next.partition}@${next.offset}`);
  },

  async 'idempotent-producer'() {
    const topic = topicName();
    const sent = lines(30);
    await produce(topic, sent, ['-X', 'enable.idempotence=true']);
    const got = await consume(topic, sent.length);
    check(got.map((m) => m.key).join() === sent.map((l) => l.split(':')[0]).join(), 'duplicates or gaps');
  },

  async transactions() {
    // kcat wraps a whole produce run in one transaction when transactional.id is set.
    const topic = topicName();
    await produce(topic, ['a:c1', 'b:c2'], ['-X', `transactional.id=${topicName('tx')}`]);
    await produce(topic, ['c:c3'], ['-X', `transactional.id=${topicName('tx')}`]);
    const got = await consume(topic, 3, ['-X', 'isolation.level=read_committed']);
    check(got.map((m) => m.payload).join() === 'c1,c2,c3', `read_committed saw ${got.map((m) => m.payload)}`);
    // Each commit marker takes an offset: c3 follows the first transaction's marker.
    check(got[2].offset === 3, `third record at offset ${got[2].offset}, expected 3 after a commit marker`);
    return 'kcat cannot abort a transaction: only committed transactions checked';
  },

  async 'list-offsets-by-timestamp'() {
    const topic = topicName();
    for (const l of ['a:v0', 'b:v1', 'c:v2']) {
      await produce(topic, [l]);
      await kit.sleep(20); // distinct CreateTimes
    }
    const all = await consume(topic, 3);
    const from = async (ts) => (await consume(topic, 1, ['-o', `s@${ts}`]))[0]?.offset;
    const r = await kcat(['-C', '-t', topic, '-p', '0', '-o', `s@${all[2].ts + 1}`, '-e', '-J']);
    check((await from(all[0].ts - 1)) === 0, 'before all → 0');
    check((await from(all[1].ts)) === 1, `exact ts of offset 1 → ${await from(all[1].ts)}`);
    check((await from(all[1].ts + 1)) === 2, `just after offset 1 → ${await from(all[1].ts + 1)}`);
    check(r.code === 0 && r.stdout.trim() === '', `after all → ${r.stdout.trim() || `exit ${r.code}`}`);
  },
};

await kit.main(scenarios, { admin: 'kcat has no admin API (only metadata listing)' });
