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
import { Script } from 'node:vm';

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

const { main, saveCache } = load();
main(process.argv).then(
  () => {
    if (saveCache) setTimeout(saveCache, 1000).unref();
  },
  (error) => {
    process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
