// Frame fuzzing shared by the short fuzz in `npm test` and the long `npm run fuzz` campaign:
// a corpus of valid request frames for every API and version, a seeded mutator, and a
// checker that accepts only a result, a DecodeError or an UnsupportedVersionError.
import fc from 'fast-check';
import { decodeRequestFrame } from '../../protocol/frames.js';
import { encodeRequestFrame } from '../../protocol/frames.js';
import { API_DEFINITIONS } from '../../protocol/generated/api-keys.js';
import { loadSpecs, type MessageSpec } from '../../protocol/generator/spec.js';
import { isDeepStrictEqual } from 'node:util';
import { DecodeError, UnsupportedVersionError, decode, encode } from '../../protocol/runtime/index.js';
import { messageArb } from './message-arbitrary.js';
import { HAVE_SPECS, SPEC_DIR } from './spec-dir.js';

/** xorshift128+ folded to 32 bits: fast, seedable, good enough to pick mutations. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    // splitmix32 expands the seed so that nearby seeds give unrelated streams.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next() | 1;
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }
  /** xoshiro128** step. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  /** Uniform in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export interface CorpusFrame {
  readonly label: string;
  /** Request frame without its 4-byte size prefix, as decodeRequestFrame takes it. */
  readonly frame: Buffer;
}

/**
 * Valid request frames for every API key at every version: the codec's defaults plus
 * `perVersion` random values built from the spec model (small arrays, random unknown tags).
 */
export function buildCorpus(seed: number, perVersion: number): CorpusFrame[] {
  const specs = new Map<string, MessageSpec>();
  if (HAVE_SPECS) for (const s of loadSpecs(SPEC_DIR)) specs.set(s.name, s);
  const corpus: CorpusFrame[] = [];
  for (const api of API_DEFINITIONS) {
    const spec = specs.get(api.request.name);
    for (let v = api.lowestVersion; v <= api.highestVersion; v++) {
      const values: unknown[] = [api.request.defaults()];
      if (spec !== undefined && perVersion > 0) {
        const arb = messageArb(spec, v, { large: false, unknownTags: true, maxStructArray: 2 });
        values.push(...fc.sample(arb, { seed: seed + api.apiKey * 1009 + v, numRuns: perVersion }));
      }
      values.forEach((value, i) => {
        const clientId = i % 3 === 0 ? null : `fuzz-${i}`;
        const full = encodeRequestFrame(api.apiKey, v, i, clientId, api.request, value);
        corpus.push({ label: `${api.name} v${v} #${i}`, frame: full.subarray(4) });
      });
    }
  }
  return corpus;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
// Length-like values to plant: negative, zero, just-too-big and huge, in int16/int32/uvarint form.
const LENGTHS_INT16 = ['fffe', 'ffff', '8000', '7fff', '0000', '0100'];
const LENGTHS_INT32 = ['fffffffe', 'ffffffff', '80000000', '7fffffff', '00000000', '00010000'];
const LENGTHS_UVARINT = ['00', '01', 'ffffffff0f', 'feffffff0f', '80808001', 'ff7f'];
// Over-long varints: 6-byte uvarint, 5-byte uvarint above 32 bits, 11-byte varlong.
const OVERLONG = ['808080808000', 'ffffffffff01', 'ffffffff10', '8080808080808080808000', 'ffffffffffffffffffff01'];
const HEX = new Map<string, Buffer>();
function bytesOf(hex: string): Buffer {
  let b = HEX.get(hex);
  if (b === undefined) HEX.set(hex, (b = Buffer.from(hex, 'hex')));
  return b;
}

export const MUTATIONS = ['bitflip', 'overwrite', 'truncate', 'extend', 'length16', 'length32', 'lengthVarint', 'overlong', 'insert', 'delete', 'version'] as const;
export type Mutation = (typeof MUTATIONS)[number];

function splice(frame: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([frame.subarray(0, at), insert, frame.subarray(Math.min(frame.length, at + remove))]);
}

/** Applies one mutation, returning a new buffer (the corpus frame is never touched). */
export function mutateOnce(frame: Buffer, kind: Mutation, rng: Rng): Buffer {
  const n = frame.length;
  switch (kind) {
    case 'bitflip': {
      const out = Buffer.from(frame);
      if (n > 0) out[rng.below(n)]! ^= 1 << rng.below(8);
      return out;
    }
    case 'overwrite': {
      const out = Buffer.from(frame);
      if (n > 0) out[rng.below(n)] = rng.below(2) === 0 ? rng.pick(INTERESTING_BYTES) : rng.below(256);
      return out;
    }
    case 'truncate':
      return frame.subarray(0, rng.below(n + 1));
    case 'extend': {
      const extra = Buffer.alloc(1 + rng.below(16));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.below(256);
      return Buffer.concat([frame, extra]);
    }
    case 'length16':
    case 'length32':
    case 'lengthVarint': {
      const table = kind === 'length16' ? LENGTHS_INT16 : kind === 'length32' ? LENGTHS_INT32 : LENGTHS_UVARINT;
      const value = bytesOf(rng.pick(table));
      // Overwrite in place (keeps what follows aligned) or insert (shifts it).
      const at = rng.below(n + 1);
      return splice(frame, at, rng.below(2) === 0 ? value.length : 0, value);
    }
    case 'overlong': {
      const value = bytesOf(rng.pick(OVERLONG));
      const at = rng.below(n + 1);
      return splice(frame, at, rng.below(3), value);
    }
    case 'insert': {
      const extra = Buffer.alloc(1 + rng.below(8));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.below(256);
      return splice(frame, rng.below(n + 1), 0, extra);
    }
    case 'delete': {
      const at = rng.below(n + 1);
      return splice(frame, at, 1 + rng.below(8), Buffer.alloc(0));
    }
    case 'version': {
      // Another API version (often out of range) against the same body: the header format changes too.
      const out = Buffer.from(frame);
      if (n >= 4) out.writeInt16BE(rng.below(4) === 0 ? rng.below(0x10000) - 0x8000 : rng.below(20), 2);
      return out;
    }
  }
}

/** One to four stacked mutations. */
export function mutate(frame: Buffer, rng: Rng): { bytes: Buffer; applied: Mutation[] } {
  const applied: Mutation[] = [];
  let bytes = frame;
  const count = 1 + (rng.below(4) === 0 ? rng.below(4) : 0);
  for (let i = 0; i < count; i++) {
    const kind = rng.pick(MUTATIONS);
    applied.push(kind);
    bytes = mutateOnce(bytes, kind, rng);
  }
  return { bytes, applied };
}

export interface FuzzFailure {
  readonly label: string;
  readonly applied: Mutation[];
  readonly error: string;
  readonly hex: string;
}

export interface FuzzStats {
  iterations: number;
  decoded: number;
  undecodable: number;
  decodeErrors: number;
  unsupported: number;
  readonly failures: FuzzFailure[];
  readonly errorCodes: Map<string, number>;
}

export function newStats(): FuzzStats {
  return { iterations: 0, decoded: 0, undecodable: 0, decodeErrors: 0, unsupported: 0, failures: [], errorCodes: new Map() };
}

function fail(stats: FuzzStats, failure: FuzzFailure): void {
  if (stats.failures.length < 20) stats.failures.push(failure);
}

/**
 * Decodes one frame; anything thrown other than the two typed errors is recorded with the
 * frame's hex. A body that decodes must also re-encode, and decode again to the same value:
 * whatever a client can get past the decoder, the broker can echo back.
 */
export function checkFrame(bytes: Buffer, label: string, applied: Mutation[], stats: FuzzStats, decodeFrame: typeof decodeRequestFrame = decodeRequestFrame): void {
  stats.iterations++;
  try {
    const result = decodeFrame(bytes);
    if (result.ok) {
      stats.decoded++;
      const { api, apiVersion, body } = result.request;
      let again: unknown;
      try {
        again = decode(api.request, encode(api.request, body, apiVersion), apiVersion);
      } catch (e) {
        fail(stats, { label, applied, error: `re-encoding the decoded body threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, hex: bytes.toString('hex') });
        return;
      }
      if (!isDeepStrictEqual(again, body)) {
        fail(stats, { label, applied, error: `decode(encode(body)) differs from body: ${JSON.stringify(again, jsonSafe)} vs ${JSON.stringify(body, jsonSafe)}`, hex: bytes.toString('hex') });
      }
    } else stats.undecodable++;
  } catch (e) {
    if (e instanceof DecodeError) {
      stats.decodeErrors++;
      stats.errorCodes.set(e.code, (stats.errorCodes.get(e.code) ?? 0) + 1);
    } else if (e instanceof UnsupportedVersionError) {
      stats.unsupported++;
    } else {
      fail(stats, { label, applied, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), hex: bytes.toString('hex') });
    }
  }
}

/** Runs `iterations` mutated frames; `onProgress` is called roughly every `progressEvery` iterations. */
export function runFuzz(
  corpus: readonly CorpusFrame[],
  seed: number,
  iterations: number,
  stats: FuzzStats = newStats(),
  onProgress?: (stats: FuzzStats) => void,
  progressEvery = 1 << 16,
): FuzzStats {
  const rng = new Rng(seed);
  for (let i = 0; i < iterations; i++) {
    const base = corpus[rng.below(corpus.length)]!;
    const { bytes, applied } = mutate(base.frame, rng);
    checkFrame(bytes, base.label, applied, stats);
    if (onProgress !== undefined && (i + 1) % progressEvery === 0) onProgress(stats);
  }
  return stats;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value !== null && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return Buffer.from((value as { data: number[] }).data).toString('hex');
  return value;
}

export function formatFailures(failures: readonly FuzzFailure[]): string {
  return failures.map((f) => `${f.label} after [${f.applied.join(', ')}]: ${f.error}\n  frame hex: ${f.hex}`).join('\n');
}

export function formatCodes(stats: FuzzStats): string {
  return [...stats.errorCodes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}=${n}`).join(' ');
}
