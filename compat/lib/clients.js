// The clients the harness drives. Each entry says how to run its scenario
// runner (cwd is the client folder; argv gets the scenario name appended) and
// how to tell whether the client is installed, so a missing one is reported
// instead of silently skipped. scripts/install-compat-clients.sh installs them.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Debian's python3 carries python3-confluent-kafka and python3-kafka; the
// python3 first on PATH may be another interpreter (pyenv) without them.
export const DEBIAN_PYTHON = '/usr/bin/python3';

function fileCheck(rel, hint, versionFrom) {
  return (dir) => {
    if (!existsSync(path.join(dir, rel))) return { ok: false, detail: `${rel} missing; ${hint}` };
    if (!versionFrom) return { ok: true };
    const pkg = JSON.parse(readFileSync(path.join(dir, versionFrom), 'utf8'));
    return { ok: true, version: `${pkg.name} ${pkg.version}` };
  };
}

function commandCheck(cmd, args, hint) {
  return () => {
    try {
      const out = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 }).toString().trim();
      return { ok: true, version: out.split('\n')[0] };
    } catch (e) {
      return { ok: false, detail: `${[cmd, ...args].join(' ')} failed (${e.code ?? e.status ?? 'error'}); ${hint}` };
    }
  };
}

const INSTALL = 'run scripts/install-compat-clients.sh';
const APT = 'install it with .ci/run (apt-get)';

export const CLIENTS = [
  { name: 'kafkajs', command: ['node', 'run.js'], check: fileCheck('node_modules/kafkajs/package.json', INSTALL, 'node_modules/kafkajs/package.json') },
  { name: 'platformatic', command: ['node', 'run.js'], check: fileCheck('node_modules/@platformatic/kafka/package.json', INSTALL, 'node_modules/@platformatic/kafka/package.json') },
  {
    name: 'confluent-js',
    command: ['node', 'run.js'],
    check: fileCheck(
      'node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node',
      INSTALL,
      'node_modules/@confluentinc/kafka-javascript/package.json',
    ),
  },
  { name: 'kcat', command: ['node', 'run.js'], check: commandCheck('kcat', ['-V'], APT) },
  {
    name: 'confluent-python',
    command: [DEBIAN_PYTHON, 'run.py'],
    check: commandCheck(DEBIAN_PYTHON, ['-c', 'import confluent_kafka as c; print(c.version()[0], "librdkafka", c.libversion()[0])'], APT),
  },
  {
    name: 'kafka-python',
    command: [DEBIAN_PYTHON, 'run.py'],
    check: commandCheck(DEBIAN_PYTHON, ['-c', 'import kafka; print(kafka.__version__)'], APT),
  },
  { name: 'sarama', command: ['../sarama/bin/sarama-runner'], check: fileCheck('../sarama/bin/sarama-runner', INSTALL) },
  {
    name: 'sarama-v0',
    command: ['../sarama/bin/sarama-runner', '-legacy'],
    check: fileCheck('../sarama/bin/sarama-runner', INSTALL),
  },
  { name: 'kafka-go', command: ['bin/kafka-go-runner'], check: fileCheck('bin/kafka-go-runner', INSTALL) },
];
