import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FetchRequest } from '../../protocol/generated/message/fetch-request.js';
import { FetchResponse, type FetchResponsePartitionData, type FetchResponseFetchableTopicResponse } from '../../protocol/generated/message/fetch-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { downConvertForFetch } from '../records/legacy.js';
import type { FetchPartitionRequest, FetchPartitionOutcome } from '../replication/types.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';
import { fetchFromWire, isMetadataFetch } from '../metadata/raft-driver/raft-codec.js';

const EMPTY = Buffer.alloc(0);

function partitionData(index: number, outcome: FetchPartitionOutcome, readCommitted: boolean): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode: outcome.errorCode,
    highWatermark: outcome.highWatermark,
    lastStableOffset: outcome.lastStableOffset,
    logStartOffset: outcome.logStartOffset,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: readCommitted ? (outcome.abortedTransactions ?? []) : null,
    preferredReadReplica: -1,
    // librdkafka 2.x treats null records as an error: an empty partition answers with empty bytes.
    records: outcome.records,
  };
}

interface Slot {
  topicIndex: number;
  partitionIndex: number;
  request: FetchPartitionRequest | null;
  error: number;
}

export function createFetchHandler(services: BrokerServices): ApiHandler<FetchRequest, FetchResponse> {
  return {
    apiKey: ApiKey.Fetch,
    minVersion: 0,
    maxVersion: 17,
    async handle(request, context) {
      const version = context.apiVersion;
      // A Raft fetch of __cluster_metadata on a controller listener belongs to the metadata quorum.
      const raftFetch = services.raft !== undefined && isMetadataFetch(request, version) && services.config.controllerListenerNames.includes(context.connection.listenerName) ? fetchFromWire(request, version) : undefined;
      if (raftFetch !== undefined) return (await services.raft!.serve(raftFetch, request.clusterId, version)) as FetchResponse;
      const byId = version >= 13;
      const readCommitted = version >= 4 && request.isolationLevel === 1;
      const topics: FetchResponseFetchableTopicResponse[] = [];
      const slots: Slot[] = [];
      for (const topic of request.topics) {
        const state = byId ? services.metadata.topicById(topic.topicId) : services.metadata.topic(topic.topic);
        const topicIndex = topics.length;
        topics.push({ topic: byId ? '' : topic.topic, topicId: byId ? topic.topicId : ZERO_UUID, partitions: [] });
        for (const p of topic.partitions) {
          if (state === undefined) {
            slots.push({ topicIndex, partitionIndex: p.partition, request: null, error: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
            continue;
          }
          slots.push({
            topicIndex,
            partitionIndex: p.partition,
            error: 0,
            request: {
              topic: state.name,
              partition: p.partition,
              fetchOffset: p.fetchOffset,
              currentLeaderEpoch: version >= 9 ? p.currentLeaderEpoch : -1,
              maxBytes: p.partitionMaxBytes,
            },
          });
        }
      }
      const readable = slots.filter((s) => s.request !== null).map((s) => s.request!);
      const outcomes = await services.replicas.fetch(readable, {
        maxWaitMs: request.maxWaitMs,
        minBytes: request.minBytes,
        maxBytes: version >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER,
        isolationLevel: readCommitted ? 1 : 0,
      });
      let next = 0;
      for (const slot of slots) {
        let outcome: FetchPartitionOutcome;
        if (slot.request === null) {
          outcome = { errorCode: slot.error, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY };
        } else {
          outcome = outcomes[next++]!;
          // Fetch v0-3 consumers read magic 0/1 message sets, as Kafka down-converts for them.
          if (version <= 3 && outcome.records.length > 0) {
            const converted = await downConvertForFetch(outcome.records, version <= 1 ? 0 : 1);
            outcome = converted.ok
              ? { ...outcome, records: converted.records }
              : { ...outcome, errorCode: converted.errorCode, records: EMPTY };
          }
        }
        topics[slot.topicIndex]!.partitions.push(partitionData(slot.partitionIndex, outcome, readCommitted));
      }
      const response = FetchResponse.defaults();
      response.errorCode = 0;
      // Sessionless answer (KIP-227 allows it): clients keep sending full fetch requests.
      response.sessionId = 0;
      response.responses = topics;
      return response;
    },
  };
}
