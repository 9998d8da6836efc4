// gzip through node:zlib's thread-pool functions, so big batches do not block the event loop.
import { constants, gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { CompressionError, CompressionType, type CompressionCodec } from './types.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const gzipCodec: CompressionCodec = {
  id: CompressionType.GZIP,
  name: 'gzip',
  compress: (data, level) => gzipAsync(data, { level: level === undefined || level < 0 ? constants.Z_DEFAULT_COMPRESSION : level }),
  async decompress(data) {
    try {
      return await gunzipAsync(data);
    } catch (cause) {
      throw new CompressionError('gzip', (cause as Error).message, { cause });
    }
  },
};
