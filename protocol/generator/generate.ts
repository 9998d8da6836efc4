// Produces every generated file as a map of relative path → content, without touching disk,
// so `npm run generate` and the drift test share one code path.
import type { MessageSpec } from './spec.js';
import { GENERATED_HEADER, emitMessageModule, kebabCase } from './emit.js';
import { formatRange, intersect, isEmpty } from './versions.js';

export type GeneratedFiles = Map<string, string>;

function modulePath(spec: MessageSpec): string {
  return `${spec.folder}/${kebabCase(spec.name)}.ts`;
}

function emitApiKeys(specs: MessageSpec[]): string {
  const requests = specs.filter((s) => s.kind === 'request').sort((a, b) => a.apiKey! - b.apiKey!);
  const responses = new Map(specs.filter((s) => s.kind === 'response').map((s) => [s.apiKey!, s]));
  const out: string[] = [GENERATED_HEADER, '/* eslint-disable */', "import type { MessageCodec } from '../runtime/index.js';"];
  for (const req of requests) {
    const res = responses.get(req.apiKey!);
    if (!res) throw new Error(`no response spec for ${req.name}`);
    if (formatRange(res.validVersions) !== formatRange(req.validVersions)) {
      throw new Error(`${req.name} and ${res.name} disagree on valid versions`);
    }
    out.push(`import { ${req.name} } from './${modulePath(req).replace(/\.ts$/, '.js')}';`);
    out.push(`import { ${res.name} } from './${modulePath(res).replace(/\.ts$/, '.js')}';`);
  }
  out.push(`
export interface ApiDefinition {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageCodec<any>;
  readonly response: MessageCodec<any>;
  readonly lowestVersion: number;
  readonly highestVersion: number;
  /** First flexible version (compact encodings, tagged fields), or -1. */
  readonly firstFlexibleVersion: number;
  /** Which listener kinds serve the API in Kafka: zkBroker, broker, controller. */
  readonly listeners: readonly string[];
  /** True when the highest version is still under development in Kafka 3.9 and not advertised by default. */
  readonly latestVersionUnstable: boolean;
  /** Versions Kafka marks deprecated, or null. */
  readonly deprecatedVersions: { readonly lo: number; readonly hi: number } | null;
}
`);
  out.push('export const ApiKey = {');
  for (const req of requests) out.push(`  ${req.name.replace(/Request$/, '')}: ${req.apiKey},`);
  out.push('} as const;\n');
  out.push('export const API_DEFINITIONS: readonly ApiDefinition[] = [');
  for (const req of requests) {
    const res = responses.get(req.apiKey!)!;
    const flexible = intersect(req.flexibleVersions, req.validVersions);
    const deprecated = isEmpty(req.deprecatedVersions) ? 'null' : `{ lo: ${req.deprecatedVersions.lo}, hi: ${req.deprecatedVersions.hi} }`;
    out.push(`  { apiKey: ${req.apiKey}, name: '${req.name.replace(/Request$/, '')}', request: ${req.name}, response: ${res.name}, ` +
      `lowestVersion: ${req.validVersions.lo}, highestVersion: ${req.validVersions.hi}, ` +
      `firstFlexibleVersion: ${isEmpty(flexible) ? -1 : flexible.lo}, listeners: ${JSON.stringify(req.listeners)}, ` +
      `latestVersionUnstable: ${req.latestVersionUnstable}, deprecatedVersions: ${deprecated} },`);
  }
  out.push('];\n');
  out.push('export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(API_DEFINITIONS.map((d) => [d.apiKey, d]));\n');
  out.push(`/** Request header version for an API version: v2 when flexible, v1 otherwise (ControlledShutdown v0 alone used v0). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = API_BY_KEY.get(apiKey);
  if (api !== undefined && api.firstFlexibleVersion >= 0 && apiVersion >= api.firstFlexibleVersion) return 2;
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return 1;
}

/** Response header version: v1 when flexible, v0 otherwise, and always v0 for ApiVersions so any client can read it. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const api = API_BY_KEY.get(apiKey);
  return api !== undefined && api.firstFlexibleVersion >= 0 && apiVersion >= api.firstFlexibleVersion ? 1 : 0;
}
`);
  return out.join('\n');
}

function emitMetadataRecords(specs: MessageSpec[]): string {
  const records = specs.filter((s) => s.kind === 'metadata' && s.folder === 'metadata').sort((a, b) => a.apiKey! - b.apiKey!);
  const out: string[] = [GENERATED_HEADER, '/* eslint-disable */', "import type { MessageCodec } from '../runtime/index.js';"];
  for (const r of records) out.push(`import { ${r.name} } from './${modulePath(r).replace(/\.ts$/, '.js')}';`);
  // storage/ holds tiered-storage records that reuse these ids in another topic; only metadata/ belongs here.
  out.push('\n/** Metadata record type ids (the spec\'s apiKey) as written in __cluster_metadata frames. */');
  out.push('export const MetadataRecordType = {');
  for (const r of records) out.push(`  ${r.name.replace(/Record$/, '')}: ${r.apiKey},`);
  out.push('} as const;\n');
  out.push('export const METADATA_RECORD_CODECS: ReadonlyMap<number, MessageCodec<any>> = new Map<number, MessageCodec<any>>([');
  for (const r of records) out.push(`  [${r.apiKey}, ${r.name}],`);
  out.push(']);\n');
  return out.join('\n');
}

export function generateAll(specs: MessageSpec[], errorCodesSource: string | undefined): GeneratedFiles {
  const files: GeneratedFiles = new Map();
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new Error(`duplicate spec name ${spec.name}`);
    seen.add(spec.name);
    files.set(modulePath(spec), emitMessageModule(spec, '../../runtime/index.js'));
  }
  files.set('api-keys.ts', emitApiKeys(specs));
  files.set('metadata-records.ts', emitMetadataRecords(specs));
  if (errorCodesSource !== undefined) files.set('error-codes.ts', errorCodesSource);
  const index = [GENERATED_HEADER];
  for (const spec of specs) index.push(`export * from './${modulePath(spec).replace(/\.ts$/, '.js')}';`);
  index.push("export * from './api-keys.js';", "export * from './metadata-records.js';");
  if (errorCodesSource !== undefined) index.push("export * from './error-codes.js';");
  files.set('index.ts', index.join('\n') + '\n');
  return files;
}
