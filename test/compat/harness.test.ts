// The compat harness's pure parts, on fake results: no broker, no clients.
import { describe, expect, it } from 'vitest';
import {
  classify,
  exitCode,
  isCI,
  parseFindings,
  parseReportStatuses,
  parseRunnerOutput,
  pruneFindings,
  renderReport,
  stableReason,
  type ClientRun,
} from '../../compat/lib/harness.js';

const FINDINGS = `# kafkajs findings

Free text about the client. A bullet here is not a gap:
- \`produce-consume-none\` — prose outside the section

## Known gaps

- \`transactions\` — EndTxn not implemented yet
* \`admin\`: DescribeConfigs returns no synonyms
- \`large-message\`
- not a scenario line

## Notes
- \`keyed-partitioning\` — also prose
`;

function client(name: string, results: ClientRun['results'], gaps = new Map<string, string>()): ClientRun {
  return { name, installed: true, knownGaps: gaps, results };
}

describe('parseRunnerOutput', () => {
  it('takes the last JSON line for the scenario and ignores logs and other scenarios', () => {
    const out = [
      'some client log line',
      '{"scenario":"admin","status":"fail","reason":"first"}',
      '{not json',
      '{"scenario":"other","status":"pass"}',
      '{"scenario": "admin", "status": "pass"}',
      '',
    ].join('\n');
    expect(parseRunnerOutput(out, 'admin')).toEqual({ scenario: 'admin', status: 'pass', reason: '' });
  });

  it('rejects unknown statuses and missing results', () => {
    expect(parseRunnerOutput('{"scenario":"admin","status":"ok"}', 'admin')).toBeNull();
    expect(parseRunnerOutput('', 'admin')).toBeNull();
  });
});

describe('FINDINGS.md known gaps', () => {
  it('reads only the bullet list under "## Known gaps"', () => {
    const gaps = parseFindings(FINDINGS);
    expect([...gaps.keys()]).toEqual(['transactions', 'admin', 'large-message']);
    expect(gaps.get('transactions')).toBe('EndTxn not implemented yet');
    expect(gaps.get('admin')).toBe('DescribeConfigs returns no synonyms');
    expect(gaps.get('large-message')).toBe('');
  });

  it('is empty without the section', () => {
    expect(parseFindings('# x\n- `admin` — y\n').size).toBe(0);
  });

  it('prunes fixed gaps and keeps every other line', () => {
    const pruned = pruneFindings(FINDINGS, new Set(['admin', 'keyed-partitioning']));
    expect([...parseFindings(pruned).keys()]).toEqual(['transactions', 'large-message']);
    expect(pruned).toContain('- `keyed-partitioning` — also prose'); // outside the section
    expect(pruned.split('\n')).toHaveLength(FINDINGS.split('\n').length - 1);
  });
});

describe('classify and exitCode', () => {
  const gaps = new Map([['transactions', 'not yet'], ['admin', 'not yet']]);
  const runs = () => [
    client('kafkajs', [
      { scenario: 'api-versions-metadata', status: 'pass' },
      { scenario: 'transactions', status: 'fail', reason: 'EndTxn' },
      { scenario: 'admin', status: 'pass' },
      { scenario: 'idempotent-producer', status: 'unsupported' },
    ], gaps),
  ];

  it('tolerates known gaps and reports gaps that now pass', () => {
    const clients = runs();
    const summary = classify(clients);
    expect(summary.regressions).toEqual([]);
    expect(summary.fixedGaps).toEqual([{ client: 'kafkajs', scenario: 'admin' }]);
    expect(clients[0]!.results[1]!.knownGap).toBe(true);
    expect(exitCode(summary, { ci: true })).toBe(0);
  });

  it('fails on a failure that FINDINGS.md does not list', () => {
    const clients = runs();
    clients[0]!.results.push({ scenario: 'commit-resume', status: 'fail', reason: 'wrong offset' });
    const summary = classify(clients);
    expect(summary.regressions.map((r) => `${r.client}/${r.scenario}`)).toEqual(['kafkajs/commit-resume']);
    expect(exitCode(summary, { ci: false })).toBe(1);
  });

  it('fails on a missing client in CI only', () => {
    const clients = [...runs(), { name: 'kcat', installed: false, installDetail: 'kcat -V failed', results: [] }];
    const summary = classify(clients);
    expect(summary.missing).toEqual(['kcat']);
    expect(exitCode(summary, { ci: false })).toBe(0);
    expect(exitCode(summary, { ci: true })).toBe(1);
  });
});

describe('renderReport', () => {
  it('renders a scenario × client table, reasons below it, and missing clients', () => {
    const clients = [
      client('kafkajs', [
        { scenario: 'admin', status: 'pass' },
        { scenario: 'transactions', status: 'fail', reason: 'EndTxn | not wired' },
      ], new Map([['transactions', 'x']])),
      client('sarama', [
        { scenario: 'admin', status: 'fail', reason: 'boom' },
        { scenario: 'transactions', status: 'unsupported', reason: 'sarama 1.22 has none' },
      ]),
      { name: 'kcat', installed: false, installDetail: 'kcat -V failed', results: [] },
    ];
    classify(clients);
    const md = renderReport({ clients, scenarios: ['admin', 'transactions'] });
    const lines = md.split('\n');
    expect(lines).toContain('| scenario | kafkajs | sarama |');
    expect(lines).toContain('| admin | ✅ pass | ❌ FAIL |');
    expect(lines).toContain('| transactions | ⚠️ known gap | ➖ n/a |');
    expect(md).toContain('- `transactions` — known gap: EndTxn \\| not wired');
    expect(md).toContain('- `admin` — FAIL: boom');
    expect(md).toContain('- `transactions` — n/a: sarama 1.22 has none');
    expect(md).toContain('**not installed**: kcat (kcat -V failed)');
    expect(md).toContain('totals: 1 pass, 2 fail (1 of them known gaps), 1 unsupported');
  });
});

describe('the committed report as the record of what passed before', () => {
  const clients = () => [
    client('kafkajs', [
      { scenario: 'admin', status: 'pass', reason: 'no DescribeConfigs; the rest checked' },
      { scenario: 'transactions', status: 'fail', reason: 'EndTxn' },
      { scenario: 'headers-timestamps', status: 'unsupported', reason: 'none' },
    ], new Map([['transactions', 'x']])),
    client('sarama', [
      { scenario: 'admin', status: 'pass' },
      { scenario: 'transactions', status: 'unsupported', reason: 'sarama 1.22 has none' },
      { scenario: 'headers-timestamps', status: 'pass' },
    ]),
  ];

  it('reads back every cell of the table it renders', () => {
    const runs = clients();
    classify(runs);
    const statuses = parseReportStatuses(renderReport({ clients: runs, scenarios: ['admin', 'transactions', 'headers-timestamps'] }));
    expect([...statuses.keys()]).toEqual(['kafkajs', 'sarama']);
    expect(Object.fromEntries(statuses.get('kafkajs')!)).toEqual({ admin: 'pass', transactions: 'fail', 'headers-timestamps': 'unsupported' });
    expect(Object.fromEntries(statuses.get('sarama')!)).toEqual({ admin: 'pass', transactions: 'unsupported', 'headers-timestamps': 'pass' });
  });

  it('fails a scenario that passed before and is now unsupported, and nothing else that was stable', () => {
    const before = clients();
    classify(before);
    const previous = parseReportStatuses(renderReport({ clients: before, scenarios: ['admin', 'transactions', 'headers-timestamps'] }));
    const now = clients();
    now[1]!.results[2] = { scenario: 'headers-timestamps', status: 'unsupported', reason: 'runner stopped trying' };
    const summary = classify(now, previous);
    expect(summary.regressions.map((r) => `${r.client}/${r.scenario}: ${r.reason}`)).toEqual([
      'sarama/headers-timestamps: passed in the committed REPORT.md, now unsupported: runner stopped trying',
    ]);
    expect(exitCode(summary, { ci: false })).toBe(1);
    expect(classify(clients(), previous).regressions).toEqual([]);
  });

  it('renders the same bytes for runs that differ only in ports, prefixes, ids and timings', () => {
    const run = (port: number, prefix: string, ms: number) => {
      const runs = [client('kcat', [
        { scenario: 'admin', status: 'fail', reason: `timed out after ${ms} ms on localhost:${port} for ${prefix}-t-0, member rdkafka-2755bfa7-6553-4868-b88a-9034b38a32a7`, durationMs: ms },
        { scenario: 'transactions', status: 'pass', reason: 'only commits checked', durationMs: ms * 2 },
      ], new Map([['admin', 'waits on issue 9']]))];
      classify(runs);
      return renderReport({ clients: runs, scenarios: ['admin', 'transactions'], broker: 'sluice' });
    };
    const a = run(41234, 'compat-kcat-admin-mhxa1b2c', 5000);
    expect(a).toBe(run(39001, 'compat-kcat-admin-mhxz9y8x', 5312));
    expect(a).toContain('- `admin` — known gap: timed out after <n> ms on localhost:<port> for <prefix>-t-0, member rdkafka-<uuid>');
    expect(a).toContain('- `transactions` — pass, with a note: only commits checked');
    expect(a).not.toMatch(/generated|20\d\d-/);
    expect(stableReason('compat-confluent-js-consumer-group-rebalance-mhxa1b2c-g-1')).toBe('<prefix>-g-1');
  });

  it('treats CI as set unless empty, 0 or false', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({})).toBe(false);
    expect(isCI({ CI: 'false' })).toBe(false);
  });
});
