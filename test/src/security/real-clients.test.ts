// librdkafka (kcat and confluent-kafka-python) and kafka-python against the secured listeners:
// each client produces records and reads them back. Clients run as child processes against
// the in-process broker, so they are spawned asynchronously (a sync spawn would block the broker).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PYTHON, PROBES, requireClient } from '../../helpers/real-clients.js';
import { tlsFile, useSecureBroker, USERS } from './secure-broker.js';

const broker = useSecureBroker();

function run(command: string, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const hasKcat = requireClient('kcat', PROBES.kcat);
const hasConfluent = requireClient('confluent-kafka-python', PROBES.confluentPython);
const hasKafkaPython = requireClient('kafka-python', PROBES.kafkaPython);

/** librdkafka settings for each case, as `key=value` pairs. */
const LIBRDKAFKA_CASES: Record<string, { listener: string; settings: Record<string, string> }> = {
  'SASL_SSL + SCRAM-SHA-512': {
    listener: 'SASL_SSL',
    settings: { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'alice', 'sasl.password': USERS.alice, 'ssl.ca.location': tlsFile('ca.pem') },
  },
  'SASL_PLAINTEXT + PLAIN': {
    listener: 'SASL_PLAINTEXT',
    settings: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'bob', 'sasl.password': USERS.bob },
  },
  'mTLS (ssl.client.auth=required)': {
    listener: 'MTLS',
    settings: { 'security.protocol': 'SSL', 'ssl.ca.location': tlsFile('ca.pem'), 'ssl.certificate.location': tlsFile('client.pem'), 'ssl.key.location': tlsFile('client.key') },
  },
};

describe.skipIf(!hasKcat)('kcat (librdkafka)', () => {
  for (const [name, { listener, settings }] of Object.entries(LIBRDKAFKA_CASES)) {
    it(`produces and consumes over ${name}`, async () => {
      const topic = `kcat-${listener.toLowerCase()}`;
      const base = ['-b', broker.current.address(listener), ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`])];
      const produced = await run('kcat', [...base, '-P', '-t', topic], 'alpha\nbeta\n');
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await run('kcat', [...base, '-C', '-t', topic, '-o', 'beginning', '-c', '2', '-e', '-q']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(['alpha', 'beta']);
    }, 60_000);
  }

  it('fails cleanly with a wrong SCRAM password', async () => {
    const settings = { ...LIBRDKAFKA_CASES['SASL_SSL + SCRAM-SHA-512']!.settings, 'sasl.password': 'wrong' };
    const result = await run('kcat', ['-b', broker.current.address('SASL_SSL'), ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]), '-L', '-m', '2']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Authentication failed|SASL authentication error/);
  }, 60_000);
});

const CONFLUENT_SCRIPT = `
import json, sys
from confluent_kafka import Producer, Consumer
conf = json.loads(sys.argv[1]); topic = sys.argv[2]
p = Producer(conf)
for v in (b'one', b'two'):
    p.produce(topic, v)
if p.flush(30) != 0:
    sys.exit('not delivered')
c = Consumer({**conf, 'group.id': topic + '-g', 'auto.offset.reset': 'earliest'})
c.subscribe([topic])
got = []
for _ in range(300):
    m = c.poll(0.1)
    if m is None: continue
    if m.error(): sys.exit(str(m.error()))
    got.append(m.value().decode())
    if len(got) == 2: break
c.close()
print(','.join(got))
`;

describe.skipIf(!hasConfluent)('confluent-kafka-python (librdkafka)', () => {
  for (const name of ['SASL_SSL + SCRAM-SHA-512', 'mTLS (ssl.client.auth=required)']) {
    it(`produces and consumes in a group over ${name}`, async () => {
      const { listener, settings } = LIBRDKAFKA_CASES[name]!;
      const topic = `confluent-${listener.toLowerCase()}`;
      const conf = { 'bootstrap.servers': broker.current.address(listener), ...settings };
      const result = await run(DEBIAN_PYTHON, ['-c', CONFLUENT_SCRIPT, JSON.stringify(conf), topic]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe('one,two');
    }, 60_000);
  }
});

const KAFKA_PYTHON_SCRIPT = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer
conf = json.loads(sys.argv[1]); topic = sys.argv[2]
p = KafkaProducer(**conf)
for v in (b'one', b'two'):
    p.send(topic, v).get(timeout=30)
p.close()
c = KafkaConsumer(topic, auto_offset_reset='earliest', consumer_timeout_ms=10000, **conf)
got = []
for m in c:
    got.append(m.value.decode())
    if len(got) == 2: break
c.close()
print(','.join(got))
`;

describe.skipIf(!hasKafkaPython)('kafka-python', () => {
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256']) {
    it(`produces and consumes over SASL_PLAINTEXT with ${mechanism}`, async () => {
      const topic = `kafka-python-${mechanism.toLowerCase()}`;
      const conf = {
        bootstrap_servers: broker.current.address('SASL_PLAINTEXT'),
        security_protocol: 'SASL_PLAINTEXT',
        sasl_mechanism: mechanism,
        sasl_plain_username: 'alice',
        sasl_plain_password: USERS.alice,
      };
      const result = await run(DEBIAN_PYTHON, ['-c', KAFKA_PYTHON_SCRIPT, JSON.stringify(conf), topic]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe('one,two');
    }, 60_000);
  }
});
