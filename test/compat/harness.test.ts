// The compat harness's pure parts, on fake results: no broker, no clients.
import { describe, expect, it } from 'vitest';
import { classify, exitCode, parseFindings, parseRunnerOutput, pruneFindings, renderReport, type ClientRun } from '../../compat/lib/harness.js';

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
    const md = renderReport({ clients, scenarios: ['admin', 'transactions'], generatedAt: '2026-01-01T00:00:00Z' });
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
