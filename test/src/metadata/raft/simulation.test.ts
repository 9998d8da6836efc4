// Randomized whole-cluster runs of the Raft core under message loss, duplication,
// reordering, delay, partitions, restarts and leader resignations (see simulator.ts).
//   RAFT_SEEDS=50000  run that many seeds instead of the default 10,000
//   RAFT_SEED=1234    replay one seed with an event trace printed on failure
//                     (RAFT_TRACE=1 prints it even when the seed passes)
import { describe, expect, it } from 'vitest';
import { runSimulation, SimulationFailure, type SimulationStats } from './simulator.js';

const DEFAULT_SEEDS = 10_000;
const BATCH = 1_000;

function runSeeds(first: number, count: number, totals: Partial<SimulationStats>): string[] {
  const failures: string[] = [];
  for (let seed = first; seed < first + count; seed++) {
    try {
      const stats = runSimulation(seed);
      for (const [key, value] of Object.entries(stats) as [keyof SimulationStats, number][]) {
        totals[key] = (totals[key] ?? 0) + value;
      }
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      failures.push(`${error.message}  (replay: RAFT_SEED=${seed} npx vitest run test/src/metadata/raft/simulation.test.ts)`);
    }
  }
  return failures;
}

const replaySeed = process.env['RAFT_SEED'];

describe.runIf(replaySeed !== undefined)('raft simulation replay', () => {
  it(`seed ${replaySeed}`, () => {
    const lines: string[] = [];
    try {
      runSimulation(Number(replaySeed), { trace: (line) => lines.push(line) });
      if (process.env['RAFT_TRACE']) console.log(lines.join('\n'));
    } catch (error) {
      console.log(lines.join('\n'));
      throw error;
    }
  });
});

describe.runIf(replaySeed === undefined)('raft simulation', () => {
  const total = Number(process.env['RAFT_SEEDS'] ?? DEFAULT_SEEDS);
  const totals: Partial<SimulationStats> = {};

  for (let first = 1; first <= total; first += BATCH) {
    const count = Math.min(BATCH, total - first + 1);
    it(`seeds ${first}..${first + count - 1} keep safety and recover after faults stop`, () => {
      expect(runSeeds(first, count, totals)).toEqual([]);
    });
  }

  it('exercised every fault and recovery path', () => {
    // Guards against a simulator that silently stopped injecting faults.
    for (const key of ['elections', 'committed', 'truncations', 'snapshotsTaken', 'snapshotsInstalled', 'restarts', 'partitions', 'resignations', 'messagesLost', 'messagesDuplicated'] as const) {
      expect(totals[key] ?? 0, key).toBeGreaterThan(0);
    }
    console.log(`raft simulation: ${total} runs`, totals);
  });
});
