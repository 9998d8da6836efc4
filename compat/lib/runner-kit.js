// Shared scaffolding for the Node scenario runners. A runner is called as
// `node run.js <scenario>` with BOOTSTRAP, SCENARIO_TIMEOUT_MS and TOPIC_PREFIX
// in the environment, and prints exactly one JSON result line on stdout.
// Client logs must go to stderr so stdout stays machine-readable.
import { MESSAGE_MAX_BYTES } from './scenarios.js';

export { MESSAGE_MAX_BYTES, CODECS } from './scenarios.js';

export const BOOTSTRAP = process.env.BOOTSTRAP ?? 'localhost:9092';
export const TIMEOUT_MS = Number(process.env.SCENARIO_TIMEOUT_MS ?? 40_000);
const PREFIX = process.env.TOPIC_PREFIX ?? `compat-${Date.now().toString(36)}`;

/**
 * The largest value that still fits message.max.bytes in a v2 batch holding
 * one record with a null key and no headers: the 61-byte batch header plus 11
 * bytes of record framing (length, attributes, deltas, key and value lengths,
 * header count) for values of this size.
 */
export const LARGE_OK_VALUE_BYTES = MESSAGE_MAX_BYTES - 72;

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) as a signed
 * 32-bit int. Java's partitioner and librdkafka's murmur2_random pick
 * `(murmur2(key) & 0x7fffffff) % partitions` for a non-null key.
 */
export function murmur2(key) {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
  const m = 0x5bd1e995;
  const len = data.length;
  let h = 0x9747b28c ^ len;
  const tail = len & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  /* eslint-disable no-fallthrough -- Java's switch falls through the same way */
  switch (len & 3) {
    case 3:
      h ^= data[tail + 2] << 16;
    case 2:
      h ^= data[tail + 1] << 8;
    case 1:
      h ^= data[tail];
      h = Math.imul(h, m);
  }
  /* eslint-enable no-fallthrough */
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Java's default partitioner picks for a non-null key. */
export const javaPartition = (key, partitions) => (murmur2(key) & 0x7fffffff) % partitions;

/** Thrown by a scenario the client cannot express; reported as "unsupported". */
export class Unsupported extends Error {}

export const unsupported = (reason) => {
  throw new Unsupported(reason);
};

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let topicCounter = 0;
/** A topic name unique to this scenario run; Kafka allows [a-zA-Z0-9._-]. */
export const topicName = (suffix = 't') => `${PREFIX}-${suffix}-${topicCounter++}`.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 200);

/**
 * Polls `fn` until it returns a truthy value or `ms` pass. `what` may be a
 * function, so the message describes the state at the timeout, not at the call.
 */
export async function eventually(fn, ms, what) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

function emit(scenario, status, reason) {
  process.stdout.write(JSON.stringify({ scenario, status, ...(reason ? { reason } : {}) }) + '\n');
}

/**
 * Runs the scenario named in argv[2] from `scenarios` (name → async fn), or
 * reports it unsupported with the reason from `notSupported`, which wins over
 * `scenarios`. `--unsupported` prints every unsupported scenario and runs
 * nothing, so the harness need not start a broker for them. Exits the
 * process when done so lingering client sockets and timers cannot hang it.
 */
export async function main(scenarios, notSupported = {}) {
  const name = process.argv[2];
  if (!name) {
    console.error('usage: run.js <scenario> | run.js --unsupported');
    process.exit(2);
  }
  if (name === '--unsupported') {
    for (const [scenario, reason] of Object.entries(notSupported)) emit(scenario, 'unsupported', reason);
    process.exit(0);
  }
  const fn = scenarios[name];
  if (!fn || notSupported[name]) {
    emit(name, 'unsupported', notSupported[name] ?? 'scenario not implemented by this runner');
    process.exit(0);
  }
  const timer = setTimeout(() => {
    emit(name, 'fail', `timed out after ${TIMEOUT_MS} ms`);
    die();
  }, TIMEOUT_MS);
  try {
    // A scenario may return a note (what it could not check) to keep with the pass.
    const note = await fn();
    emit(name, 'pass', typeof note === 'string' ? note : undefined);
    clearTimeout(timer);
    process.exit(0);
  } catch (e) {
    clearTimeout(timer);
    if (e instanceof Unsupported) {
      emit(name, 'unsupported', e.message);
      process.exit(0);
    }
    emit(name, 'fail', describeError(e));
    die();
  }
}

/**
 * Ends a failed run at once. process.exit can block in a native client's
 * teardown (librdkafka waits for its threads while brokers are unreachable);
 * the result line is already written, since stdout to a pipe is synchronous.
 */
function die() {
  process.kill(process.pid, 'SIGKILL');
}

export function describeError(e) {
  if (!(e instanceof Error)) return String(e);
  const parts = [e.message];
  if (e.type) parts.push(`type=${e.type}`);
  if (e.code !== undefined) parts.push(`code=${e.code}`);
  if (e.cause instanceof Error) parts.push(`cause: ${e.cause.message}`);
  // Aggregated errors (retries, per-partition failures) hide the real reason inside.
  if (Array.isArray(e.errors) && e.errors[0] instanceof Error) parts.push(`first of ${e.errors.length}: ${describeError(e.errors[0])}`);
  return parts.join(' ');
}
