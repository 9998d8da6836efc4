// fast-check generators shared by the records tests.
import fc from 'fast-check';
import type { RecordToWrite } from '../../../../src/records/index.js';

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), { nil: null });

export const recordArbitrary: fc.Arbitrary<RecordToWrite> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: bytesOrNull }), { maxLength: 3 }),
  timestamp: fc.bigInt({ min: 0n, max: 4_000_000_000_000n }),
});

export const recordsArbitrary = fc.array(recordArbitrary, { minLength: 1, maxLength: 20 });
