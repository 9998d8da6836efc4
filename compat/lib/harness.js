// Pure parts of the compat harness: parsing runner output and FINDINGS.md,
// classifying results against known gaps, and rendering the report. No I/O
// here, so test/compat/harness.test.ts can check it on fake results.

export const STATUSES = ['pass', 'fail', 'unsupported'];

/**
 * Finds the result line a runner printed for `scenario`. Runners may log other
 * text; only JSON objects naming the scenario count, and the last one wins.
 * @returns {{scenario:string,status:string,reason?:string}|null}
 */
export function parseRunnerOutput(stdout, scenario) {
  let found = null;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('{')) continue;
    let obj;
    try {
      obj = JSON.parse(line);
    } catch {
      continue;
    }
    if (obj && obj.scenario === scenario && STATUSES.includes(obj.status)) {
      found = { scenario, status: obj.status, reason: typeof obj.reason === 'string' ? obj.reason : '' };
    }
  }
  return found;
}

/**
 * Reads the known gaps of a client's FINDINGS.md: the bullet list under a
 * heading "## Known gaps", one `- \`scenario\` — reason` per line.
 * @returns {Map<string,string>} scenario → reason
 */
export function parseFindings(markdown) {
  const gaps = new Map();
  let inSection = false;
  for (const line of markdown.split('\n')) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      inSection = /^known gaps\b/i.test(heading[2].trim());
      continue;
    }
    if (!inSection) continue;
    const item = /^\s*[-*]\s+`([a-z0-9-]+)`\s*(?:[—–:-]+\s*)?(.*)$/.exec(line);
    if (item) gaps.set(item[1], item[2].trim());
  }
  return gaps;
}

/**
 * Rewrites the known-gap list of a FINDINGS.md, dropping the scenarios in
 * `fixed` and leaving every other line as it was.
 */
export function pruneFindings(markdown, fixed) {
  let inSection = false;
  const out = [];
  for (const line of markdown.split('\n')) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) inSection = /^known gaps\b/i.test(heading[2].trim());
    const item = inSection && /^\s*[-*]\s+`([a-z0-9-]+)`/.exec(line);
    if (item && fixed.has(item[1])) continue;
    out.push(line);
  }
  return out.join('\n');
}

/**
 * Marks each result with whether it is a known gap and decides what it means
 * for the exit code. A failure that FINDINGS.md lists is tolerated; one it
 * does not list is a regression. A listed gap that now passes is reported so
 * the list can shrink (`node compat/run.js --prune-findings`).
 *
 * `previous` (client → scenario → status, from the committed REPORT.md, see
 * parseReportStatuses) catches what the gap list cannot: a scenario that
 * passed there and is now reported unsupported, as when a runner stops
 * trying it. A known gap still tolerates a failure: listing it is the
 * deliberate, reviewed way to accept one.
 */
export function classify(clients, previous = new Map()) {
  const regressions = [];
  const fixedGaps = [];
  const missing = [];
  for (const client of clients) {
    if (!client.installed) {
      missing.push(client.name);
      continue;
    }
    const before = previous.get(client.name);
    for (const r of client.results) {
      const gap = client.knownGaps?.get(r.scenario);
      r.knownGap = gap !== undefined && r.status === 'fail';
      if (r.status === 'fail' && gap === undefined) regressions.push({ client: client.name, ...r });
      if (r.status === 'unsupported' && before?.get(r.scenario) === 'pass') {
        regressions.push({ client: client.name, ...r, status: 'fail', reason: `passed in the committed REPORT.md, now unsupported: ${r.reason ?? ''}` });
      }
      if (r.status === 'pass' && gap !== undefined) fixedGaps.push({ client: client.name, scenario: r.scenario });
    }
  }
  return { regressions, fixedGaps, missing };
}

/** Exit code policy: regressions fail; a missing client fails in CI only. */
export function exitCode(summary, { ci }) {
  if (summary.regressions.length > 0) return 1;
  if (ci && summary.missing.length > 0) return 1;
  return 0;
}

/** Whether `env` is a CI run: CI set to anything but empty, "0" or "false" (as test/helpers/real-clients.ts). */
export function isCI(env) {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

const CELL = { pass: '✅ pass', fail: '❌ FAIL', unsupported: '➖ n/a' };
const CELL_STATUS = new Map([
  [CELL.pass, 'pass'],
  [CELL.fail, 'fail'],
  [CELL.unsupported, 'unsupported'],
  ['⚠️ known gap', 'fail'],
]);

/**
 * Reads the scenario × client table of a REPORT.md back: client → scenario →
 * status. The committed report is the record of what passed before.
 * @returns {Map<string, Map<string, string>>}
 */
export function parseReportStatuses(markdown) {
  const out = new Map();
  let clients = null;
  for (const line of markdown.split('\n')) {
    const cells = line.startsWith('|') ? line.split('|').slice(1, -1).map((c) => c.trim()) : null;
    if (!cells) {
      clients = null;
      continue;
    }
    if (cells[0] === 'scenario') {
      clients = cells.slice(1);
      for (const c of clients) if (!out.has(c)) out.set(c, new Map());
      continue;
    }
    if (!clients || /^-+$/.test(cells[0] ?? '')) continue;
    clients.forEach((c, i) => {
      const status = CELL_STATUS.get(cells[i + 1] ?? '');
      if (status) out.get(c).set(cells[0], status);
    });
  }
  return out;
}

/**
 * Makes a runner's reason the same from run to run, so the committed report
 * changes only when a result does: ports, the per-run topic prefix
 * (compat-<client>-<scenario>-<base36 time>) and member ids vary per run.
 */
export function stableReason(reason) {
  return String(reason)
    .replace(/compat-[a-z0-9-]+-[a-z0-9]{8}\b/g, '<prefix>')
    .replace(/\b(localhost|127\.0\.0\.1):\d+/g, '$1:<port>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b\d+(\.\d+)? ?ms\b/g, '<n> ms');
}

function cell(result) {
  if (!result) return ' ';
  if (result.status === 'fail' && result.knownGap) return '⚠️ known gap';
  return CELL[result.status];
}

const escapeCell = (s) => String(s).replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/**
 * Renders compat/REPORT.md: a scenario × client table, then each client's
 * failures, unsupported scenarios and notes on passes, with their reasons, so
 * the table stays narrow. Nothing in it changes from run to run unless a
 * result does (no time, no commit, reasons through stableReason), so the
 * committed file diffs only on real changes; results.json has the run's
 * timings and raw reasons.
 */
export function renderReport({ clients, scenarios, broker }) {
  const lines = [];
  lines.push('# Compatibility report', '');
  lines.push('Generated by `npm run compat` (compat/run.js); do not edit by hand. Each client\'s `FINDINGS.md` says why a scenario is n/a or a known gap; `results.json` (not committed) has the last run\'s timings.', '');
  if (broker) lines.push(`- broker: ${broker}`);
  const counts = { pass: 0, fail: 0, unsupported: 0, knownGap: 0 };
  for (const c of clients) for (const r of c.results) {
    counts[r.status]++;
    if (r.knownGap) counts.knownGap++;
  }
  lines.push(`- totals: ${counts.pass} pass, ${counts.fail} fail (${counts.knownGap} of them known gaps), ${counts.unsupported} unsupported`);
  const missing = clients.filter((c) => !c.installed);
  if (missing.length) lines.push(`- **not installed**: ${missing.map((c) => `${c.name} (${c.installDetail})`).join('; ')}`);
  const installed = clients.filter((c) => c.installed);
  for (const c of installed) if (c.version) lines.push(`- ${c.name}: ${escapeCell(c.version)}`);
  lines.push('');
  lines.push(`| scenario | ${installed.map((c) => c.name).join(' | ')} |`);
  lines.push(`| --- | ${installed.map(() => '---').join(' | ')} |`);
  for (const s of scenarios) {
    const cells = installed.map((c) => cell(c.results.find((r) => r.scenario === s)));
    lines.push(`| ${s} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const c of installed) {
    const notable = c.results.filter((r) => r.status !== 'pass' || r.reason);
    if (!notable.length) continue;
    lines.push(`## ${c.name}`, '');
    for (const r of notable) {
      const tag = r.status === 'pass' ? 'pass, with a note' : r.status === 'unsupported' ? 'n/a' : r.knownGap ? 'known gap' : 'FAIL';
      lines.push(`- \`${r.scenario}\` — ${tag}: ${escapeCell(stableReason(r.reason || '(no reason given)'))}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
