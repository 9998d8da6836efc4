// The real file system. Appends and reads use the synchronous calls (page-cache hits; see
// types.ts and bench/storage/append.bench.ts); fsync uses the async call so a slow device
// never stalls the event loop. Descriptors are bounded by an LRU (DescriptorCache).

import * as fs from 'node:fs';
import { takeReadBuffer } from './read-buffers.js';
import type { FileHandle, FileSystem } from './types.js';

/**
 * The soft RLIMIT_NOFILE of this process (Linux; 1024 elsewhere): the broker must stay below it
 * with every log, index and socket it holds.
 */
function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return 1024;
}

/**
 * Which file handles hold a descriptor, least recently used first. Kafka keeps every segment's
 * log open and relies on a high limit; with 10,000 partitions a broker here would hold more
 * descriptors than the limit allows (20,000 on the benchmark machine) and then fail to accept
 * connections. So handles beyond `max` give their descriptor back (the least recently used)
 * and reopen by path on next use; the log layer closes a handle before renaming its file.
 */
export class DescriptorCache {
  private readonly open = new Map<NodeFileHandle, true>();

  constructor(readonly max: number) {}

  /** Keeps a quarter of the limit (at most 4,096) for sockets and everything else. */
  static forProcess(): DescriptorCache {
    const limit = openFileLimit();
    return new DescriptorCache(Math.max(64, limit - Math.min(4096, Math.floor(limit / 4))));
  }

  get size(): number {
    return this.open.size;
  }

  used(handle: NodeFileHandle): void {
    // Far from the limit nothing is evicted soon: keep the per-call cost of the hot path
    // (every append and read) at a comparison; the order is kept once it can matter.
    if (this.open.size < this.max / 2) return;
    this.open.delete(handle);
    this.open.set(handle, true);
  }

  opened(handle: NodeFileHandle): void {
    this.open.set(handle, true);
    this.trim(handle);
  }

  /** Takes back the least recently used descriptors over `max`, except `keep`'s and those under an fsync. */
  trim(keep?: NodeFileHandle): void {
    if (this.open.size <= this.max) return;
    for (const candidate of this.open.keys()) {
      if (this.open.size <= this.max) break;
      if (candidate !== keep && candidate.releaseDescriptor()) this.open.delete(candidate);
    }
  }

  closed(handle: NodeFileHandle): void {
    this.open.delete(handle);
  }
}

class NodeFileHandle implements FileHandle {
  private length: number;
  private fd: number;
  private isClosed = false;
  /** fsyncs in flight: the descriptor cannot be given back under them. */
  private syncing = 0;

  constructor(readonly path: string, create: boolean, private readonly cache: DescriptorCache) {
    // 'a+' would force every write to the end, but positional reads need a plain fd; we
    // track the length ourselves and write at it.
    this.fd = fs.openSync(path, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644);
    this.length = fs.fstatSync(this.fd).size;
    cache.opened(this);
  }

  /** The descriptor, reopened if the cache took it back. */
  private descriptor(): number {
    if (this.fd >= 0) {
      this.cache.used(this);
      return this.fd;
    }
    if (this.isClosed) throw Object.assign(new Error(`EBADF: ${this.path} is closed`), { code: 'EBADF' });
    this.fd = fs.openSync(this.path, fs.constants.O_RDWR);
    this.cache.opened(this);
    return this.fd;
  }

  /** Gives the descriptor back (the cache's eviction); false while an fsync uses it. */
  releaseDescriptor(): boolean {
    if (this.syncing > 0 || this.fd < 0) return this.fd < 0;
    fs.closeSync(this.fd);
    this.fd = -1;
    return true;
  }

  size(): number {
    return this.length;
  }

  append(data: Uint8Array): number {
    const fd = this.descriptor();
    const position = this.length;
    let written = 0;
    while (written < data.length) {
      written += fs.writeSync(fd, data, written, data.length - written, position + written);
    }
    this.length += data.length;
    return position;
  }

  read(position: number, length: number): Buffer {
    const target = takeReadBuffer(Math.max(0, Math.min(length, this.length - position)));
    const n = this.readInto(position, target, 0, target.length);
    return n === target.length ? target : target.subarray(0, n);
  }

  readInto(position: number, target: Buffer, targetOffset: number, length: number): number {
    const fd = this.descriptor();
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, target, targetOffset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  truncate(size: number): void {
    fs.ftruncateSync(this.descriptor(), size);
    this.length = size;
  }

  sync(): Promise<void> {
    const fd = this.descriptor();
    this.syncing++;
    return new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      this.syncing--;
      this.cache.trim();
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.cache.closed(this);
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** One cache for the process: several file systems (brokers of a test cluster) share the limit. */
let processCache: DescriptorCache | undefined;

export class NodeFileSystem implements FileSystem {
  private readonly cache: DescriptorCache;

  /** `maxOpenFiles` (tests) gives this file system a cache of its own. */
  constructor(options: { maxOpenFiles?: number } = {}) {
    this.cache = options.maxOpenFiles !== undefined ? new DescriptorCache(options.maxOpenFiles) : (processCache ??= DescriptorCache.forProcess());
  }

  /** Descriptors the file handles of this file system's cache hold now. */
  get openDescriptors(): number {
    return this.cache.size;
  }

  open(path: string, create: boolean): FileHandle {
    return new NodeFileHandle(path, create, this.cache);
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  isDirectory(path: string): boolean {
    try {
      return fs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  list(dir: string): string[] {
    return fs.readdirSync(dir).sort();
  }

  mkdir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }

  remove(path: string): void {
    fs.rmSync(path, { recursive: true, force: true });
  }

  async syncDirectory(dir: string): Promise<void> {
    const fd = fs.openSync(dir, 'r');
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      fs.closeSync(fd);
    }
  }
}
