import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FetchRequest } from '../../protocol/generated/message/fetch-request.js';
import { FetchResponse, type FetchResponsePartitionData, type FetchResponseFetchableTopicResponse } from '../../protocol/generated/message/fetch-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { downConvertForFetch } from '../records/legacy.js';
import { FetchSessionCache, type FetchContext, type SessionPartitionRequest, type SessionPartitionResult } from '../replication/fetch-sessions.js';
import type { FetchPartitionRequest, FetchPartitionOutcome } from '../replication/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
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
    divergingEpoch: outcome.divergingEpoch ?? { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: readCommitted ? (outcome.abortedTransactions ?? []) : null,
    preferredReadReplica: -1,
    // librdkafka 2.x treats null records as an error: an empty partition answers with empty bytes.
    records: outcome.records,
  };
}

function failed(errorCode: number): FetchPartitionOutcome {
  return { errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: EMPTY };
}

/** The request's partitions in request order; v13+ names topics by id (name '' when unknown). */
function requestedPartitions(services: BrokerServices, request: FetchRequest, version: number): SessionPartitionRequest[] {
  const byId = version >= 13;
  const out: SessionPartitionRequest[] = [];
  for (const topic of request.topics) {
    const name = byId ? services.metadata.topicById(topic.topicId)?.name ?? '' : topic.topic;
    for (const p of topic.partitions) {
      out.push({
        topic: name,
        topicId: byId ? topic.topicId : ZERO_UUID,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        currentLeaderEpoch: version >= 9 ? p.currentLeaderEpoch : -1,
        maxBytes: p.partitionMaxBytes,
        lastFetchedEpoch: version >= 12 ? p.lastFetchedEpoch : -1,
      });
    }
  }
  return out;
}

/**
 * Fetch v0-17 for consumers. From v7 a fetch session (KIP-227) decides which partitions are read
 * and answered: a full request answers every partition it names and opens a session when a slot
 * is free; an incremental one reads every partition of the session and answers those with news.
 */
export function createFetchHandler(services: BrokerServices): ApiHandler<FetchRequest, FetchResponse> {
  // Without a broker-wide cache no session is ever opened, and incremental requests find none.
  const sessions = services.fetchSessions ?? new FetchSessionCache({ maxSlots: 0 });
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
      const requested = requestedPartitions(services, request, version);
      const fetchContext: FetchContext =
        version >= 7
          ? sessions.newContext({
              sessionId: request.sessionId,
              epoch: request.sessionEpoch,
              usesTopicIds: byId,
              partitions: requested,
              forgotten: request.forgottenTopicsData.flatMap((f) => f.partitions.map((partition) => ({ topicKey: byId ? f.topicId : f.topic, partition }))),
              connectionId: context.connection.id,
            })
          : { kind: 'sessionless', partitions: requested };
      const response = FetchResponse.defaults();
      response.errorCode = 0;
      response.sessionId = 0;
      if (fetchContext.kind === 'error') {
        response.errorCode = fetchContext.errorCode;
        return response;
      }
      const partitions = fetchContext.partitions;

      // Followers need CLUSTER_ACTION, consumers READ on each topic (TOPIC_AUTHORIZATION_FAILED per partition otherwise).
      const fromFollower = (version >= 15 ? request.replicaState.replicaId : request.replicaId) >= 0;
      const followerAllowed = !fromFollower || authorized(services, context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME);
      const denied: boolean[] = [];
      // Resolve names now: a topic deleted since the session named it answers with an error.
      const reads: (FetchPartitionRequest | null)[] = partitions.map((p, i) => {
        const state = byId ? services.metadata.topicById(p.topicId) : services.metadata.topic(p.topic);
        denied[i] = state !== undefined && (fromFollower ? !followerAllowed : !authorized(services, context, AclOperation.READ, ResourceType.TOPIC, state.name));
        return state === undefined || denied[i]
          ? null
          : { topic: state.name, partition: p.partition, fetchOffset: p.fetchOffset, currentLeaderEpoch: p.currentLeaderEpoch, maxBytes: p.maxBytes, lastFetchedEpoch: p.lastFetchedEpoch ?? -1 };
      });
      const outcomes = await services.replicas.fetch(
        reads.filter((r): r is FetchPartitionRequest => r !== null),
        {
          maxWaitMs: request.maxWaitMs,
          minBytes: request.minBytes,
          maxBytes: version >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER,
          isolationLevel: readCommitted ? 1 : 0,
          replicaId: version >= 15 ? request.replicaState.replicaId : request.replicaId,
          replicaEpoch: version >= 15 ? request.replicaState.replicaEpoch : -1n,
        },
      );
      let next = 0;
      const results: FetchPartitionOutcome[] = [];
      for (const [i, read] of reads.entries()) {
        const missing = denied[i] ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        let outcome = read === null ? failed(missing) : outcomes[next++]!;
        // Fetch v0-3 consumers read magic 0/1 message sets, as Kafka down-converts for them.
        if (version <= 3 && outcome.records.length > 0) {
          const converted = await downConvertForFetch(outcome.records, version <= 1 ? 0 : 1);
          outcome = converted.ok ? { ...outcome, records: converted.records } : { ...outcome, errorCode: converted.errorCode, records: EMPTY };
        }
        results.push(outcome);
      }

      const pairs: SessionPartitionResult[] = partitions.map((p, i) => {
        const r = results[i]!;
        return { request: p, result: { errorCode: r.errorCode, highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset, recordBytes: r.records.length } };
      });
      let send: readonly boolean[] = pairs.map(() => true);
      if (fetchContext.kind === 'full') response.sessionId = sessions.createSession(fetchContext.request, pairs);
      else if (fetchContext.kind === 'incremental') {
        response.sessionId = fetchContext.session.id;
        send = fetchContext.session.select(pairs);
      }

      // One topic entry per run of partitions of the same topic, in answer order, as Kafka builds it.
      const topics: FetchResponseFetchableTopicResponse[] = [];
      let current: FetchResponseFetchableTopicResponse | undefined;
      partitions.forEach((p, i) => {
        if (!send[i]) return;
        const name = byId ? '' : p.topic;
        const topicId = byId ? p.topicId : ZERO_UUID;
        if (current === undefined || current.topic !== name || current.topicId !== topicId) {
          current = { topic: name, topicId, partitions: [] };
          topics.push(current);
        }
        current.partitions.push(partitionData(p.partition, results[i]!, readCommitted));
      });
      response.responses = topics;
      return response;
    },
  };
}
