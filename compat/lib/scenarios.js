// The canonical scenario list. Every client is asked about every scenario; a
// runner answers "unsupported" for what its client cannot express, so the
// report shows the whole matrix rather than only what each runner chose to try.

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Kafka's default message.max.bytes (1 MiB + 12 bytes of log overhead). */
export const MESSAGE_MAX_BYTES = 1048588;

// A healthy scenario takes a few seconds; the bound is for a broker that
// never answers, where every second is multiplied by clients × scenarios.
const DEFAULT_TIMEOUT_MS = 25_000;

export const SCENARIOS = [
  { name: 'api-versions-metadata', timeoutMs: 25_000 },
  ...CODECS.map((codec) => ({ name: `produce-consume-${codec}`, timeoutMs: DEFAULT_TIMEOUT_MS })),
  { name: 'keyed-partitioning', timeoutMs: DEFAULT_TIMEOUT_MS },
  { name: 'headers-timestamps', timeoutMs: DEFAULT_TIMEOUT_MS },
  { name: 'large-message', timeoutMs: DEFAULT_TIMEOUT_MS },
  // Joining a second member waits out group.initial.rebalance.delay.ms and a
  // heartbeat round on the first member, so it gets more time.
  { name: 'consumer-group-rebalance', timeoutMs: 60_000 },
  { name: 'commit-resume', timeoutMs: 40_000 },
  { name: 'idempotent-producer', timeoutMs: DEFAULT_TIMEOUT_MS },
  { name: 'transactions', timeoutMs: 40_000 },
  { name: 'admin', timeoutMs: DEFAULT_TIMEOUT_MS },
  { name: 'list-offsets-by-timestamp', timeoutMs: DEFAULT_TIMEOUT_MS },
];

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);

/** The scenario whose failure means the client cannot use the broker at all. */
export const GATE_SCENARIO = 'api-versions-metadata';

/** After this many timeouts in a row a client's remaining scenarios are not run. */
export const MAX_CONSECUTIVE_TIMEOUTS = 3;
