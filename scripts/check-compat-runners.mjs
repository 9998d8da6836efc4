#!/usr/bin/env node
// Checks the runner protocol without a broker: every client runner, asked for
// every scenario with BOOTSTRAP pointing at a closed port, must print exactly
// one valid JSON line (fail or unsupported) for that scenario, within its own
// deadline plus start-up slack. Takes a few minutes: librdkafka clients wait
// out their deadline rather than fail fast.
//   node scripts/check-compat-runners.mjs [client,...]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENTS } from '../compat/lib/clients.js';
import { SCENARIO_NAMES } from '../compat/lib/scenarios.js';

const compat = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'compat');
const DEADLINE_MS = 4000;
const only = process.argv[2]?.split(',');
const problems = [];
let checked = 0;

for (const client of CLIENTS.filter((c) => !only || only.includes(c.name))) {
  const dir = path.join(compat, client.name);
  const [cmd, ...args] = client.command;
  const bin = cmd.includes('/') ? path.resolve(dir, cmd) : cmd;
  for (const scenario of SCENARIO_NAMES) {
    const started = Date.now();
    const r = spawnSync(bin, [...args, scenario], {
      cwd: dir,
      encoding: 'utf8',
      timeout: DEADLINE_MS + 5000,
      env: { ...process.env, BOOTSTRAP: 'localhost:1', SCENARIO_TIMEOUT_MS: String(DEADLINE_MS), TOPIC_PREFIX: 'runner-check' },
    });
    const ms = Date.now() - started;
    const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim());
    let result = null;
    try {
      result = lines.length === 1 ? JSON.parse(lines[0]) : null;
    } catch {
      /* reported below */
    }
    checked++;
    const ok = result?.scenario === scenario && ['fail', 'unsupported'].includes(result.status) && ms < DEADLINE_MS + 3000;
    if (!ok) problems.push(`${client.name} ${scenario}: ${ms} ms, exit ${r.status ?? r.signal}, stdout ${JSON.stringify((r.stdout ?? '').slice(0, 200))}`);
  }
}
console.log(problems.join('\n'));
console.log(`runner check: ${checked - problems.length} passed, ${problems.length} failed`);
process.exit(problems.length ? 1 : 0);
