// The committed protocol/generated/ must be exactly what the generator produces from the
// specs today: regenerate in memory and compare file by file, in both directions.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAll } from '../../../protocol/generator/generate.js';
import { loadErrorCodesSource } from '../../../protocol/generator/error-source.js';
import { loadSpecs } from '../../../protocol/generator/spec.js';
import { HAVE_SPECS, REPO_ROOT, SPEC_DIR, warnIfNoSpecs } from '../spec-dir.js';

const GENERATED_DIR = resolve(REPO_ROOT, 'protocol/generated');

function committedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...committedFiles(path));
    else out.push(relative(GENERATED_DIR, path).split(/[\\/]/).join('/'));
  }
  return out.sort();
}

warnIfNoSpecs('generator drift');
describe.skipIf(!HAVE_SPECS)('protocol/generated matches a fresh generation from the specs', () => {
  it('has no differing, missing or extra files', () => {
    const fresh = generateAll(loadSpecs(SPEC_DIR), loadErrorCodesSource(REPO_ROOT));
    const committed = committedFiles(GENERATED_DIR);
    const missing = [...fresh.keys()].filter((p) => !committed.includes(p)).sort();
    const extra = committed.filter((p) => !fresh.has(p));
    const differing = committed.filter((p) => fresh.has(p) && readFileSync(join(GENERATED_DIR, p), 'utf8') !== fresh.get(p));
    const report = { differing, missing, extra };
    if (differing.length + missing.length + extra.length > 0) {
      console.error('protocol/generated is stale; run `npm run generate` and commit the result:', JSON.stringify(report, null, 2));
    }
    expect(report).toEqual({ differing: [], missing: [], extra: [] });
    expect(fresh.size).toBeGreaterThan(240);
  });
});
