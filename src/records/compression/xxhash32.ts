// xxHash32, needed only for the LZ4 frame header checksum (one byte of xxh32 over a
// few header bytes), so a short plain implementation is enough.

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readU32LE(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let pos = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    while (end - pos >= 16) {
      v1 = round(v1, readU32LE(data, pos));
      v2 = round(v2, readU32LE(data, pos + 4));
      v3 = round(v3, readU32LE(data, pos + 8));
      v4 = round(v4, readU32LE(data, pos + 12));
      pos += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + (end - start)) | 0;
  while (end - pos >= 4) {
    h = Math.imul(rotl((h + Math.imul(readU32LE(data, pos), PRIME3)) | 0, 17), PRIME4);
    pos += 4;
  }
  while (pos < end) {
    h = Math.imul(rotl((h + Math.imul(data[pos]!, PRIME5)) | 0, 11), PRIME1);
    pos++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}
