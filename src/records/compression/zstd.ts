// zstd: Node 20's zlib has none. @mongodb-js/zstd 1.x ships its native binary inside
// an npm platform package (no download at install) and is the fastest we measured
// (bench/records/README.md). If that binary cannot load, decompression falls back to
// fzstd (pure JS, decode only) so the broker can still read zstd batches; compression
// then reports itself unavailable.
import { createRequire } from 'node:module';
import { CompressionError, CompressionType, type CompressionCodec } from './types.js';

interface ZstdNative {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}
interface ZstdPortable {
  decompress(data: Uint8Array): Uint8Array;
}

const require = createRequire(import.meta.url);

function loadNative(): ZstdNative | undefined {
  if (process.env['SLUICE_ZSTD'] === 'js') return undefined;
  try {
    // The package's index.js wrapper drops the level argument; its napi bindings take it.
    return require('@mongodb-js/zstd/bindings') as ZstdNative;
  } catch {
    return undefined;
  }
}

// Both loaded on first use, so start-up does not pay for a codec until a zstd batch arrives.
let nativeModule: ZstdNative | undefined | null = null;
function nativeZstd(): ZstdNative | undefined {
  if (nativeModule === null) nativeModule = loadNative();
  return nativeModule;
}
let portableModule: ZstdPortable | undefined;
function portableZstd(): ZstdPortable {
  return (portableModule ??= require('fzstd') as ZstdPortable);
}

/** Kafka's default zstd level (compression.zstd.level). */
export const ZSTD_DEFAULT_LEVEL = 3;

export function zstdImplementation(): 'native' | 'js-decode-only' {
  return nativeZstd() ? 'native' : 'js-decode-only';
}

export function decompressZstdPortable(data: Buffer): Buffer {
  try {
    const out = portableZstd().decompress(data);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new CompressionError('zstd', (cause as Error).message, { cause });
  }
}

export const zstdCodec: CompressionCodec = {
  id: CompressionType.ZSTD,
  name: 'zstd',
  async compress(data, level) {
    const native = nativeZstd();
    if (native === undefined) throw new CompressionError('zstd', 'compression unavailable: native zstd did not load');
    try {
      return await native.compress(data, level === undefined ? ZSTD_DEFAULT_LEVEL : level);
    } catch (cause) {
      throw new CompressionError('zstd', (cause as Error).message, { cause });
    }
  },
  async decompress(data) {
    const native = nativeZstd();
    if (native === undefined) return decompressZstdPortable(data);
    try {
      return await native.decompress(data);
    } catch (cause) {
      throw new CompressionError('zstd', (cause as Error).message, { cause });
    }
  },
};
