// The long frame-fuzz campaign (`npm run fuzz`, FUZZ_ITERATIONS frames, default 10,000,000):
// the same corpus, mutator and check as frames.fuzz-short.test.ts, with progress and a rate.
import { describe, expect, it } from 'vitest';
import { buildCorpus, formatCodes, formatFailures, newStats, runFuzz, type FuzzStats } from './fuzz-mutator.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 10_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0xf022);
const PER_VERSION = Number(process.env.FUZZ_CORPUS_PER_VERSION ?? 16);
// Chunks of a few seconds; between them the worker yields to its event loop, or vitest's RPC
// to the main process times out ("Timeout calling onTaskUpdate") on a long synchronous run.
const CHUNK = 200_000;

function line(stats: FuzzStats, startedAt: number): string {
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = stats.iterations / seconds;
  const eta = (ITERATIONS - stats.iterations) / rate;
  return `${stats.iterations.toLocaleString('en-US')}/${ITERATIONS.toLocaleString('en-US')} frames, ${Math.round(rate).toLocaleString('en-US')} frames/s, ` +
    `${seconds.toFixed(0)} s elapsed, ~${eta.toFixed(0)} s left, ${stats.failures.length} failures`;
}

describe('request frame fuzz (long)', () => {
  it(`${ITERATIONS} mutated frames give only typed outcomes`, async () => {
    const corpus = buildCorpus(SEED, PER_VERSION);
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED), corpus ${corpus.length} frames (${PER_VERSION} random + defaults per API version), ${ITERATIONS} iterations`);
    const stats = newStats();
    const startedAt = performance.now();
    let lastReport = startedAt;
    // Chunks with a derived seed each, so any chunk can be replayed on its own.
    for (let done = 0, chunk = 0; done < ITERATIONS; chunk++) {
      const n = Math.min(CHUNK, ITERATIONS - done);
      runFuzz(corpus, SEED + chunk * 7919, n, stats, () => {
        const now = performance.now();
        if (now - lastReport >= 10_000) {
          lastReport = now;
          console.log(`fuzz: ${line(stats, startedAt)}`);
        }
      });
      done += n;
      if (stats.failures.length > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(`fuzz: done, ${line(stats, startedAt)}`);
    console.log(
      `fuzz: ${stats.decoded} decoded, ${stats.undecodable} undecodable, ${stats.decodeErrors} DecodeError (${formatCodes(stats)}), ` +
        `${stats.unsupported} UnsupportedVersionError; ${(stats.iterations / seconds).toFixed(0)} frames/s over ${seconds.toFixed(1)} s`,
    );
    if (stats.failures.length > 0) throw new Error(`decodeRequestFrame failures (untyped exceptions or bodies that do not re-encode):\n${formatFailures(stats.failures)}`);
    expect(stats.iterations).toBe(ITERATIONS);
  });
});
