import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../../src/storage/node-fs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-node-fs-'));
  dirs.push(dir);
  return dir;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('NodeFileSystem descriptor cache', () => {
  it('holds at most maxOpenFiles descriptors and reopens a handle on its next use', async () => {
    const dir = tempDir();
    const fs = new NodeFileSystem({ maxOpenFiles: 3 });
    const before = openFds();
    const handles = Array.from({ length: 10 }, (_, i) => fs.open(join(dir, `f${i}`), true));
    expect(fs.openDescriptors).toBe(3);
    expect(openFds() - before).toBeLessThanOrEqual(3);
    // Round-robin appends, reads and an fsync: each handle is evicted and reopened many times.
    for (let round = 0; round < 5; round++) {
      for (const [i, handle] of handles.entries()) expect(handle.append(Buffer.from(`${i}:${round};`))).toBe(round === 0 ? 0 : handle.size() - 4);
      await Promise.all(handles.map((h) => h.sync()));
    }
    expect(openFds() - before).toBeLessThanOrEqual(3);
    for (const [i, handle] of handles.entries()) {
      const expected = [0, 1, 2, 3, 4].map((round) => `${i}:${round};`).join('');
      expect(handle.read(0, 1000).toString()).toBe(expected);
      expect(readFileSync(join(dir, `f${i}`), 'utf8')).toBe(expected);
    }
    handles[0]!.truncate(4);
    expect(readFileSync(join(dir, 'f0'), 'utf8')).toBe('0:0;');
    for (const handle of handles) handle.close();
    expect(fs.openDescriptors).toBe(0);
    expect(openFds()).toBe(before);
    expect(() => handles[1]!.append(Buffer.from('x'))).toThrow(/closed/);
  });

  it('never takes back a descriptor while an fsync runs on it', async () => {
    const dir = tempDir();
    const fs = new NodeFileSystem({ maxOpenFiles: 1 });
    const first = fs.open(join(dir, 'a'), true);
    first.append(Buffer.from('a'));
    const syncing = first.sync();
    const second = fs.open(join(dir, 'b'), true); // over the limit while `first` syncs
    second.append(Buffer.from('b'));
    await syncing;
    first.append(Buffer.from('c'));
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('ac');
    first.close();
    second.close();
  });
});
