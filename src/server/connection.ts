import type { ConnectionInfo, FrameTransport, RequestDispatcher } from './types.js';
import { FrameReader, FrameSizeError } from './frame-reader.js';
import { releaseReadBuffer } from '../storage/read-buffers.js';

const PRODUCE_API_KEY = 0;

/** How many decoded-but-unanswered frames a connection may hold before reading pauses. */
const MAX_QUEUED_FRAMES = 64;

/**
 * One client connection. Requests are processed strictly one at a time in arrival order, so
 * responses go out in order as Kafka clients require; reading pauses while too many frames
 * wait or the socket's write buffer is full.
 */
export class Connection {
  private readonly frames: Buffer[] = [];
  private readonly reader: FrameReader;
  private processing = false;
  private closed = false;
  private pausedForQueue = false;
  private pausedForDrain = false;
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.transport.uncork?.();
  };

  constructor(
    private readonly transport: FrameTransport,
    readonly info: ConnectionInfo,
    private readonly dispatcher: RequestDispatcher,
    maxFrameBytes: number,
    private readonly onClose: (connection: Connection) => void = () => {},
  ) {
    this.reader = new FrameReader(maxFrameBytes);
    transport.on('data', (chunk) => this.receive(chunk));
    transport.on('drain', () => {
      this.pausedForDrain = false;
      this.maybeResume();
    });
    transport.on('error', (error) => info.log.debug({ err: error.message }, 'connection error'));
    transport.on('close', () => this.handleClosed());
  }

  /**
   * Bytes from the peer: 'data' events, or a socket reading into a reused buffer (server/
   * reused-read-buffer.ts), whose chunks are `transient`: valid only during this call.
   */
  receive(chunk: Buffer, transient = false): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk, transient);
    } catch (error) {
      if (error instanceof FrameSizeError) {
        this.info.log.warn({ size: error.size, max: error.max }, `closing connection: ${error.message}`);
        this.close();
        return;
      }
      throw error;
    }
    for (const frame of frames) this.frames.push(frame);
    if (this.frames.length >= MAX_QUEUED_FRAMES && !this.pausedForQueue) {
      this.pausedForQueue = true;
      this.transport.pause();
    }
    void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.closed && this.frames.length > 0) {
        const frame = this.frames.shift()!;
        const isProduce = frame.length >= 2 && frame.readInt16BE(0) === PRODUCE_API_KEY;
        const result = await this.dispatcher.dispatch(frame, this.info);
        if (this.closed) break;
        // Answered, a Produce request's bytes are in the log (appends copy): its buffer can
        // take a later request. Other requests may leave views of their frame in state.
        if (isProduce) this.reader.recycle(frame);
        if (result.response !== null && !this.send(result.response)) {
          if (!this.pausedForDrain) {
            this.pausedForDrain = true;
            this.transport.pause();
          }
        }
        if (result.close) {
          this.close();
          break;
        }
        if (this.pausedForQueue && this.frames.length < MAX_QUEUED_FRAMES / 2) {
          this.pausedForQueue = false;
          this.maybeResume();
        }
      }
    } catch (error) {
      // The dispatcher promises never to reject; if it does, the connection is the blast radius.
      this.info.log.error({ err: error }, 'closing connection after an unexpected dispatch failure');
      this.close();
    } finally {
      this.processing = false;
    }
  }

  /**
   * Writes a response; responses completed in the same tick leave in one writev. One write
   * syscall per response was half of the broker's busy time with many small requests
   * (bench/FINDINGS.md): the socket stays corked until the promise jobs of this tick have run.
   */
  private send(response: Buffer | readonly Buffer[]): boolean {
    if (!this.corked && this.transport.cork) {
      this.corked = true;
      this.transport.cork();
      process.nextTick(this.uncork);
    }
    if (Buffer.isBuffer(response)) return this.transport.write(response);
    // The pieces between the frame's own bytes are records read for this response alone:
    // once written, their buffers can take a later read.
    let flowing = true;
    for (const chunk of response) flowing = this.transport.write(chunk, () => releaseReadBuffer(chunk));
    return flowing;
  }

  private maybeResume(): void {
    if (!this.pausedForDrain && !this.pausedForQueue && !this.closed) this.transport.resume();
  }

  /** The largest frame accepted from now on (SASL: small until the client has authenticated, as Kafka does). */
  setMaxFrameBytes(bytes: number): void {
    this.reader.maxFrameBytes = bytes;
  }

  /** Closes after what was written is flushed; a peer that does not read is cut off after a second. */
  close(): void {
    if (this.closed) return;
    this.transport.end();
    setTimeout(() => this.transport.destroy(), 1000).unref();
    this.handleClosed();
  }

  /** Immediate close, for broker shutdown. */
  destroy(): void {
    this.transport.destroy();
    this.handleClosed();
  }

  private handleClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.frames.length = 0;
    this.dispatcher.connectionClosed?.(this.info);
    this.onClose(this);
  }
}
