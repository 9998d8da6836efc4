#!/usr/bin/env node
// Entry point of the `sluice` command. It runs the CLI bundled into one CommonJS file by
// `npm run build` (one module to load instead of ~300), compiled with a V8 code cache kept
// beside the bundle: parsing and compiling the 2 MB bundle was the largest part of start-up
// (bench/FINDINGS.md). Node 22 has module.enableCompileCache() for this; Node 20 has only
// vm.Script's cachedData. The cache is written once, a second after start-up, so it holds the
// functions start-up compiled too; V8 rejects a cache made from another bundle or Node version,
// and then a new one is written. Without a writable dist/ everything still works, uncached.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script, runInNewContext } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/sluice.cjs', import.meta.url));
const cachePath = `${bundle}.${process.version}-${process.arch}.cache`;

function load() {
  const source = readFileSync(bundle, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const saveCache = () => {
    try {
      const tmp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cachePath);
    } catch {
      // a read-only install runs without the cache
    }
  };
  return { main: module.exports.main, saveCache: stale ? saveCache : undefined };
}

/**
 * One full garbage collection once start-up has settled: what start-up allocated (the code
 * cache buffer, compile-time garbage, metadata replay) is otherwise held until load makes V8
 * collect, and an idle dev broker never loads it (bench/FINDINGS.md: ~1 MB of idle RSS). `gc`
 * is only reachable through --expose-gc; the flag is switched off again at once, so V8's flag
 * hash, which the code cache checks, is the one the next start-up sees.
 */
function collectStartupGarbage() {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    gc();
  } catch {
    // no gc available: the memory is collected by V8 later
  }
}

const { main, saveCache } = load();
main(process.argv).then(
  () => {
    if (saveCache) setTimeout(saveCache, 1000).unref();
    setTimeout(collectStartupGarbage, 1500).unref();
  },
  (error) => {
    process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
