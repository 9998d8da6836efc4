// Snappy as Kafka clients use it. The Java client (snappy-java's SnappyOutputStream) and
// librdkafka wrap raw snappy blocks in the "xerial" framing:
//   8-byte magic 0x82 'SNAPPY' 0x00, int32 version, int32 minimum compatible version,
//   then repeated [int32 big-endian compressed length][raw snappy block].
// Some clients (kafkajs' snappy plugin among them) also send one raw snappy block, so
// decompression accepts both. Compression emits xerial framing, which every client reads.
import { createRequire } from 'node:module';
import { CompressionError, CompressionType, type CompressionCodec } from './types.js';

type SnappyModule = typeof import('snappy');
let snappyModule: SnappyModule | undefined;
/** Loaded on first use: the native module costs start-up time a broker without snappy traffic never needs. */
function snappy(): SnappyModule {
  return (snappyModule ??= createRequire(import.meta.url)('snappy') as SnappyModule);
}
const snappyCompress = (data: Buffer): Promise<Buffer> => snappy().compress(data);
const snappyUncompress: SnappyModule['uncompress'] = (data, options) => snappy().uncompress(data, options);

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size; each block is compressed independently. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

async function uncompressRaw(block: Buffer): Promise<Buffer> {
  return (await snappyUncompress(block, { asBuffer: true })) as Buffer;
}

async function decompressXerial(data: Buffer): Promise<Buffer> {
  const pending: Array<Promise<Buffer>> = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('snappy', 'truncated xerial chunk length');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || pos + length > data.length) throw new CompressionError('snappy', 'truncated xerial chunk');
    pending.push(uncompressRaw(data.subarray(pos, pos + length)));
    pos += length;
  }
  const chunks = await Promise.all(pending);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function compressXerial(data: Buffer): Promise<Buffer> {
  const pending: Array<Promise<Buffer>> = [];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    pending.push(snappyCompress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE)));
  }
  const blocks = await Promise.all(pending);
  let size = XERIAL_HEADER_SIZE;
  for (const block of blocks) size += 4 + block.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    out.writeInt32BE(block.length, pos);
    block.copy(out, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

export const snappyCodec: CompressionCodec = {
  id: CompressionType.SNAPPY,
  name: 'snappy',
  compress: compressXerial,
  async decompress(data) {
    try {
      return isXerialFramed(data) ? await decompressXerial(data) : await uncompressRaw(data);
    } catch (cause) {
      if (cause instanceof CompressionError) throw cause;
      throw new CompressionError('snappy', (cause as Error).message, { cause });
    }
  },
};

/** Raw (unframed) snappy, for tests and for clients that send it. */
export function compressSnappyRaw(data: Buffer): Promise<Buffer> {
  return snappyCompress(data);
}
