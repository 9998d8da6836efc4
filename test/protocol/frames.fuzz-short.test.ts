// A short, deterministic fuzz of decodeRequestFrame inside `npm test`: 100,000+ mutated
// frames built from valid requests of every API and version must each decode, come back
// undecodable, or throw DecodeError / UnsupportedVersionError — never RangeError or TypeError.
// The long campaign is test/protocol/frames.fuzz.ts (`npm run fuzz`).
import { describe, expect, it } from 'vitest';
import { decodeRequestFrame } from '../../protocol/frames.js';
import { buildCorpus, formatCodes, formatFailures, runFuzz } from './fuzz-mutator.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x51c3);
const ITERATIONS = 120_000;

describe('request frame fuzz (short)', () => {
  it(`${ITERATIONS} mutated frames give only typed outcomes`, () => {
    const corpus = buildCorpus(SEED, 4);
    // The corpus itself must be valid, or the mutations start from nonsense.
    for (const { label, frame } of corpus) expect(decodeRequestFrame(frame).ok, label).toBe(true);
    const stats = runFuzz(corpus, SEED, ITERATIONS);
    console.log(
      `fuzz-short: seed ${SEED} (FUZZ_SEED), corpus ${corpus.length} frames, ${stats.iterations} iterations: ` +
        `${stats.decoded} decoded, ${stats.undecodable} undecodable, ${stats.decodeErrors} DecodeError (${formatCodes(stats)}), ` +
        `${stats.unsupported} UnsupportedVersionError, ${stats.failures.length} untyped`,
    );
    if (stats.failures.length > 0) throw new Error(`untyped exceptions from decodeRequestFrame:\n${formatFailures(stats.failures)}`);
    expect(stats.iterations).toBe(ITERATIONS);
    // The mutations must reach both sides: some frames still decode, most are refused.
    expect(stats.decoded).toBeGreaterThan(1000);
    expect(stats.decodeErrors).toBeGreaterThan(ITERATIONS / 4);
  });
});
