// Every Kafka 3.9 JSON spec has a generated module whose codec declares exactly the versions,
// flexibility and API key the spec does, and the API key table matches the request specs.
// The expected side is parsed here from the raw JSON, independently of protocol/generator.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as generated from '../../../protocol/generated/index.js';
import { API_BY_KEY, API_DEFINITIONS, ApiKey, requestHeaderVersion, responseHeaderVersion } from '../../../protocol/generated/api-keys.js';
import type { MessageCodec } from '../../../protocol/runtime/index.js';
import { HAVE_SPECS, REPO_ROOT, SPEC_DIR, warnIfNoSpecs } from '../spec-dir.js';

interface RawSpec {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
}

interface Expected {
  file: string;
  raw: RawSpec;
  lo: number;
  hi: number;
  firstFlexible: number;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsonFiles(path));
    else if (entry.name.endsWith('.json')) out.push(path);
  }
  return out.sort();
}

/** "3-11" → [3, 11]; "5" → [5, 5]; "7+" → [7, Infinity]; "none" → null. */
function range(text: string): [number, number] | null {
  if (text === 'none') return null;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return [Number(plus[1]), Infinity];
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return [Number(span[1]), Number(span[2])];
  if (/^\d+$/.test(text)) return [Number(text), Number(text)];
  throw new Error(`unparseable version range ${text}`);
}

function load(): Expected[] {
  return jsonFiles(SPEC_DIR).map((path) => {
    const text = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('//'))
      .join('\n');
    const raw = JSON.parse(text) as RawSpec;
    const valid = range(raw.validVersions);
    if (valid === null || valid[1] === Infinity) throw new Error(`${path}: validVersions ${raw.validVersions}`);
    const flex = range(raw.flexibleVersions);
    // The first flexible version, clipped to the valid range, or -1 when none is flexible.
    const firstFlexible = flex === null || flex[0] > valid[1] ? -1 : Math.max(flex[0], valid[0]);
    return { file: relative(SPEC_DIR, path), raw, lo: valid[0], hi: valid[1], firstFlexible };
  });
}

/** RequestHeader → request-header; DescribeACLs-style runs of capitals stay one word. */
function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

const codecs = generated as unknown as Record<string, MessageCodec<unknown> | undefined>;

warnIfNoSpecs('spec-coverage');
describe.skipIf(!HAVE_SPECS)('generated code covers every Kafka 3.9 spec', () => {
  const specs = HAVE_SPECS ? load() : [];
  const requests = specs.filter((s) => s.raw.type === 'request');
  const responses = specs.filter((s) => s.raw.type === 'response');

  it('finds the full spec set (sanity check on the spec folder itself)', () => {
    expect(specs.length).toBeGreaterThanOrEqual(200);
    expect(requests.length).toBe(responses.length);
    console.log(`spec-coverage: ${specs.length} specs, ${requests.length} APIs, ${specs.reduce((n, s) => n + s.hi - s.lo + 1, 0)} message×version pairs`);
  });

  it('each spec has its module, and its codec declares the spec versions, first flexible version and API key', () => {
    const problems: string[] = [];
    for (const s of specs) {
      const folder = s.file.split(/[\\/]/)[0]!;
      const modulePath = resolve(REPO_ROOT, 'protocol/generated', folder, `${kebab(s.raw.name)}.ts`);
      if (!existsSync(modulePath)) {
        problems.push(`${s.file}: no module ${relative(REPO_ROOT, modulePath)}`);
        continue;
      }
      if (!readFileSync(modulePath, 'utf8').includes(`// Source: ${s.file.replace(/\\/g, '/')}\n`)) problems.push(`${s.file}: module names another source`);
      const codec = codecs[s.raw.name];
      if (codec === undefined) {
        problems.push(`${s.file}: ${s.raw.name} not exported from protocol/generated`);
        continue;
      }
      const got = { name: codec.name, apiKey: codec.apiKey, lo: codec.lowestVersion, hi: codec.highestVersion, flex: codec.firstFlexibleVersion };
      const want = { name: s.raw.name, apiKey: s.raw.apiKey, lo: s.lo, hi: s.hi, flex: s.firstFlexible };
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${s.file}: codec ${JSON.stringify(got)} but spec ${JSON.stringify(want)}`);
    }
    expect(problems).toEqual([]);
  });

  it('every request spec has a response spec with the same API key and versions, and vice versa', () => {
    for (const req of requests) {
      const res = responses.find((r) => r.raw.apiKey === req.raw.apiKey);
      expect(res, req.raw.name).toBeDefined();
      expect(res!.raw.name).toBe(req.raw.name.replace(/Request$/, 'Response'));
      expect([res!.lo, res!.hi]).toEqual([req.lo, req.hi]);
    }
    for (const res of responses) expect(requests.some((r) => r.raw.apiKey === res.raw.apiKey), res.raw.name).toBe(true);
  });

  it('API_DEFINITIONS covers exactly the request API keys, with their listeners, stability and deprecation', () => {
    const keys = requests.map((r) => r.raw.apiKey!).sort((a, b) => a - b);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe(0);
    expect(keys[keys.length - 1]).toBeLessThanOrEqual(87);
    expect(API_DEFINITIONS.map((d) => d.apiKey)).toEqual(keys);
    expect([...API_BY_KEY.keys()].sort((a, b) => a - b)).toEqual(keys);
    for (const req of requests) {
      const def = API_BY_KEY.get(req.raw.apiKey!)!;
      const name = req.raw.name.replace(/Request$/, '');
      const deprecated = req.raw.deprecatedVersions === undefined ? null : range(req.raw.deprecatedVersions);
      expect({
        name: def.name,
        request: def.request,
        response: def.response,
        lowestVersion: def.lowestVersion,
        highestVersion: def.highestVersion,
        firstFlexibleVersion: def.firstFlexibleVersion,
        listeners: def.listeners,
        latestVersionUnstable: def.latestVersionUnstable,
        deprecatedVersions: def.deprecatedVersions,
      }, name).toStrictEqual({
        name,
        request: codecs[req.raw.name],
        response: codecs[`${name}Response`],
        lowestVersion: req.lo,
        highestVersion: req.hi,
        firstFlexibleVersion: req.firstFlexible,
        listeners: req.raw.listeners ?? [],
        latestVersionUnstable: req.raw.latestVersionUnstable ?? false,
        deprecatedVersions: deprecated === null ? null : { lo: deprecated[0], hi: deprecated[1] },
      });
      expect((ApiKey as Record<string, number>)[name], name).toBe(req.raw.apiKey);
    }
    expect(Object.keys(ApiKey).length).toBe(requests.length);
  });

  it('header versions: request v2 when flexible, else v1 (ControlledShutdown v0 alone v0); response v1 when flexible, else v0, ApiVersions always v0', () => {
    let checked = 0;
    for (const req of requests) {
      const key = req.raw.apiKey!;
      for (let v = req.lo; v <= req.hi; v++) {
        const flexible = req.firstFlexible >= 0 && v >= req.firstFlexible;
        const wantRequest = flexible ? 2 : key === 7 && v === 0 ? 0 : 1;
        const wantResponse = key === 18 ? 0 : flexible ? 1 : 0;
        expect(requestHeaderVersion(key, v), `${req.raw.name} v${v}`).toBe(wantRequest);
        expect(responseHeaderVersion(key, v), `${req.raw.name} v${v}`).toBe(wantResponse);
        checked++;
      }
    }
    // The special cases, spelled out.
    expect(requestHeaderVersion(7, 0)).toBe(0);
    expect(requestHeaderVersion(7, 1)).toBe(1);
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(checked).toBeGreaterThan(300);
  });
});
