// Types for harness.js so test/compat/harness.test.ts type-checks under
// strict TypeScript; the harness itself stays plain JS with no build step.
export type Status = 'pass' | 'fail' | 'unsupported';

export interface ScenarioResult {
  scenario: string;
  status: Status;
  reason?: string;
  durationMs?: number;
  knownGap?: boolean;
}

export interface ClientRun {
  name: string;
  installed: boolean;
  installDetail?: string;
  version?: string;
  knownGaps?: Map<string, string>;
  results: ScenarioResult[];
}

export interface Summary {
  regressions: Array<ScenarioResult & { client: string }>;
  fixedGaps: Array<{ client: string; scenario: string }>;
  missing: string[];
}

export const STATUSES: Status[];
export function parseRunnerOutput(stdout: string, scenario: string): { scenario: string; status: Status; reason: string } | null;
export function parseFindings(markdown: string): Map<string, string>;
export function pruneFindings(markdown: string, fixed: Set<string>): string;
export function classify(clients: ClientRun[]): Summary;
export function exitCode(summary: Summary, opts: { ci: boolean }): 0 | 1;
export function renderReport(input: { clients: ClientRun[]; scenarios: string[]; generatedAt: string; broker?: string }): string;
