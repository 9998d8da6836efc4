// Builds fast-check arbitraries for any message spec at any version, walking the spec model.
// Shared by the round-trip property tests and the frame fuzzers, which need random *valid*
// messages to start from. Default values are computed here from the spec text, not taken
// from the generated code, so a wrong default in the generator shows up as a mismatch.
import fc from 'fast-check';
import type { FieldSpec, FieldType, MessageSpec, PrimitiveType, StructSpec } from '../../protocol/generator/spec.js';

export type Value = Record<string, unknown>;

const ZERO_UUID_TEXT = Buffer.alloc(16).toString('base64url');

function inRange(range: { lo: number; hi: number }, version: number): boolean {
  return version >= range.lo && version <= range.hi;
}

/** Versions where the field is on the wire at all. */
export function isPresent(field: FieldSpec, version: number): boolean {
  return inRange(field.versions, version);
}
export function isNullable(field: FieldSpec, version: number): boolean {
  return isPresent(field, version) && inRange(field.nullableVersions, version);
}
export function isTagged(field: FieldSpec, version: number): boolean {
  return isPresent(field, version) && field.tag !== undefined && inRange(field.taggedVersions, version);
}
export function isFlexible(spec: MessageSpec, version: number): boolean {
  return inRange(spec.flexibleVersions, version);
}

/** Every version a spec declares valid, lowest first. */
export function versionsOf(spec: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = spec.validVersions.lo; v <= spec.validVersions.hi; v++) out.push(v);
  return out;
}

/**
 * The value a field takes when it is not on the wire, following Kafka's generator: an
 * explicit `default` if the spec gives one ("null" included), otherwise zero, false, "",
 * the all-zero uuid, an empty buffer or array, or a struct of defaults. Records default to
 * null when the field is nullable in some version (Kafka's MemoryRecords default), else empty.
 */
export function defaultValue(field: FieldSpec): unknown {
  const d = field.defaultText;
  if (d === null || d === 'null') return null;
  const type = field.type;
  if (type.kind === 'array') return [];
  if (type.kind === 'struct') return defaultStruct(type.struct);
  const text = d === undefined ? '' : String(d).trim();
  switch (type.name) {
    case 'bool':
      return text === 'true';
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'float64':
      return text === '' ? 0 : Number(text);
    case 'int64':
      return text === '' ? 0n : BigInt(text);
    case 'string':
      return text;
    case 'uuid':
      return text === '' ? ZERO_UUID_TEXT : text;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return field.nullableVersions.hi >= field.nullableVersions.lo ? null : Buffer.alloc(0);
  }
}

export function defaultStruct(struct: StructSpec): Value {
  const o: Value = {};
  for (const f of struct.fields) o[f.name] = defaultValue(f);
  return o;
}

export interface ArbitraryOptions {
  /** Allow occasional long strings and primitive arrays of hundreds of elements. */
  readonly large: boolean;
  /** Attach random unknown tagged fields to flexible structs. */
  readonly unknownTags: boolean;
  /** Maximum elements of a struct array. */
  readonly maxStructArray: number;
}

export const ROUND_TRIP_OPTIONS: ArbitraryOptions = { large: true, unknownTags: true, maxStructArray: 3 };

const INT_RANGES: Record<'int8' | 'int16' | 'uint16' | 'int32', [number, number]> = {
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function intArb(min: number, max: number): fc.Arbitrary<number> {
  // fast-check already biases towards small values; make the extremes frequent too.
  return fc.oneof({ arbitrary: fc.constantFrom(min, max, 0, -1 < min ? 1 : -1), weight: 1 }, { arbitrary: fc.integer({ min, max }), weight: 3 });
}

const bufferArb = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));

export function primitiveArb(name: PrimitiveType, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  switch (name) {
    case 'bool':
      return fc.boolean();
    case 'int8': case 'int16': case 'uint16': case 'int32': {
      const [min, max] = INT_RANGES[name];
      return intArb(min, max);
    }
    case 'int64':
      return fc.oneof(
        { arbitrary: fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n), weight: 1 },
        { arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), weight: 3 },
      );
    case 'float64':
      // fc.double covers -0, NaN and both infinities.
      return fc.oneof(fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE), fc.double());
    case 'string': {
      // 'binary' is every code point except lone surrogates, so the UTF-8 round trip is exact.
      const short = fc.string({ unit: 'binary', maxLength: 12 });
      if (!options.large) return short;
      // Long strings stay under the int16 byte limit of non-flexible strings (4 bytes per code point).
      return fc.oneof({ arbitrary: short, weight: 20 }, { arbitrary: fc.string({ unit: 'binary', minLength: 500, maxLength: 2000 }), weight: 1 });
    }
    case 'uuid':
      return fc.oneof(
        { arbitrary: fc.constant(ZERO_UUID_TEXT), weight: 1 },
        { arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url')), weight: 4 },
      );
    case 'bytes': case 'records':
      if (!options.large) return bufferArb(24);
      return fc.oneof({ arbitrary: bufferArb(24), weight: 20 }, { arbitrary: bufferArb(5000), weight: 1 });
  }
}

function typeArb(type: FieldType, version: number, options: ArbitraryOptions, flexible: boolean): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'primitive':
      return primitiveArb(type.name, options);
    case 'struct':
      return structArb(type.struct, version, options, flexible);
    case 'array': {
      const element = type.element;
      if (element.kind === 'struct') {
        return fc.array(structArb(element.struct, version, options, flexible), { maxLength: options.maxStructArray });
      }
      const one = primitiveArb(element.name, { ...options, large: false });
      if (!options.large) return fc.array(one, { maxLength: 6 });
      return fc.oneof({ arbitrary: fc.array(one, { maxLength: 6 }), weight: 15 }, { arbitrary: fc.array(one, { minLength: 100, maxLength: 400 }), weight: 1 });
    }
  }
}

/** Unique ascending tags that none of the struct's declared tagged fields use. */
export function unknownTaggedFieldsArb(struct: StructSpec): fc.Arbitrary<{ tag: number; data: Buffer }[]> {
  // Number(): a few specs write the tag as a JSON string ("tag": "0"), which Kafka accepts.
  const known = new Set(struct.fields.filter((f) => f.tag !== undefined).map((f) => Number(f.tag)));
  const tag = fc
    .oneof({ arbitrary: fc.integer({ min: 0, max: 40 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 0xffffffff }), weight: 1 })
    .filter((t) => !known.has(t));
  return fc
    .uniqueArray(tag, { minLength: 1, maxLength: 4 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((t) => bufferArb(10).map((data) => ({ tag: t, data })))));
}

export function structArb(struct: StructSpec, version: number, options: ArbitraryOptions, flexible: boolean): fc.Arbitrary<Value> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of struct.fields) {
    if (!isPresent(f, version)) {
      parts[f.name] = fc.constant(null).map(() => defaultValue(f));
      continue;
    }
    let arb = typeArb(f.type, version, options, flexible);
    if (isNullable(f, version)) arb = fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: arb, weight: 4 });
    // A tagged field often sits at its default, which must then stay off the wire.
    if (isTagged(f, version)) arb = fc.oneof({ arbitrary: fc.constant(null).map(() => defaultValue(f)), weight: 1 }, { arbitrary: arb, weight: 2 });
    parts[f.name] = arb;
  }
  const base = fc.record(parts, { noNullPrototype: true }) as fc.Arbitrary<Value>;
  if (!flexible || !options.unknownTags) return base;
  return fc.tuple(base, fc.option(unknownTaggedFieldsArb(struct), { freq: 3 })).map(([value, unknown]) => {
    if (unknown !== null) value.unknownTaggedFields = unknown;
    return value;
  });
}

/** An arbitrary valid value of a whole message at one version. */
export function messageArb(spec: MessageSpec, version: number, options: ArbitraryOptions = ROUND_TRIP_OPTIONS): fc.Arbitrary<Value> {
  return structArb(spec.root, version, options, isFlexible(spec, version));
}
