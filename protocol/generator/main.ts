// `npm run generate`: regenerate protocol/generated from ../shared/kafka-protocol.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpecs } from './spec.js';
import { generateAll } from './generate.js';
import { loadErrorCodesSource } from './error-source.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_SPEC_DIR = resolve(repoRoot, '../shared/kafka-protocol');
export const GENERATED_DIR = resolve(repoRoot, 'protocol/generated');

function main(): void {
  const args = process.argv.slice(2);
  const specDir = args[args.indexOf('--spec-dir') + 1] && args.includes('--spec-dir') ? resolve(args[args.indexOf('--spec-dir') + 1]!) : DEFAULT_SPEC_DIR;
  const outDir = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1]!) : GENERATED_DIR;
  if (!existsSync(specDir)) {
    console.error(`spec folder not found: ${specDir}`);
    process.exit(1);
  }
  const files = generateAll(loadSpecs(specDir), loadErrorCodesSource(repoRoot));
  // Remove what is no longer generated, so a deleted spec does not leave a stale module behind.
  if (existsSync(outDir)) {
    for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const rel = join(entry.parentPath ?? entry.path, entry.name).slice(outDir.length + 1);
      if (!files.has(rel)) rmSync(join(outDir, rel));
    }
  }
  for (const [rel, content] of files) {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  console.log(`generated ${files.size} files into ${outDir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
