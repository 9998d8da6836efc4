import { defineConfig } from 'vitest/config';

// `npm run fuzz`: the long fuzz campaign (FUZZ_ITERATIONS mutated frames), kept out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.fuzz.ts'],
    testTimeout: 0,
    env: { FUZZ_ITERATIONS: process.env.FUZZ_ITERATIONS ?? '10000000' },
  },
});
