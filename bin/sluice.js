#!/usr/bin/env node
// Entry point of the `sluice` command; runs the compiled CLI (npm run build).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((error) => {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
