// Acceptance 1: a kafkajs group of 3 member processes on 6 partitions consumes 300,000 records
// from a real broker process; one member is SIGKILLed mid-stream and its partitions move to the
// others; every record is consumed at least once and in order per partition; the commits survive
// a broker restart and new members resume exactly at them. The scenario is group-scenario.ts.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runGroupScenario } from './group-scenario.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'consumer-child.mjs');
const SESSION_TIMEOUT_MS = 6000;
const RECORDS = Number(process.env.SLUICE_GROUP_RECORDS ?? 300_000);

describe('kafkajs consumer group', () => {
  it(`3 members, 6 partitions, ${RECORDS} records: a killed member's partitions move, nothing is lost or reordered, commits survive a restart`, async () => {
    const f = await runGroupScenario({
      label: 'kafkajs',
      records: RECORDS,
      partitions: 6,
      members: 3,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      launch: (bootstrap, group, topic) => spawn(process.execPath, [CHILD, bootstrap, group, topic, String(SESSION_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'pipe'] }),
    });
    console.log(
      `kafkajs group: ${f.produced} records produced, ${f.consumed} consumed (${f.redelivered} redelivered: ${f.redeliveredBy}); partitions ${f.orphaned.join(',')} of the killed member moved after ${f.moveMs} ms ` +
        `(session timeout ${SESSION_TIMEOUT_MS} ms); uncommitted tail at the kill ${f.uncommittedTail}; committed ${f.committed.join(',')}; first offsets after the restart ${f.firstAfterRestart.join(',')}; restart under live members: ${f.liveRestart.records} new records consumed ${f.liveRestart.resumeMs} ms after it, ${f.liveRestart.redelivered} redelivered; ${f.durationMs} ms in all`,
    );
    expect(f.violations).toEqual([]);
    expect(f.produced).toBe(RECORDS);
    // Detection takes the session timeout; the survivors then rejoin. Generous for a loaded machine.
    expect(f.moveMs).toBeLessThan(SESSION_TIMEOUT_MS + 20_000);
    // Resumed exactly at the commits: nothing before them consumed again.
    expect(f.firstAfterRestart).toEqual(f.resumeAt);
    // Commits never run ahead of what the members wrote out (they resolve after writing).
    expect(f.committedAhead).toEqual([]);
  }, 180_000);
});
