// The real file system. Appends and reads use the synchronous calls (page-cache hits; see
// types.ts and bench/storage/append.bench.ts); fsync uses the async call so a slow device
// never stalls the event loop.

import * as fs from 'node:fs';
import type { FileHandle, FileSystem } from './types.js';

class NodeFileHandle implements FileHandle {
  private length: number;
  private fd: number;

  constructor(readonly path: string, create: boolean) {
    // 'a+' would force every write to the end, but positional reads need a plain fd; we
    // track the length ourselves and write at it.
    this.fd = fs.openSync(path, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, 0o644);
    this.length = fs.fstatSync(this.fd).size;
  }

  size(): number {
    return this.length;
  }

  append(data: Uint8Array): number {
    const position = this.length;
    let written = 0;
    while (written < data.length) {
      written += fs.writeSync(this.fd, data, written, data.length - written, position + written);
    }
    this.length += data.length;
    return position;
  }

  read(position: number, length: number): Buffer {
    const target = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.length - position)));
    const n = this.readInto(position, target, 0, target.length);
    return n === target.length ? target : target.subarray(0, n);
  }

  readInto(position: number, target: Buffer, targetOffset: number, length: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, targetOffset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
    this.length = size;
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export class NodeFileSystem implements FileSystem {
  open(path: string, create: boolean): FileHandle {
    return new NodeFileHandle(path, create);
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
