// Reads Kafka's JSON message specs (with their whole-line `//` comments) into a normalized
// model that both the emitter and the codec tests use.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type VersionRange, parseVersions, ALL_VERSIONS, NO_VERSIONS, intersect } from './versions.js';

export const SPEC_FOLDERS = ['message', 'metadata', 'group-coordinator', 'transaction-coordinator', 'raft', 'storage'] as const;

export type PrimitiveType =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64'
  | 'string' | 'uuid' | 'bytes' | 'records';

const PRIMITIVES = new Set<string>(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);

export type FieldType =
  | { kind: 'primitive'; name: PrimitiveType }
  | { kind: 'struct'; struct: StructSpec }
  | { kind: 'array'; element: { kind: 'primitive'; name: PrimitiveType } | { kind: 'struct'; struct: StructSpec } };

export interface FieldSpec {
  /** Name as the spec writes it. */
  readonly specName: string;
  /** camelCase property name in TypeScript. */
  readonly name: string;
  readonly type: FieldType;
  /** Versions where the field is on the wire (tagged or not), clipped to the message's valid versions. */
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | undefined;
  readonly ignorable: boolean;
  /** Field-level flexibleVersions override ("none" for RequestHeader.ClientId). */
  readonly flexibleVersions: VersionRange | undefined;
  readonly defaultText: string | number | boolean | null | undefined;
  readonly about: string | undefined;
}

export interface StructSpec {
  readonly name: string;
  readonly fields: FieldSpec[];
  /** Versions in which the struct is used at all (union of its uses). */
  versions: VersionRange;
}

export type SpecKind = 'request' | 'response' | 'header' | 'metadata' | 'data';

export interface MessageSpec {
  readonly file: string;
  readonly folder: string;
  readonly kind: SpecKind;
  readonly name: string;
  readonly apiKey: number | undefined;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly deprecatedVersions: VersionRange;
  readonly listeners: string[];
  readonly latestVersionUnstable: boolean;
  readonly root: StructSpec;
  /** Every struct reachable from the root, in first-use order, each once. */
  readonly structs: StructSpec[];
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  ignorable?: boolean;
  flexibleVersions?: string;
  default?: string | number | boolean | null;
  about?: string;
  fields?: RawField[];
}

interface RawSpec {
  apiKey?: number;
  type: SpecKind;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
  fields: RawField[];
  commonStructs?: { name: string; versions: string; fields: RawField[] }[];
}

export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
}

export function camelCase(specName: string): string {
  return specName.charAt(0).toLowerCase() + specName.slice(1);
}

function parseFieldType(
  raw: RawField,
  context: string,
  structs: Map<string, StructSpec>,
  common: Map<string, RawField[]>,
  valid: VersionRange,
  usedIn: VersionRange,
): FieldType {
  const isArray = raw.type.startsWith('[]');
  const base = isArray ? raw.type.slice(2) : raw.type;
  if (PRIMITIVES.has(base)) {
    if (raw.fields) throw new Error(`${context}: primitive ${base} with fields`);
    const primitive = { kind: 'primitive' as const, name: base as PrimitiveType };
    return isArray ? { kind: 'array', element: primitive } : primitive;
  }
  const fields = raw.fields ?? common.get(base);
  if (!fields) throw new Error(`${context}: unknown type ${raw.type}`);
  let struct = structs.get(base);
  if (!struct) {
    struct = { name: base, fields: [], versions: usedIn };
    structs.set(base, struct);
    for (const child of fields) struct.fields.push(parseField(child, `${context}.${base}`, structs, common, valid));
  } else {
    struct.versions = { lo: Math.min(struct.versions.lo, usedIn.lo), hi: Math.max(struct.versions.hi, usedIn.hi) };
  }
  const element = { kind: 'struct' as const, struct };
  return isArray ? { kind: 'array', element } : element;
}

function parseField(
  raw: RawField,
  context: string,
  structs: Map<string, StructSpec>,
  common: Map<string, RawField[]>,
  valid: VersionRange,
): FieldSpec {
  const versions = intersect(parseVersions(raw.versions), valid);
  return {
    specName: raw.name,
    name: camelCase(raw.name),
    type: parseFieldType(raw, `${context}.${raw.name}`, structs, common, valid, versions),
    versions,
    nullableVersions: parseVersions(raw.nullableVersions),
    taggedVersions: parseVersions(raw.taggedVersions),
    // A few Kafka specs write the tag as a JSON string ("tag": "0"); Kafka's parser coerces it.
    tag: raw.tag === undefined ? undefined : Number(raw.tag),
    ignorable: raw.ignorable ?? false,
    flexibleVersions: raw.flexibleVersions === undefined ? undefined : parseVersions(raw.flexibleVersions),
    defaultText: raw.default,
    about: raw.about,
  };
}

export function parseSpec(text: string, file: string, folder: string): MessageSpec {
  const raw = JSON.parse(stripComments(text)) as RawSpec;
  const validVersions = parseVersions(raw.validVersions);
  const common = new Map<string, RawField[]>();
  for (const s of raw.commonStructs ?? []) common.set(s.name, s.fields);
  const structs = new Map<string, StructSpec>();
  const root: StructSpec = { name: raw.name, fields: [], versions: validVersions };
  for (const field of raw.fields) root.fields.push(parseField(field, raw.name, structs, common, validVersions));
  return {
    file,
    folder,
    kind: raw.type,
    name: raw.name,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions, NO_VERSIONS),
    deprecatedVersions: parseVersions(raw.deprecatedVersions, NO_VERSIONS),
    listeners: raw.listeners ?? [],
    latestVersionUnstable: raw.latestVersionUnstable ?? false,
    root,
    structs: [...structs.values()],
  };
}

/** Every spec under the kafka-protocol folder, sorted by folder then file name. */
export function loadSpecs(specRoot: string): MessageSpec[] {
  const specs: MessageSpec[] = [];
  for (const folder of SPEC_FOLDERS) {
    const dir = join(specRoot, folder);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const path = join(dir, name);
      specs.push(parseSpec(readFileSync(path, 'utf8'), relative(specRoot, path), folder));
    }
  }
  return specs;
}

export { ALL_VERSIONS };
