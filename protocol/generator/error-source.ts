// The error-code table lives in protocol/errors/error-codes.json; its emitter is in error-codes.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { emitErrorCodes, loadErrorCodeTable } from './error-codes.js';

export function loadErrorCodesSource(repoRoot: string): string | undefined {
  const table = join(repoRoot, 'protocol/errors/error-codes.json');
  if (!existsSync(table)) return undefined;
  return emitErrorCodes(loadErrorCodeTable(table));
}
