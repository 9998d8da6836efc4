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
  durationMs?: number;
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
export function classify(clients: ClientRun[], previous?: Map<string, Map<string, Status>>): Summary;
export function exitCode(summary: Summary, opts: { ci: boolean }): 0 | 1;
export function isCI(env: Record<string, string | undefined>): boolean;
export function parseReportStatuses(markdown: string): Map<string, Map<string, Status>>;
export function stableReason(reason: string): string;
export function renderReport(input: { clients: ClientRun[]; scenarios: string[]; broker?: string }): string;
