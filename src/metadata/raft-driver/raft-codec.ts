// RaftNode messages <-> Kafka's quorum RPC bodies (Vote 52, BeginQuorumEpoch 53,
// EndQuorumEpoch 54, Fetch 1, FetchSnapshot 59). The wire nests one topic
// (`__cluster_metadata`) and one partition (0); RaftNode's messages are that partition's
// fields. Versions: the kraft.version 0 ones Kafka 3.9 speaks with static voters (Vote,
// BeginQuorumEpoch, EndQuorumEpoch, FetchSnapshot v0), Fetch v17 by topic id.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { ZERO_UUID, type MessageCodec } from '../../../protocol/runtime/index.js';
import { VoteRequest as VoteRequestCodec, createVoteRequest, type VoteRequest as VoteRequestBody } from '../../../protocol/generated/message/vote-request.js';
import { VoteResponse as VoteResponseCodec, createVoteResponse, type VoteResponse as VoteResponseBody } from '../../../protocol/generated/message/vote-response.js';
import {
  BeginQuorumEpochRequest as BeginRequestCodec,
  createBeginQuorumEpochRequest,
  type BeginQuorumEpochRequest as BeginRequestBody,
} from '../../../protocol/generated/message/begin-quorum-epoch-request.js';
import {
  BeginQuorumEpochResponse as BeginResponseCodec,
  createBeginQuorumEpochResponse,
  type BeginQuorumEpochResponse as BeginResponseBody,
} from '../../../protocol/generated/message/begin-quorum-epoch-response.js';
import {
  EndQuorumEpochRequest as EndRequestCodec,
  createEndQuorumEpochRequest,
  type EndQuorumEpochRequest as EndRequestBody,
} from '../../../protocol/generated/message/end-quorum-epoch-request.js';
import {
  EndQuorumEpochResponse as EndResponseCodec,
  createEndQuorumEpochResponse,
  type EndQuorumEpochResponse as EndResponseBody,
} from '../../../protocol/generated/message/end-quorum-epoch-response.js';
import { FetchRequest as FetchRequestCodec, createFetchRequest, type FetchRequest as FetchRequestBody } from '../../../protocol/generated/message/fetch-request.js';
import { FetchResponse as FetchResponseCodec, createFetchResponse, type FetchResponse as FetchResponseBody } from '../../../protocol/generated/message/fetch-response.js';
import {
  FetchSnapshotRequest as SnapshotRequestCodec,
  createFetchSnapshotRequest,
  type FetchSnapshotRequest as SnapshotRequestBody,
} from '../../../protocol/generated/message/fetch-snapshot-request.js';
import {
  FetchSnapshotResponse as SnapshotResponseCodec,
  createFetchSnapshotResponse,
  type FetchSnapshotResponse as SnapshotResponseBody,
} from '../../../protocol/generated/message/fetch-snapshot-response.js';
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
  FetchRequest,
  FetchResponse,
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  LogEntry,
  RaftMessage,
  VoteRequest,
  VoteResponse,
} from '../raft/types.js';

export const METADATA_TOPIC_NAME = '__cluster_metadata';
/** Kafka's fixed topic id of __cluster_metadata (Uuid.METADATA_TOPIC_ID). */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

export const VOTE_VERSION = 0;
export const BEGIN_EPOCH_VERSION = 0;
export const END_EPOCH_VERSION = 0;
export const FETCH_VERSION = 17;
export const FETCH_SNAPSHOT_VERSION = 0;

/** How records travel in fetch responses: the driver's log turns entries into batches and back. */
export interface RecordsCodec {
  toWire(entries: readonly LogEntry[]): Buffer;
  fromWire(bytes: Buffer): LogEntry[];
}

/** One outbound request: what to put on the wire and how to read the answer back into a RaftMessage. */
export interface WireRequest {
  apiKey: number;
  apiVersion: number;
  codec: MessageCodec<unknown>;
  body: unknown;
  responseCodec: MessageCodec<unknown>;
  toMessage(body: unknown): RaftMessage;
}

export type RaftRequest = VoteRequest | BeginQuorumEpochRequest | EndQuorumEpochRequest | FetchRequest | FetchSnapshotRequest;
export type RaftResponse = VoteResponse | BeginQuorumEpochResponse | EndQuorumEpochResponse | FetchResponse | FetchSnapshotResponse;

export function isRaftRequest(message: RaftMessage): message is RaftRequest {
  return message.kind.endsWith('Request');
}

/** The first partition of the only topic, or undefined when the body names none. */
function onlyPartition<P>(topics: readonly { partitions: readonly P[] }[]): P | undefined {
  return topics[0]?.partitions[0];
}

// ---- outbound: requests this node sends, and the responses it reads ----------------------

export function wireRequest(message: RaftRequest, clusterId: string, records: RecordsCodec, maxBytes: number): WireRequest {
  switch (message.kind) {
    case 'VoteRequest':
      return {
        apiKey: ApiKey.Vote,
        apiVersion: VOTE_VERSION,
        codec: VoteRequestCodec,
        responseCodec: VoteResponseCodec,
        body: createVoteRequest({
          clusterId,
          topics: [
            {
              topicName: METADATA_TOPIC_NAME,
              partitions: [
                {
                  partitionIndex: 0,
                  candidateEpoch: message.candidateEpoch,
                  candidateId: message.candidateId,
                  candidateDirectoryId: ZERO_UUID,
                  voterDirectoryId: ZERO_UUID,
                  lastOffsetEpoch: message.lastOffsetEpoch,
                  lastOffset: message.lastOffset,
                },
              ],
            },
          ],
        }),
        toMessage: (body: VoteResponseBody): VoteResponse => {
          const p = onlyPartition(body.topics);
          return {
            kind: 'VoteResponse',
            errorCode: body.errorCode !== 0 ? body.errorCode : (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR),
            leaderId: p?.leaderId ?? -1,
            leaderEpoch: p?.leaderEpoch ?? -1,
            voteGranted: body.errorCode === 0 && (p?.voteGranted ?? false),
          };
        },
      };
    case 'BeginQuorumEpochRequest':
      return {
        apiKey: ApiKey.BeginQuorumEpoch,
        apiVersion: BEGIN_EPOCH_VERSION,
        codec: BeginRequestCodec,
        responseCodec: BeginResponseCodec,
        body: createBeginQuorumEpochRequest({
          clusterId,
          topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: 0, voterDirectoryId: ZERO_UUID, leaderId: message.leaderId, leaderEpoch: message.leaderEpoch }] }],
        }),
        toMessage: (body: BeginResponseBody): BeginQuorumEpochResponse => epochResponse('BeginQuorumEpochResponse', body),
      };
    case 'EndQuorumEpochRequest':
      return {
        apiKey: ApiKey.EndQuorumEpoch,
        apiVersion: END_EPOCH_VERSION,
        codec: EndRequestCodec,
        responseCodec: EndResponseCodec,
        body: createEndQuorumEpochRequest({
          clusterId,
          topics: [
            {
              topicName: METADATA_TOPIC_NAME,
              partitions: [
                {
                  partitionIndex: 0,
                  leaderId: message.leaderId,
                  leaderEpoch: message.leaderEpoch,
                  preferredSuccessors: [...message.preferredSuccessors],
                  preferredCandidates: [],
                },
              ],
            },
          ],
        }),
        toMessage: (body: EndResponseBody): EndQuorumEpochResponse => epochResponse('EndQuorumEpochResponse', body),
      };
    case 'FetchRequest':
      return {
        apiKey: ApiKey.Fetch,
        apiVersion: FETCH_VERSION,
        codec: FetchRequestCodec,
        responseCodec: FetchResponseCodec,
        body: createFetchRequest({
          clusterId,
          replicaState: { replicaId: message.replicaId, replicaEpoch: -1n },
          maxWaitMs: message.maxWaitMs,
          minBytes: 0,
          maxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic: '',
              topicId: METADATA_TOPIC_ID,
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: message.currentLeaderEpoch,
                  fetchOffset: message.fetchOffset,
                  lastFetchedEpoch: message.lastFetchedEpoch,
                  logStartOffset: -1n,
                  partitionMaxBytes: maxBytes,
                  replicaDirectoryId: ZERO_UUID,
                },
              ],
            },
          ],
          forgottenTopicsData: [],
          rackId: '',
        }),
        toMessage: (body: FetchResponseBody): FetchResponse => fetchResponseMessage(body, message.requestId, records),
      };
    case 'FetchSnapshotRequest':
      return {
        apiKey: ApiKey.FetchSnapshot,
        apiVersion: FETCH_SNAPSHOT_VERSION,
        codec: SnapshotRequestCodec,
        responseCodec: SnapshotResponseCodec,
        body: createFetchSnapshotRequest({
          clusterId,
          replicaId: message.replicaId,
          maxBytes,
          topics: [
            {
              name: METADATA_TOPIC_NAME,
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: message.currentLeaderEpoch,
                  snapshotId: { endOffset: message.snapshotId.endOffset, epoch: message.snapshotId.epoch },
                  position: message.position,
                  replicaDirectoryId: ZERO_UUID,
                },
              ],
            },
          ],
        }),
        toMessage: (body: SnapshotResponseBody): FetchSnapshotResponse => {
          const p = onlyPartition(body.topics);
          return {
            kind: 'FetchSnapshotResponse',
            requestId: message.requestId,
            errorCode: body.errorCode !== 0 ? body.errorCode : (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR),
            currentLeader: { leaderId: p?.currentLeader.leaderId ?? -1, leaderEpoch: p?.currentLeader.leaderEpoch ?? -1 },
            snapshotId: { endOffset: p?.snapshotId.endOffset ?? -1n, epoch: p?.snapshotId.epoch ?? -1 },
            size: p?.size ?? -1n,
            position: p?.position ?? -1n,
            unalignedRecords: p?.unalignedRecords ?? new Uint8Array(0),
          };
        },
      };
  }
}

function epochResponse<K extends 'BeginQuorumEpochResponse' | 'EndQuorumEpochResponse'>(
  kind: K,
  body: BeginResponseBody | EndResponseBody,
): { kind: K; errorCode: number; leaderId: number; leaderEpoch: number } {
  const p = onlyPartition<{ errorCode: number; leaderId: number; leaderEpoch: number }>(body.topics);
  return {
    kind,
    errorCode: body.errorCode !== 0 ? body.errorCode : (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR),
    leaderId: p?.leaderId ?? -1,
    leaderEpoch: p?.leaderEpoch ?? -1,
  };
}

function fetchResponseMessage(body: FetchResponseBody, requestId: number, records: RecordsCodec): FetchResponse {
  const p = onlyPartition(body.responses);
  if (body.errorCode !== 0 || p === undefined) {
    return {
      kind: 'FetchResponse',
      requestId,
      errorCode: body.errorCode !== 0 ? body.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR,
      highWatermark: -1n,
      logStartOffset: -1n,
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
      records: [],
    };
  }
  const message: FetchResponse = {
    kind: 'FetchResponse',
    requestId,
    errorCode: p.errorCode,
    highWatermark: p.highWatermark,
    logStartOffset: p.logStartOffset,
    currentLeader: { leaderId: p.currentLeader.leaderId, leaderEpoch: p.currentLeader.leaderEpoch },
    records: p.errorCode === 0 && p.records !== null && p.records.length > 0 ? records.fromWire(p.records) : [],
  };
  // Unset tagged fields read as their -1 defaults; a diverging epoch of -1 still names an end offset.
  if (p.divergingEpoch.endOffset >= 0n) message.divergingEpoch = { epoch: p.divergingEpoch.epoch, endOffset: p.divergingEpoch.endOffset };
  if (p.snapshotId.endOffset >= 0n && p.snapshotId.epoch >= 0) message.snapshotId = { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch };
  return message;
}

// ---- inbound: requests other nodes send us, and our answers -------------------------------

/** A quorum request as it arrived, turned into the sender's id and a RaftMessage. */
export interface InboundRequest {
  from: number;
  message: RaftRequest;
}

export function voteFromWire(body: VoteRequestBody): InboundRequest | undefined {
  const p = onlyPartition(body.topics);
  if (p === undefined) return undefined;
  return {
    from: p.candidateId,
    message: { kind: 'VoteRequest', candidateEpoch: p.candidateEpoch, candidateId: p.candidateId, lastOffsetEpoch: p.lastOffsetEpoch, lastOffset: p.lastOffset },
  };
}

export function beginEpochFromWire(body: BeginRequestBody): InboundRequest | undefined {
  const p = onlyPartition(body.topics);
  if (p === undefined) return undefined;
  return { from: p.leaderId, message: { kind: 'BeginQuorumEpochRequest', leaderId: p.leaderId, leaderEpoch: p.leaderEpoch } };
}

export function endEpochFromWire(body: EndRequestBody): InboundRequest | undefined {
  const p = onlyPartition(body.topics);
  if (p === undefined) return undefined;
  const successors = p.preferredSuccessors.length > 0 ? p.preferredSuccessors : p.preferredCandidates.map((c) => c.candidateId);
  return { from: p.leaderId, message: { kind: 'EndQuorumEpochRequest', leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, preferredSuccessors: [...successors] } };
}

/** `requestId` is left 0: the driver numbers inbound fetches itself. */
export function fetchFromWire(body: FetchRequestBody, apiVersion: number): InboundRequest | undefined {
  const p = onlyPartition(body.topics);
  if (p === undefined) return undefined;
  const replicaId = apiVersion >= 15 ? body.replicaState.replicaId : body.replicaId;
  return {
    from: replicaId,
    message: {
      kind: 'FetchRequest',
      requestId: 0,
      replicaId,
      currentLeaderEpoch: p.currentLeaderEpoch,
      fetchOffset: p.fetchOffset,
      lastFetchedEpoch: p.lastFetchedEpoch,
      maxWaitMs: body.maxWaitMs,
    },
  };
}

export function fetchSnapshotFromWire(body: SnapshotRequestBody): InboundRequest | undefined {
  const p = onlyPartition(body.topics);
  if (p === undefined) return undefined;
  return {
    from: body.replicaId,
    message: {
      kind: 'FetchSnapshotRequest',
      requestId: 0,
      replicaId: body.replicaId,
      currentLeaderEpoch: p.currentLeaderEpoch,
      snapshotId: { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch },
      position: p.position,
    },
  };
}

/** Whether a Fetch request reads the metadata log (a Raft fetch) rather than client topics. */
export function isMetadataFetch(body: FetchRequestBody, apiVersion: number): boolean {
  const topic = body.topics[0];
  if (topic === undefined || body.topics.length !== 1) return false;
  return apiVersion >= 13 ? topic.topicId === METADATA_TOPIC_ID : topic.topic === METADATA_TOPIC_NAME;
}

/** Our answer in wire form; `fetchVersion` decides whether the topic is named by id. */
export function wireResponse(message: RaftResponse, records: RecordsCodec, fetchVersion = FETCH_VERSION): unknown {
  switch (message.kind) {
    case 'VoteResponse':
      return createVoteResponse({
        errorCode: 0,
        topics: [
          {
            topicName: METADATA_TOPIC_NAME,
            partitions: [{ partitionIndex: 0, errorCode: message.errorCode, leaderId: message.leaderId, leaderEpoch: message.leaderEpoch, voteGranted: message.voteGranted }],
          },
        ],
      });
    case 'BeginQuorumEpochResponse':
      return createBeginQuorumEpochResponse({ errorCode: 0, topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [epochPartition(message)] }] });
    case 'EndQuorumEpochResponse':
      return createEndQuorumEpochResponse({ errorCode: 0, topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [epochPartition(message)] }] });
    case 'FetchResponse':
      return createFetchResponse({
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: fetchVersion >= 13 ? '' : METADATA_TOPIC_NAME,
            topicId: fetchVersion >= 13 ? METADATA_TOPIC_ID : ZERO_UUID,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: message.errorCode,
                highWatermark: message.highWatermark,
                lastStableOffset: message.highWatermark,
                logStartOffset: message.logStartOffset,
                divergingEpoch: message.divergingEpoch ?? { epoch: -1, endOffset: -1n },
                currentLeader: { leaderId: message.currentLeader.leaderId, leaderEpoch: message.currentLeader.leaderEpoch },
                snapshotId: message.snapshotId ?? { endOffset: -1n, epoch: -1 },
                abortedTransactions: null,
                preferredReadReplica: -1,
                records: records.toWire(message.records),
              },
            ],
          },
        ],
      });
    case 'FetchSnapshotResponse':
      return createFetchSnapshotResponse({
        errorCode: 0,
        topics: [
          {
            name: METADATA_TOPIC_NAME,
            partitions: [
              {
                index: 0,
                errorCode: message.errorCode,
                snapshotId: { endOffset: message.snapshotId.endOffset, epoch: message.snapshotId.epoch },
                currentLeader: { leaderId: message.currentLeader.leaderId, leaderEpoch: message.currentLeader.leaderEpoch },
                size: message.size,
                position: message.position,
                unalignedRecords: Buffer.from(message.unalignedRecords),
              },
            ],
          },
        ],
      });
  }
}

function epochPartition(message: { errorCode: number; leaderId: number; leaderEpoch: number }) {
  return { partitionIndex: 0, errorCode: message.errorCode, leaderId: message.leaderId, leaderEpoch: message.leaderEpoch };
}

/** The response kind RaftNode sends for a request kind. */
export function responseKindOf(kind: RaftRequest['kind']): RaftResponse['kind'] {
  return kind.replace(/Request$/, 'Response') as RaftResponse['kind'];
}

/** An error answer built by the driver itself (request timed out inside the node, node stopped). */
export function errorResponse(request: RaftRequest, errorCode: number, leaderId: number, leaderEpoch: number): RaftResponse {
  switch (request.kind) {
    case 'VoteRequest':
      return { kind: 'VoteResponse', errorCode, leaderId, leaderEpoch, voteGranted: false };
    case 'BeginQuorumEpochRequest':
      return { kind: 'BeginQuorumEpochResponse', errorCode, leaderId, leaderEpoch };
    case 'EndQuorumEpochRequest':
      return { kind: 'EndQuorumEpochResponse', errorCode, leaderId, leaderEpoch };
    case 'FetchRequest':
      return { kind: 'FetchResponse', requestId: request.requestId, errorCode, highWatermark: -1n, logStartOffset: -1n, currentLeader: { leaderId, leaderEpoch }, records: [] };
    case 'FetchSnapshotRequest':
      return {
        kind: 'FetchSnapshotResponse',
        requestId: request.requestId,
        errorCode,
        currentLeader: { leaderId, leaderEpoch },
        snapshotId: request.snapshotId,
        size: -1n,
        position: request.position,
        unalignedRecords: new Uint8Array(0),
      };
  }
}
