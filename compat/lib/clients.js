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

/** `versionFrom`: a package.json under the client folder, or a function returning the version text. */
function fileCheck(rel, hint, versionFrom) {
  return (dir) => {
    if (!existsSync(path.join(dir, rel))) return { ok: false, detail: `${rel} missing; ${hint}` };
    if (!versionFrom) return { ok: true };
    if (typeof versionFrom === 'function') return { ok: true, version: versionFrom() };
    const pkg = JSON.parse(readFileSync(path.join(dir, versionFrom), 'utf8'));
    // @confluentinc/kafka-javascript names the librdkafka it bundles.
    return { ok: true, version: `${pkg.name} ${pkg.version}${pkg.librdkafka ? `, librdkafka ${pkg.librdkafka}` : ''}` };
  };
}

/** The client is usable when `cmd args` exits 0; `format` turns its output into the version shown in the report. */
function commandCheck(cmd, args, hint, format = (out) => out.split('\n')[0]) {
  return () => {
    try {
      const out = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 }).toString().trim();
      return { ok: true, version: format(out) };
    } catch (e) {
      return { ok: false, detail: `${[cmd, ...args].join(' ')} failed (${e.code ?? e.status ?? 'error'}); ${hint}` };
    }
  };
}

/** The installed version of a Debian package, for the Go clients built from Debian's sources. */
function debianVersion(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).toString().trim();
  } catch {
    return 'unknown version';
  }
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
  {
    name: 'kcat',
    command: ['node', 'run.js'],
    // `kcat -V` prints "Version 1.7.1 (JSON, ..., librdkafka 2.0.2 builtin.features=...)".
    check: commandCheck('kcat', ['-V'], APT, (out) => {
      const m = /Version (\S+) .*librdkafka (\S+)/.exec(out);
      return m ? `kcat ${m[1]}, librdkafka ${m[2]}` : out.split('\n')[0];
    }),
  },
  {
    name: 'confluent-python',
    command: [DEBIAN_PYTHON, 'run.py'],
    check: commandCheck(DEBIAN_PYTHON, ['-c', 'import confluent_kafka as c; print("confluent-kafka-python", c.version()[0] + ", librdkafka", c.libversion()[0])'], APT),
  },
  {
    name: 'kafka-python',
    command: [DEBIAN_PYTHON, 'run.py'],
    check: commandCheck(DEBIAN_PYTHON, ['-c', 'import kafka; print("kafka-python", kafka.__version__)'], APT),
  },
  {
    name: 'sarama',
    command: ['../sarama/bin/sarama-runner'],
    check: fileCheck('../sarama/bin/sarama-runner', INSTALL, () => `sarama ${debianVersion('golang-github-shopify-sarama-dev')} (Debian), Version = MaxVersion (2.2.0)`),
  },
  {
    name: 'sarama-v0',
    command: ['../sarama/bin/sarama-runner', '-legacy'],
    check: fileCheck('../sarama/bin/sarama-runner', INSTALL, () => `sarama ${debianVersion('golang-github-shopify-sarama-dev')} (Debian), its default Version (0.8.2)`),
  },
  {
    name: 'kafka-go',
    command: ['bin/kafka-go-runner'],
    check: fileCheck('bin/kafka-go-runner', INSTALL, () => `segmentio/kafka-go ${debianVersion('golang-github-segmentio-kafka-go-dev')} (Debian)`),
  },
];
