#!/usr/bin/env node
// Compat harness: runs every real client's scenarios against a fresh Sluice
// broker process per client and writes compat/REPORT.md and compat/results.json.
//
//   node compat/run.js [--client a,b] [--scenario x,y] [--memory] [--prune-findings]
//                      [--bootstrap host:port]
//
// --bootstrap runs the scenarios against an already running broker instead
// of starting Sluice (a real Kafka, to check a runner against the reference,
// or scripts/mock-broker.cjs while developing the harness).
//
// Each scenario is its own runner process with a hard timeout, so one hung
// client call costs one scenario, not the run. Exit status is non-zero when a
// scenario fails that the client's FINDINGS.md does not list as a known gap,
// when one that passed in the committed REPORT.md is now unsupported, or
// (with CI set) when a client is not installed.
//
// Only a full run (every client and scenario, against the Sluice it starts)
// rewrites compat/REPORT.md, the committed record; a partial run writes
// compat/.logs/REPORT.partial.md.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENTS } from './lib/clients.js';
import { SCENARIOS, GATE_SCENARIO, MAX_CONSECUTIVE_TIMEOUTS } from './lib/scenarios.js';
import { classify, exitCode, isCI, parseFindings, parseReportStatuses, parseRunnerOutput, pruneFindings, renderReport } from './lib/harness.js';
import { startBroker, stopBroker } from './lib/broker.js';

const compatDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(compatDir);
const logDir = path.join(compatDir, '.logs');

const { values: opts } = parseArgs({
  options: {
    client: { type: 'string' },
    scenario: { type: 'string' },
    memory: { type: 'boolean', default: false },
    bootstrap: { type: 'string' },
    'prune-findings': { type: 'boolean', default: false },
    // CI allows the matrix 20 minutes; a healthy run takes about 2.
    'total-timeout-ms': { type: 'string', default: process.env.COMPAT_TOTAL_TIMEOUT_MS ?? String(15 * 60_000) },
  },
});
const ci = isCI(process.env);
const pick = (list, csv) => (csv ? list.filter((x) => csv.split(',').includes(x.name)) : list);
const clients = pick(CLIENTS, opts.client);
const scenarios = pick(SCENARIOS, opts.scenario);
const runDeadline = Date.now() + Number(opts['total-timeout-ms']);
const log = (msg) => process.stderr.write(`[compat] ${msg}\n`);

/** Runs one scenario in its own process group and kills the group on timeout. */
function runScenario(client, dir, scenario, bootstrap) {
  const started = Date.now();
  const timeoutMs = Math.min(scenario.timeoutMs, Math.max(1000, runDeadline - started));
  const [cmd, ...args] = client.command;
  const resolved = cmd.includes('/') ? path.resolve(dir, cmd) : cmd;
  return new Promise((resolve) => {
    const child = spawn(resolved, [...args, scenario.name], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BOOTSTRAP: bootstrap,
        // The runner's own deadline is shorter so it can print a clean fail.
        SCENARIO_TIMEOUT_MS: String(Math.max(500, timeoutMs - 5000)),
        TOPIC_PREFIX: `compat-${client.name}-${scenario.name}-${started.toString(36)}`,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    const finish = (code, spawnError) => {
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      let result = parseRunnerOutput(stdout, scenario.name);
      if (!result) {
        const why = spawnError
          ? `runner could not start: ${spawnError.message}`
          : timedOut
            ? `killed after ${timeoutMs} ms without a result`
            : `runner printed no result (exit ${code})`;
        const tail = stderr.trim().split('\n').slice(-3).join(' / ');
        result = { scenario: scenario.name, status: 'fail', reason: tail ? `${why}; stderr: ${tail}` : why };
      }
      resolve({ ...result, durationMs, timedOut: timedOut || /^timed out after/.test(result.reason ?? '') });
    };
    child.on('error', (e) => finish(null, e));
    child.on('close', (code) => finish(code));
  });
}

/** Asks the runner which scenarios it cannot express; no broker needed. */
function listUnsupported(client, dir) {
  const [cmd, ...args] = client.command;
  const resolved = cmd.includes('/') ? path.resolve(dir, cmd) : cmd;
  return new Promise((resolve) => {
    execFile(resolved, [...args, '--unsupported'], { cwd: dir, timeout: 30_000 }, (error, stdout) => {
      if (error) log(`${client.name}: --unsupported failed (${error.message.split('\n')[0]}); running every scenario`);
      const found = new Map();
      for (const s of SCENARIOS) {
        const r = parseRunnerOutput(stdout ?? '', s.name);
        if (r?.status === 'unsupported') found.set(s.name, r);
      }
      resolve(found);
    });
  });
}

async function runClient(client) {
  const dir = path.join(compatDir, client.name);
  const check = client.check(dir);
  const findingsFile = path.join(dir, 'FINDINGS.md');
  const knownGaps = existsSync(findingsFile) ? parseFindings(readFileSync(findingsFile, 'utf8')) : new Map();
  const entry = { name: client.name, installed: check.ok, installDetail: check.detail ?? '', version: check.version ?? '', knownGaps, results: [] };
  if (!check.ok) {
    log(`!!!!! CLIENT NOT INSTALLED: ${client.name}: ${check.detail}${ci ? ' (a failure in CI)' : ''}`);
    return entry;
  }
  const unsupported = await listUnsupported(client, dir);
  const broker = opts.bootstrap
    ? { bootstrap: opts.bootstrap, error: null, exited: null, external: true }
    : await startBroker({ repoRoot, logFile: path.join(logDir, `${client.name}-broker.log`), memory: opts.memory });
  log(`${client.name} (${entry.version || 'installed'}): broker ${broker.error ? `FAILED: ${broker.error}` : `on ${broker.bootstrap}`}`);
  let gateFailed = false;
  let timeoutsInARow = 0;
  for (const scenario of scenarios) {
    let result;
    if (unsupported.has(scenario.name)) result = { ...unsupported.get(scenario.name), durationMs: 0 };
    else if (broker.error) result = { scenario: scenario.name, status: 'fail', reason: `not run: ${broker.error}`, durationMs: 0 };
    else if (broker.exited) result = { scenario: scenario.name, status: 'fail', reason: `not run: broker exited earlier (${broker.exited})`, durationMs: 0 };
    else if (gateFailed) result = { scenario: scenario.name, status: 'fail', reason: `not run: ${GATE_SCENARIO} failed`, durationMs: 0 };
    else if (timeoutsInARow >= MAX_CONSECUTIVE_TIMEOUTS) {
      // A broker that stops answering would cost every remaining timeout.
      result = { scenario: scenario.name, status: 'fail', reason: `not run: ${timeoutsInARow} scenarios in a row timed out`, durationMs: 0 };
    }
    else if (Date.now() >= runDeadline) result = { scenario: scenario.name, status: 'fail', reason: 'not run: whole-run timeout reached', durationMs: 0 };
    else result = await runScenario(client, dir, scenario, broker.bootstrap);
    if (scenario.name === GATE_SCENARIO && result.status === 'fail') gateFailed = true;
    if (result.durationMs > 0) timeoutsInARow = result.timedOut ? timeoutsInARow + 1 : 0;
    delete result.timedOut;
    entry.results.push(result);
    log(`  ${client.name} ${scenario.name}: ${result.status} (${result.durationMs} ms)${result.reason ? ` — ${result.reason.slice(0, 200)}` : ''}`);
  }
  if (!broker.external) await stopBroker(broker);
  return entry;
}

mkdirSync(logDir, { recursive: true });
const reportFile = path.join(compatDir, 'REPORT.md');
const fullRun = !opts.client && !opts.scenario && !opts.bootstrap;
// What passed before: the committed report, read before this run replaces it.
const previous = existsSync(reportFile) ? parseReportStatuses(readFileSync(reportFile, 'utf8')) : new Map();
const started = Date.now();
const results = [];
for (const client of clients) {
  const t0 = Date.now();
  const entry = await runClient(client);
  entry.durationMs = Date.now() - t0;
  results.push(entry);
}
const summary = classify(results, previous);
const generatedAt = new Date().toISOString();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown commit';
  }
})();
const brokerNote = opts.bootstrap
  ? `external broker at ${opts.bootstrap}`
  : opts.memory
    ? 'node bin/sluice.js start --memory, one broker per client'
    : 'node bin/sluice.js start --data-dir <tmp>, one broker per client';

const reportOut = fullRun ? reportFile : path.join(logDir, 'REPORT.partial.md');
writeFileSync(reportOut, renderReport({ clients: results, scenarios: scenarios.map((s) => s.name), broker: brokerNote }) + '\n');
writeFileSync(
  path.join(compatDir, 'results.json'),
  JSON.stringify(
    { generatedAt, commit, fullRun, durationMs: Date.now() - started, clients: results.map(({ knownGaps: _k, ...c }) => c), ...summary },
    null,
    2,
  ) + '\n',
);

if (opts['prune-findings']) {
  for (const client of results) {
    const fixed = new Set(summary.fixedGaps.filter((f) => f.client === client.name).map((f) => f.scenario));
    if (!fixed.size) continue;
    const file = path.join(compatDir, client.name, 'FINDINGS.md');
    writeFileSync(file, pruneFindings(readFileSync(file, 'utf8'), fixed));
    log(`pruned ${fixed.size} fixed gap(s) from ${path.relative(repoRoot, file)}`);
  }
}

for (const f of summary.fixedGaps) log(`known gap now passes, remove it from FINDINGS.md: ${f.client} ${f.scenario}`);
for (const r of summary.regressions) log(`REGRESSION ${r.client} ${r.scenario}: ${r.reason}`);
for (const m of summary.missing) log(`!!!!! NOT INSTALLED: ${m}${ci ? ' — fails CI, which must run every client' : ' — its scenarios did not run'}`);
const code = exitCode(summary, { ci });
const all = results.flatMap((c) => c.results.map((r) => ({ client: c.name, ...r })));
const count = (pred) => all.filter(pred).length;
const knownGaps = count((r) => r.knownGap);
const slowest = all.filter((r) => r.durationMs > 0).sort((a, b) => b.durationMs - a.durationMs).slice(0, 3);
if (slowest.length) log(`slowest: ${slowest.map((r) => `${r.client} ${r.scenario} ${(r.durationMs / 1000).toFixed(1)} s`).join(', ')}`);
log(`wrote ${path.relative(repoRoot, reportOut)} and compat/results.json in ${((Date.now() - started) / 1000).toFixed(1)} s`);
log(`${count((r) => r.status === 'pass')} pass, ${count((r) => r.status === 'fail')} fail (${knownGaps} known gaps), ${count((r) => r.status === 'unsupported')} unsupported, ${summary.missing.length} client(s) missing`);
// The closing line CI reads: failures are the ones that fail the run
// (regressions, and in CI missing clients); known gaps and unsupported
// scenarios count as skipped.
const failed = summary.regressions.length + (ci ? summary.missing.length : 0);
console.log(`compat: ${count((r) => r.status === 'pass')} passed, ${failed} failed, ${knownGaps + count((r) => r.status === 'unsupported')} skipped`);
process.exit(code);
