// Where the Kafka 3.9 JSON specs live relative to the repository, and a loud notice when
// they are missing, so a skipped spec-driven suite never passes silently.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SPEC_DIR = resolve(REPO_ROOT, '../shared/kafka-protocol');
export const HAVE_SPECS = existsSync(SPEC_DIR);

export function warnIfNoSpecs(suite: string): void {
  if (!HAVE_SPECS) {
    console.warn(`\n!!! ${suite}: SKIPPED — Kafka spec folder not found at ${SPEC_DIR}. The codec is NOT being verified against the specs. !!!\n`);
  }
}
