import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ERROR_CODES_HEADER,
  emitErrorCodes,
  loadErrorCodeTable,
  validateErrorCodeTable,
  type ErrorCodeRow,
} from '../../../protocol/generator/error-codes.js';

const TABLE_PATH = fileURLToPath(new URL('../../../protocol/errors/error-codes.json', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'sluice-error-codes-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function row(code: number, name: string, retriable = false): ErrorCodeRow {
  return { code, name, retriable, message: `${name} message` };
}
const minimal = [row(-1, 'UNKNOWN_SERVER_ERROR'), row(0, 'NONE'), row(1, 'OFFSET_OUT_OF_RANGE')];

describe('validateErrorCodeTable', () => {
  it('accepts a contiguous table and sorts it by code', () => {
    const sorted = validateErrorCodeTable([minimal[2], minimal[0], minimal[1]]);
    expect(sorted.map((r) => r.code)).toEqual([-1, 0, 1]);
  });
  it('rejects duplicate codes', () => {
    expect(() => validateErrorCodeTable([...minimal, row(1, 'OTHER')])).toThrow(/code 1 used by both/);
  });
  it('rejects duplicate names', () => {
    expect(() => validateErrorCodeTable([...minimal, row(2, 'NONE')])).toThrow(/name NONE used by codes 0 and 2/);
  });
  it('rejects a gap in the codes', () => {
    expect(() => validateErrorCodeTable([...minimal, row(3, 'THREE')])).toThrow(/code 2 is missing/);
  });
  it('rejects a table not starting at -1', () => {
    expect(() => validateErrorCodeTable([row(0, 'NONE'), row(1, 'ONE')])).toThrow(/start at code -1/);
  });
  it('rejects malformed rows', () => {
    expect(() => validateErrorCodeTable({})).toThrow(/JSON array/);
    expect(() => validateErrorCodeTable([{ ...minimal[0], name: 'lower_case' }])).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => validateErrorCodeTable([{ ...minimal[0], retriable: 'no' }])).toThrow(/retriable must be a boolean/);
    expect(() => validateErrorCodeTable([{ ...minimal[0], code: 1.5 }])).toThrow(/int16/);
    expect(() => validateErrorCodeTable([{ ...minimal[0], extra: 1 }])).toThrow(/unexpected field/);
  });
  it('insists that NONE is code 0 and not retriable', () => {
    expect(() => validateErrorCodeTable([row(-1, 'UNKNOWN_SERVER_ERROR'), row(0, 'NONE', true)])).toThrow(/NONE/);
  });
  it('reports an unreadable file with its path', () => {
    expect(() => loadErrorCodeTable(join(workDir, 'missing.json'))).toThrow(/missing\.json/);
  });
});

describe('emitErrorCodes', () => {
  const table = loadErrorCodeTable(TABLE_PATH);
  const source = emitErrorCodes(table);

  it('starts with the generated-file header', () => {
    expect(source.split('\n')[0]).toBe(ERROR_CODES_HEADER);
  });

  it('is deterministic and independent of row order', () => {
    expect(emitErrorCodes([...table].reverse())).toBe(source);
  });

  it('emits TypeScript that transpiles cleanly and evaluates to the table', async () => {
    const result = ts.transpileModule(source, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    expect(result.diagnostics ?? []).toEqual([]);
    const file = join(workDir, 'error-codes.mjs');
    writeFileSync(file, result.outputText);
    const mod = (await import(pathToFileURL(file).href)) as {
      ErrorCode: Record<string, number>;
      ERROR_INFO: ReadonlyMap<number, { name: string; retriable: boolean; message: string }>;
      errorName(code: number): string;
      isRetriable(code: number): boolean;
      errorMessage(code: number): string;
    };
    expect(mod.ErrorCode.NONE).toBe(0);
    expect(mod.ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(mod.ErrorCode.PRODUCER_FENCED).toBe(90);
    expect(Object.keys(mod.ErrorCode)).toHaveLength(129);
    const { code: _code, ...notLeader } = table.find((r) => r.code === 6) ?? row(6, 'MISSING');
    expect(mod.ERROR_INFO.get(6)).toEqual(notLeader);
    expect(notLeader).toMatchObject({ name: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
    expect(mod.errorName(79)).toBe('MEMBER_ID_REQUIRED');
    expect(mod.errorName(4242)).toBe('UNKNOWN_ERROR_CODE_4242');
    expect(mod.isRetriable(3)).toBe(true);
    expect(mod.isRetriable(35)).toBe(false);
    expect(mod.isRetriable(4242)).toBe(false);
    expect(mod.errorMessage(0)).toBe('');
  });

  it('type-checks under the project\'s strict compiler settings', () => {
    const file = join(workDir, 'error-codes.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
    });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
  });

  it('escapes messages so quotes and backslashes survive', async () => {
    const tricky = emitErrorCodes([
      { code: -1, name: 'UNKNOWN_SERVER_ERROR', retriable: false, message: 'a "quoted" \\ `tick` ${x}' },
      { code: 0, name: 'NONE', retriable: false, message: '' },
    ]);
    const file = join(workDir, 'tricky.mjs');
    writeFileSync(file, ts.transpileModule(tricky, { compilerOptions: { module: ts.ModuleKind.ESNext } }).outputText);
    const mod = (await import(pathToFileURL(file).href)) as { errorMessage(code: number): string };
    expect(mod.errorMessage(-1)).toBe('a "quoted" \\ `tick` ${x}');
  });
});
