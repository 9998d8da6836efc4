// In-memory file system for tests, with crash simulation: every file remembers what its
// last fsync made durable, and `crash()` throws away (all or a random prefix of) the rest.
// Directory entries (create, rename, remove) are modelled as durable at once; only file
// contents can be lost or torn.

import type { FileHandle, FileSystem } from './types.js';

interface Inode {
  data: Buffer;
  length: number;
  /** Contents as of the last fsync. */
  durable: Buffer;
}

export type CrashMode =
  /** Every byte not fsynced is lost. */
  | 'drop-unsynced'
  /** Each file keeps a random-length prefix of its unsynced bytes: a torn write. */
  | 'torn';

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

class MemoryFileHandle implements FileHandle {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly inode: Inode,
    private readonly onSync: () => void,
    private readonly onClose: () => void,
  ) {}

  size(): number {
    return this.inode.length;
  }

  append(data: Uint8Array): number {
    this.checkOpen();
    const node = this.inode;
    const position = node.length;
    const needed = position + data.length;
    if (needed > node.data.length) {
      const grown = Buffer.alloc(Math.max(needed, node.data.length * 2, 256));
      node.data.copy(grown, 0, 0, node.length);
      node.data = grown;
    }
    node.data.set(data, position);
    node.length = needed;
    return position;
  }

  read(position: number, length: number): Buffer {
    const target = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.inode.length - position)));
    this.readInto(position, target, 0, target.length);
    return target;
  }

  readInto(position: number, target: Buffer, targetOffset: number, length: number): number {
    this.checkOpen();
    const end = Math.min(this.inode.length, position + length);
    if (end <= position) return 0;
    return this.inode.data.copy(target, targetOffset, position, end);
  }

  truncate(size: number): void {
    this.checkOpen();
    if (size < this.inode.length) this.inode.length = size;
  }

  sync(): Promise<void> {
    this.onSync();
    this.inode.durable = Buffer.from(this.inode.data.subarray(0, this.inode.length));
    return Promise.resolve();
  }

  close(): void {
    if (!this.closed) this.onClose();
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`file is closed: ${this.path}`);
  }
}

export class MemoryFileSystem implements FileSystem {
  private readonly files = new Map<string, Inode>();
  private readonly dirs = new Set<string>(['/']);
  /** Counts fsyncs so tests can assert when durability was requested. */
  syncCount = 0;
  /** Handles opened and not yet closed, as a stand-in for file descriptors. */
  openHandles = 0;

  constructor(private readonly random: () => number = Math.random) {}

  open(path: string, create: boolean): FileHandle {
    const p = normalize(path);
    let inode = this.files.get(p);
    if (!inode) {
      if (!create) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      if (!this.dirs.has(parentOf(p))) throw Object.assign(new Error(`ENOENT: parent of ${p}`), { code: 'ENOENT' });
      inode = { data: Buffer.alloc(0), length: 0, durable: Buffer.alloc(0) };
      this.files.set(p, inode);
    }
    this.openHandles++;
    return new MemoryFileHandle(p, inode, () => this.syncCount++, () => this.openHandles--);
  }

  exists(path: string): boolean {
    const p = normalize(path);
    return this.files.has(p) || this.dirs.has(p);
  }

  isDirectory(path: string): boolean {
    return this.dirs.has(normalize(path));
  }

  list(dir: string): string[] {
    const d = normalize(dir);
    if (!this.dirs.has(d)) throw Object.assign(new Error(`ENOENT: ${d}`), { code: 'ENOENT' });
    const prefix = d === '/' ? '/' : d + '/';
    const names: string[] = [];
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('/')) {
        names.push(p.slice(prefix.length));
      }
    }
    return names.sort();
  }

  mkdir(dir: string): void {
    let p = normalize(dir);
    while (!this.dirs.has(p)) {
      this.dirs.add(p);
      p = parentOf(p);
    }
  }

  rename(from: string, to: string): void {
    const f = normalize(from);
    const t = normalize(to);
    const inode = this.files.get(f);
    if (inode) {
      this.files.delete(f);
      this.files.set(t, inode);
      return;
    }
    if (!this.dirs.has(f)) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
    const prefix = f + '/';
    for (const d of [...this.dirs]) {
      if (d === f || d.startsWith(prefix)) {
        this.dirs.delete(d);
        this.dirs.add(t + d.slice(f.length));
      }
    }
    for (const [p, node] of [...this.files]) {
      if (p.startsWith(prefix)) {
        this.files.delete(p);
        this.files.set(t + p.slice(f.length), node);
      }
    }
  }

  remove(path: string): void {
    const p = normalize(path);
    this.files.delete(p);
    if (!this.dirs.has(p)) return;
    const prefix = p + '/';
    for (const d of [...this.dirs]) if (d === p || d.startsWith(prefix)) this.dirs.delete(d);
    for (const f of [...this.files.keys()]) if (f.startsWith(prefix)) this.files.delete(f);
  }

  syncDirectory(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Simulates power loss. Open handles must not be used afterwards; reopen the files.
   * A file truncated since its last fsync keeps either its durable contents or a prefix of
   * its current ones, as a real file system might.
   */
  crash(mode: CrashMode): void {
    for (const inode of this.files.values()) {
      const current = inode.data.subarray(0, inode.length);
      const durable = inode.durable;
      let kept: Buffer;
      const extendsDurable = current.length >= durable.length && current.subarray(0, durable.length).equals(durable);
      if (mode === 'drop-unsynced') {
        kept = durable;
      } else if (extendsDurable) {
        const extra = Math.floor(this.random() * (current.length - durable.length + 1));
        kept = current.subarray(0, durable.length + extra);
      } else {
        kept = this.random() < 0.5 ? durable : current.subarray(0, Math.floor(this.random() * (current.length + 1)));
      }
      inode.data = Buffer.from(kept);
      inode.length = kept.length;
      inode.durable = Buffer.from(kept);
    }
  }

  /** Test helper: whole contents of a file. */
  readFile(path: string): Buffer {
    const inode = this.files.get(normalize(path));
    if (!inode) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return Buffer.from(inode.data.subarray(0, inode.length));
  }
}
