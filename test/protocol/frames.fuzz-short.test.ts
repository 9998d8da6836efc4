// A short, deterministic fuzz of decodeRequestFrame inside `npm test`: 100,000+ mutated
// frames built from valid requests of every API and version must each decode, come back
// undecodable, or throw DecodeError / UnsupportedVersionError — never RangeError or TypeError —
// and every body that decodes must re-encode and decode again to the same value.
// The long campaign is test/protocol/frames.fuzz.ts (`npm run fuzz`).
import { describe, expect, it } from 'vitest';
import { decodeRequestFrame } from '../../protocol/frames.js';
import { MUTATIONS, Rng, buildCorpus, checkFrame, formatCodes, formatFailures, mutateOnce, newStats, runFuzz } from './fuzz-mutator.js';

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
        `${stats.unsupported} UnsupportedVersionError, ${stats.failures.length} failures (untyped throw or re-encode mismatch)`,
    );
    if (stats.failures.length > 0) throw new Error(`decodeRequestFrame failures (untyped exceptions or bodies that do not re-encode):\n${formatFailures(stats.failures)}`);
    expect(stats.iterations).toBe(ITERATIONS);
    // The mutations must reach both sides: some frames still decode, most are refused.
    expect(stats.decoded).toBeGreaterThan(1000);
    expect(stats.decodeErrors).toBeGreaterThan(ITERATIONS / 4);
  });
});

describe('the fuzz harness itself', () => {
  it('records an untyped exception with the frame hex, and accepts typed outcomes', () => {
    const stats = newStats();
    const frame = Buffer.from('00030001000000070000', 'hex');
    checkFrame(frame, 'probe', ['bitflip'], stats, () => {
      throw new RangeError('offset out of range');
    });
    expect(stats.failures).toEqual([{ label: 'probe', applied: ['bitflip'], error: 'RangeError: offset out of range', hex: frame.toString('hex') }]);
    checkFrame(Buffer.alloc(3), 'short', [], stats);
    expect(stats.decodeErrors).toBe(1);
    expect(stats.failures).toHaveLength(1);
  });

  it('is deterministic for a seed, and every mutation kind changes frames', () => {
    const frame = Buffer.from('0003000c0000002a0008636c69656e742d310000000000', 'hex');
    const run = (seed: number): string[] => {
      const rng = new Rng(seed);
      return MUTATIONS.map((kind) => mutateOnce(frame, kind, rng).toString('hex'));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    for (const kind of MUTATIONS) {
      const rng = new Rng(11);
      let changed = 0;
      for (let i = 0; i < 50; i++) if (!mutateOnce(frame, kind, rng).equals(frame)) changed++;
      expect(changed, kind).toBeGreaterThan(25);
    }
    expect(frame.toString('hex')).toBe('0003000c0000002a0008636c69656e742d310000000000');
  });
});
