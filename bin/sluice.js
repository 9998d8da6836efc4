#!/usr/bin/env node
// Entry point of the `sluice` command. It runs the CLI bundled into one file by `npm run build`
// (one module to load instead of ~300 is most of what makes start-up fast).
import { main } from '../dist/sluice.mjs';

main(process.argv).catch((error) => {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
