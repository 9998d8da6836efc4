// LZ4 as Kafka uses it: the standard LZ4 frame format (magic 0x184D2204), not raw blocks.
//
// Decompression is our own frame reader plus a JS block decoder, because Kafka needs a
// leniency no library offers: before KIP-57, Kafka computed the frame header checksum
// (HC) over the magic number as well as the descriptor, and magic 0 messages still
// carry that broken HC. We accept a frame whose HC is either the standard or the legacy
// value. Decoding every block into one contiguous output buffer also handles frames
// with linked (dependent) blocks for free, since matches may reach into earlier blocks.
//
// When lz4-napi loads, its native frame reader is tried first for speed (see
// bench/records/README.md). Compression uses lz4-napi's native frame encoder (independent 64 KiB blocks, which
// the Java client's KafkaLZ4BlockInputStream requires); `compressLz4LegacyFrame`
// rewrites the HC the legacy way for magic 0 down-conversion.
import { createRequire } from 'node:module';
import { xxhash32 } from './xxhash32.js';
import { CompressionError, CompressionType, type CompressionCodec } from './types.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED_BIT = 0x80000000;
const MIN_MATCH = 4;
/** Below this length a byte loop beats Buffer#copy's call overhead. */
const SHORT_COPY = 32;

const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

class Lz4FormatError extends CompressionError {
  constructor(message: string) {
    super('lz4', message);
  }
}

/** Growable output that blocks are decoded straight into. */
class Output {
  buf: Buffer;
  length = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, 64));
  }
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

function readU32LE(src: Buffer, pos: number, end: number): number {
  if (pos + 4 > end) throw new Lz4FormatError('truncated frame');
  return src.readUInt32LE(pos);
}

/** Decodes one LZ4 block `src[start, end)` onto the end of `out` (capacity already reserved). */
function decodeBlock(src: Buffer, start: number, end: number, out: Output, capacityEnd: number): void {
  const dst = out.buf;
  let s = start;
  let d = out.length;
  for (;;) {
    if (s >= end) throw new Lz4FormatError('truncated block');
    const token = src[s++]!;
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let more: number;
      do {
        if (s >= end) throw new Lz4FormatError('truncated literal length');
        more = src[s++]!;
        literalLength += more;
      } while (more === 255);
    }
    if (s + literalLength > end || d + literalLength > capacityEnd) throw new Lz4FormatError('literal overrun');
    if (literalLength < SHORT_COPY) {
      for (let k = 0; k < literalLength; k++) dst[d++] = src[s++]!;
    } else {
      src.copy(dst, d, s, s + literalLength);
      s += literalLength;
      d += literalLength;
    }
    if (s === end) break; // the last sequence carries literals only
    if (s + 2 > end) throw new Lz4FormatError('truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Lz4FormatError('match offset out of range');
    let matchLength = token & 15;
    if (matchLength === 15) {
      let more: number;
      do {
        if (s >= end) throw new Lz4FormatError('truncated match length');
        more = src[s++]!;
        matchLength += more;
      } while (more === 255);
    }
    matchLength += MIN_MATCH;
    if (d + matchLength > capacityEnd) throw new Lz4FormatError('match overrun');
    let from = d - offset;
    if (offset >= matchLength && matchLength >= SHORT_COPY) {
      dst.copy(dst, d, from, from + matchLength);
      d += matchLength;
    } else {
      // Short or overlapping match (an overlap repeats the last `offset` bytes), so copy
      // forwards byte by byte.
      const stop = d + matchLength;
      while (d < stop) dst[d++] = dst[from++]!;
    }
  }
  out.length = d;
}

function headerChecksumMatches(src: Buffer, frameStart: number, descriptorEnd: number): boolean {
  const stored = src[descriptorEnd]!;
  const standard = (xxhash32(src, frameStart + 4, descriptorEnd) >>> 8) & 0xff;
  if (stored === standard) return true;
  // Pre-KIP-57 Kafka hashed the 4 magic bytes too.
  const legacy = (xxhash32(src, frameStart, descriptorEnd) >>> 8) & 0xff;
  return stored === legacy;
}

/** Reads one frame starting at `pos`; returns the position after it. */
function decodeFrame(src: Buffer, pos: number, out: Output): number {
  const frameStart = pos;
  const end = src.length;
  pos += 4; // magic, checked by the caller
  if (pos + 3 > end) throw new Lz4FormatError('truncated frame descriptor');
  const flg = src[pos]!;
  const bd = src[pos + 1]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new Lz4FormatError('unsupported frame version');
  if (flg & FLG_DICT_ID) throw new Lz4FormatError('dictionary frames are not supported');
  const blockMaxSize = BLOCK_MAX_SIZES[(bd >>> 4) & 7];
  if (blockMaxSize === undefined) throw new Lz4FormatError('invalid block maximum size');
  pos += 2;
  if (flg & FLG_CONTENT_SIZE) {
    if (pos + 8 > end) throw new Lz4FormatError('truncated content size');
    const contentSize = Number(src.readBigUInt64LE(pos));
    // Only a hint for the first allocation; a lying value is caught by block bounds.
    if (contentSize <= 64 * blockMaxSize) out.reserve(contentSize);
    pos += 8;
  }
  if (pos >= end) throw new Lz4FormatError('truncated header checksum');
  if (!headerChecksumMatches(src, frameStart, pos)) throw new Lz4FormatError('header checksum mismatch');
  pos += 1;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  for (;;) {
    const word = readU32LE(src, pos, end);
    pos += 4;
    if (word === 0) break; // end mark
    const size = word & ~BLOCK_UNCOMPRESSED_BIT;
    if (size > blockMaxSize || pos + size > end) throw new Lz4FormatError('block size out of range');
    out.reserve(blockMaxSize);
    if (word & BLOCK_UNCOMPRESSED_BIT) {
      src.copy(out.buf, out.length, pos, pos + size);
      out.length += size;
    } else {
      decodeBlock(src, pos, pos + size, out, out.length + blockMaxSize);
    }
    pos += size + (blockChecksums ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    readU32LE(src, pos, end);
    pos += 4;
  }
  if (pos > end) throw new Lz4FormatError('truncated frame');
  return pos;
}

/** Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). */
export function decompressLz4Frames(src: Buffer): Buffer {
  const out = new Output(src.length * 4);
  let pos = 0;
  if (src.length === 0) throw new Lz4FormatError('empty input');
  while (pos < src.length) {
    const magic = readU32LE(src, pos, src.length);
    if (magic === FRAME_MAGIC) {
      pos = decodeFrame(src, pos, out);
    } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      pos += 8 + readU32LE(src, pos + 4, src.length);
    } else {
      throw new Lz4FormatError('bad frame magic');
    }
  }
  if (pos > src.length) throw new Lz4FormatError('truncated skippable frame');
  return out.buf.subarray(0, out.length);
}

interface Lz4Native {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
}

function loadNative(): Lz4Native | undefined {
  try {
    return createRequire(import.meta.url)('lz4-napi') as Lz4Native;
  } catch {
    return undefined;
  }
}
// Loaded on first use: start-up should not pay for a codec no batch has asked for yet.
let nativeModule: Lz4Native | undefined | null = null;
function nativeLz4(): Lz4Native | undefined {
  if (nativeModule === null) nativeModule = loadNative();
  return nativeModule;
}

export async function compressLz4Frame(data: Buffer): Promise<Buffer> {
  const native = nativeLz4();
  if (native === undefined) throw new CompressionError('lz4', 'compression unavailable: lz4-napi did not load');
  return native.compressFrame(data);
}

/** Position of the header checksum byte in a frame we produced. */
function headerChecksumPosition(frame: Buffer): number {
  const flg = frame[4]!;
  return 6 + (flg & FLG_CONTENT_SIZE ? 8 : 0) + (flg & FLG_DICT_ID ? 4 : 0);
}

/** An LZ4 frame whose HC covers the magic bytes too, as magic 0 readers expect. */
export async function compressLz4LegacyFrame(data: Buffer): Promise<Buffer> {
  const frame = await compressLz4Frame(data);
  const hcPos = headerChecksumPosition(frame);
  frame[hcPos] = (xxhash32(frame, 0, hcPos) >>> 8) & 0xff;
  return frame;
}

export const lz4Codec: CompressionCodec = {
  id: CompressionType.LZ4,
  name: 'lz4',
  // lz4-napi offers no level setting, so compression.lz4.level is not honoured.
  compress: (data) => compressLz4Frame(data),
  async decompress(data) {
    // The native reader is ~10x faster but rejects the legacy header checksum, so it
    // gets the first try and our reader the final word.
    const native = nativeLz4();
    if (native !== undefined) {
      try {
        return await native.decompressFrame(data);
      } catch {
        // fall through to the lenient reader, which reports the real problem if any
      }
    }
    return decompressLz4Frames(data);
  },
};
