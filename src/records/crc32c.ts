// CRC-32C (Castagnoli), the checksum of record batch v2. Callers only use `crc32c`;
// this module picks the fastest implementation that loads. bench/records/README.md
// has the measurements behind the choice:
// - @node-rs/crc32: hardware CRC instructions, prebuilt binary shipped inside its npm
//   platform package; fastest from ~200 bytes up (2.7 GB/s on 1 MiB here).
// - crc-32/crc32c (SheetJS, pure JS slicing-by-16): faster than crossing into native
//   code for short inputs, and the fallback when the native binding cannot load.
import { createRequire } from 'node:module';

type Crc32cFn = (input: Uint8Array) => number;

const require = createRequire(import.meta.url);
const portable = (require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }).buf;

function loadNative(): Crc32cFn | undefined {
  if (process.env['SLUICE_CRC32C'] === 'js') return undefined;
  try {
    const mod = require('@node-rs/crc32') as { crc32c: Crc32cFn };
    // Refuse a binding that loads but computes something else.
    if (mod.crc32c(Buffer.from('123456789')) >>> 0 !== 0xe3069283) return undefined;
    return mod.crc32c;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Shorter inputs go to the JS code: the native call overhead dominates below this. */
const NATIVE_MIN_BYTES = 192;

/** Which implementation handles large inputs, for logs and benchmarks. */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

/** CRC-32C of `data[start, end)`, as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  if (native !== undefined && end - start >= NATIVE_MIN_BYTES) return native(view) >>> 0;
  return portable(view) >>> 0;
}

/** The pure-JS implementation alone, so tests can cross-check it against the native one. */
export function crc32cPortable(data: Uint8Array): number {
  return portable(data) >>> 0;
}
