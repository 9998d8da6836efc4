import type { Logger } from 'pino';
import { DecodeError, UnsupportedVersionError, EncodeError } from '../../protocol/runtime/index.js';
import { decodeRequestFrame, encodeResponseFrame, encodeResponseFrameChunks } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ApiVersionsResponse } from '../../protocol/generated/message/api-versions-response.js';
import type { FetchResponse } from '../../protocol/generated/message/fetch-response.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { HandlerRegistry } from './registry.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type ClientConnection, type RequestContext } from './types.js';

/**
 * Records of a Fetch response at least this long go to the socket as they are, not copied into
 * the frame. Below the 64 KiB at which segment reads use reusable buffers (src/storage/read-buffers.ts)
 * so that whole batches trimmed from such a read (a 64 KiB fetch answers ~60 KiB) still go out
 * spliced and hand their buffer back: copied, each such fetch cost a fresh frame and a fresh read
 * buffer, and their GCs (broker CPU per MB of 64 KiB fetches 1.24-1.47 -> 0.41-0.67 ms).
 */
const FETCH_SPLICE_BYTES = 16 * 1024;

/** The records a Fetch response's encoding will splice: left out of its frame buffer's size. */
function splicedRecordBytes(response: FetchResponse): number {
  let bytes = 0;
  for (const topic of response.responses) for (const p of topic.partitions) if (p.records !== null && p.records.length >= FETCH_SPLICE_BYTES) bytes += p.records.length;
  return bytes;
}

export interface DispatchOutcome {
  /** The frame, or (a large Fetch response) its pieces in order. */
  readonly response: Buffer | readonly Buffer[] | null;
  readonly close?: boolean;
}

/**
 * Decodes a frame, runs its handler and encodes the answer. Bad input never escapes as an
 * exception: malformed frames and unknown APIs close the connection with a logged reason (as
 * Kafka does), an unsupported ApiVersions version gets the v0 answer with UNSUPPORTED_VERSION.
 */
export class KafkaDispatcher {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly log: Logger,
    private readonly onConnectionClosed: (connectionId: string) => void = () => {},
    /** The authenticated principal of a connection (SASL), null when it has none. */
    private readonly principalOf: (connection: ClientConnection) => string | null = () => null,
  ) {}

  private readyGate: Promise<void> | null = null;
  private ungatedListeners: ReadonlySet<string> = new Set();

  /**
   * Holds requests from every listener but `except` until the returned release is called: Kafka
   * opens client listeners only once the broker can serve, so a client never sees a cluster
   * with no brokers. Controller listeners stay open because the quorum needs them to get there.
   */
  holdUntilReady(except: readonly string[]): () => void {
    let release!: () => void;
    this.readyGate = new Promise<void>((resolve) => (release = resolve));
    this.ungatedListeners = new Set(except);
    return () => {
      this.readyGate = null;
      release();
    };
  }

  connectionClosed(connection: ClientConnection): void {
    this.onConnectionClosed(connection.id);
  }

  async dispatch(frame: Buffer, connection: ClientConnection): Promise<DispatchOutcome> {
    if (this.readyGate !== null && !this.ungatedListeners.has(connection.listenerName)) await this.readyGate;
    let decoded;
    try {
      decoded = decodeRequestFrame(frame, (key, version) => this.registry.supports(key, version));
    } catch (error) {
      if (error instanceof DecodeError || error instanceof UnsupportedVersionError) {
        connection.log.warn(
          { apiKey: frame.length >= 2 ? frame.readInt16BE(0) : null, apiVersion: frame.length >= 4 ? frame.readInt16BE(2) : null, reason: error.message },
          'closing connection: malformed request',
        );
      } else {
        connection.log.error({ err: error }, 'closing connection: request decoding failed unexpectedly');
      }
      return { response: null, close: true };
    }
    if (!decoded.ok) {
      const { problem, apiKey, apiVersion, correlationId } = decoded.undecodable;
      if (apiKey === ApiKey.ApiVersions && problem === 'UNSUPPORTED_VERSION') {
        // KIP-511: answer in v0 with the supported ranges so the client can pick a version.
        const body = ApiVersionsResponse.defaults();
        body.errorCode = ErrorCode.UNSUPPORTED_VERSION;
        body.apiKeys = this.registry.advertised();
        return { response: encodeResponseFrame(apiKey, 0, correlationId, ApiVersionsResponse, body, 0) };
      }
      connection.log.warn({ apiKey, apiVersion, correlationId, problem }, 'closing connection: request cannot be served');
      return { response: null, close: true };
    }
    const request = decoded.request;
    if (request.trailingBytes > 0) {
      connection.log.debug({ api: request.api.name, apiVersion: request.apiVersion, trailingBytes: request.trailingBytes }, 'ignoring bytes after the request body');
    }
    const handler = this.registry.get(request.apiKey)!;
    const context: RequestContext = {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      correlationId: request.correlationId,
      clientId: request.clientId,
      connection,
      principal: this.principalOf(connection) ?? 'User:ANONYMOUS',
      log: connection.log,
    };
    try {
      const result = await handler.handle(request.body, context);
      if (result === NO_RESPONSE) return { response: null };
      if (result === CLOSE_CONNECTION) {
        connection.log.info({ api: request.api.name }, 'closing connection: request failed without a response to carry the error');
        return { response: null, close: true };
      }
      if (request.apiKey === ApiKey.Fetch) {
        const chunks = encodeResponseFrameChunks(request.apiKey, request.apiVersion, request.correlationId, request.api.response, result, FETCH_SPLICE_BYTES, splicedRecordBytes(result as FetchResponse));
        return { response: chunks.length === 1 ? chunks[0]! : chunks };
      }
      return {
        response: encodeResponseFrame(request.apiKey, request.apiVersion, request.correlationId, request.api.response, result),
      };
    } catch (error) {
      const reason = error instanceof EncodeError ? 'response cannot be encoded at this version' : 'handler failed';
      this.log.error({ err: error, api: request.api.name, apiVersion: request.apiVersion, conn: connection.id }, `closing connection: ${reason}`);
      return { response: null, close: true };
    }
  }
}
