// Generator rules that Kafka's spec language allows but that the 3.9 specs exercise rarely or
// not at all, checked on small synthetic specs: the emitted module is written to a temporary
// folder, loaded, and its bytes compared with what Kafka's generator would write.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { emitMessageModule } from '../../../protocol/generator/emit.js';
import { loadSpecs, parseSpec } from '../../../protocol/generator/spec.js';
import { decode, encode, type MessageCodec } from '../../../protocol/runtime/index.js';
import { HAVE_SPECS, REPO_ROOT, SPEC_DIR } from '../spec-dir.js';

const workDir = mkdtempSync(join(tmpdir(), 'sluice-emit-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
const RUNTIME = pathToFileURL(resolve(REPO_ROOT, 'protocol/runtime/index.ts')).href;

let counter = 0;
async function load(spec: object): Promise<MessageCodec<Record<string, unknown>>> {
  const model = parseSpec(JSON.stringify(spec), 'message/Synthetic.json', 'message');
  const file = join(workDir, `synthetic-${counter++}.ts`);
  writeFileSync(file, emitMessageModule(model, RUNTIME));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, MessageCodec<Record<string, unknown>>>;
  return mod[model.name]!;
}

describe('struct fields nullable in only some of their versions', () => {
  // Kafka writes the int8 presence marker only in versions where the struct is nullable
  // (MessageDataGenerator: `if (nullableVersions.contains(version))`), so at v0 below the
  // struct is written bare and at v1 behind a marker.
  const spec = {
    apiKey: 9000, type: 'request', name: 'SyntheticRequest', validVersions: '0-1', flexibleVersions: 'none',
    fields: [
      { name: 'Inner', type: 'Inner', versions: '0+', nullableVersions: '1+', fields: [{ name: 'A', type: 'int16', versions: '0+' }] },
    ],
  };

  it('writes no marker where the struct cannot be null, and reads back what it wrote', async () => {
    const codec = await load(spec);
    const value = { inner: { a: 7 } };
    expect(encode(codec, value, 0).toString('hex')).toBe('0007');
    expect(codec.size(value, 0)).toBe(2);
    expect(decode(codec, Buffer.from('0007', 'hex'), 0)).toStrictEqual(value);
    expect(decode(codec, encode(codec, value, 0), 0)).toStrictEqual(value);
  });

  it('writes the marker where it can', async () => {
    const codec = await load(spec);
    expect(encode(codec, { inner: { a: 7 } }, 1).toString('hex')).toBe('010007');
    expect(encode(codec, { inner: null }, 1).toString('hex')).toBe('ff');
    expect(decode(codec, Buffer.from('ff', 'hex'), 1)).toStrictEqual({ inner: null });
    expect(() => encode(codec, { inner: null }, 0)).toThrow(/cannot be null at version 0/);
  });
});

describe('tagged nullable structs', () => {
  // Inside a tagged field Kafka marks a nullable struct with an unsigned varint, 0 for null and
  // 1 for present (MessageDataGenerator.generateStructReader: `readUnsignedVarint() <= 0`),
  // not with the signed byte -1/1 that untagged nullable structs use.
  const spec = {
    type: 'data', name: 'SyntheticTagged', validVersions: '0', flexibleVersions: '0+',
    fields: [
      { name: 'Inner', type: 'Inner', versions: '0+', nullableVersions: '0+', taggedVersions: '0+', tag: 0, fields: [{ name: 'A', type: 'int16', versions: '0+' }] },
    ],
  };

  it('writes null as a varint 0 marker when null is not the default', async () => {
    const codec = await load(spec);
    expect(codec.defaults()).toStrictEqual({ inner: { a: 0 } });
    expect(encode(codec, codec.defaults(), 0).toString('hex')).toBe('00');
    // tag count 1, tag 0, size 1, marker 0.
    expect(encode(codec, { inner: null }, 0).toString('hex')).toBe('01' + '00' + '01' + '00');
    expect(decode(codec, Buffer.from('01000100', 'hex'), 0)).toStrictEqual({ inner: null });
    // Present: marker 1, the struct (int16 + its own empty tag section).
    expect(encode(codec, { inner: { a: 7 } }, 0).toString('hex')).toBe('01' + '00' + '04' + '01' + '0007' + '00');
    expect(decode(codec, Buffer.from('0100040100070' + '0', 'hex'), 0)).toStrictEqual({ inner: { a: 7 } });
  });

  it.skipIf(!HAVE_SPECS)('ConsumerGroupMemberMetadataValue.ClassicMemberMetadata (tag 0) reads a 0 marker as null', async () => {
    const { ConsumerGroupMemberMetadataValue } = await import('../../../protocol/generated/group-coordinator/consumer-group-member-metadata-value.js');
    const base = encode(ConsumerGroupMemberMetadataValue, ConsumerGroupMemberMetadataValue.defaults(), 0);
    // Replace the empty tag section (last byte, 00) with one tagged field: tag 0, size 1, body 00.
    const withNullTag = Buffer.concat([base.subarray(0, -1), Buffer.from('01000100', 'hex')]);
    expect(decode(ConsumerGroupMemberMetadataValue, withNullTag, 0).classicMemberMetadata).toBeNull();
  });
});

describe('tags written as JSON strings', () => {
  it('are numbers in the spec model (a few Kafka specs write "tag": "0")', () => {
    const model = parseSpec(JSON.stringify({
      type: 'data', name: 'SyntheticData', validVersions: '0', flexibleVersions: '0+',
      fields: [{ name: 'X', type: 'int32', versions: '0+', taggedVersions: '0+', tag: '3' }],
    }), 'message/SyntheticData.json', 'message');
    expect(model.root.fields[0]!.tag).toBe(3);
  });

  it.skipIf(!HAVE_SPECS)('every tag in the real specs comes out of the model as a number', () => {
    const stringly: string[] = [];
    const walk = (name: string, fields: readonly { specName: string; tag: number | undefined; type: { kind: string } }[]): void => {
      for (const f of fields) {
        if (f.tag !== undefined && typeof f.tag !== 'number') stringly.push(`${name}.${f.specName}`);
        const t = f.type as { kind: string; struct?: { fields: typeof fields }; element?: { kind: string; struct?: { fields: typeof fields } } };
        if (t.struct) walk(name, t.struct.fields);
        if (t.element?.struct) walk(name, t.element.struct.fields);
      }
    };
    for (const s of loadSpecs(SPEC_DIR)) walk(s.name, s.root.fields);
    expect(stringly).toEqual([]);
  });
});
