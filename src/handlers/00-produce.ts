import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ProduceRequest } from '../../protocol/generated/message/produce-request.js';
import {
  ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
  type ProduceResponseTopicProduceResponse,
} from '../../protocol/generated/message/produce-response.js';
import type { ProduceOutcome } from '../replication/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type ApiHandler } from './types.js';

function partitionResponse(index: number, outcome: ProduceOutcome): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode: outcome.errorCode,
    baseOffset: outcome.baseOffset,
    logAppendTimeMs: outcome.logAppendTime,
    logStartOffset: outcome.logStartOffset,
    recordErrors: outcome.recordErrors,
    errorMessage: outcome.errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

function failed(errorCode: number): ProduceOutcome {
  return { errorCode, errorMessage: null, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n, recordErrors: [] };
}

export function createProduceHandler(services: BrokerServices): ApiHandler<ProduceRequest, ProduceResponse> {
  return {
    apiKey: ApiKey.Produce,
    minVersion: 0,
    maxVersion: 11,
    async handle(request, context) {
      const acks = request.acks;
      const validAcks = acks === 0 || acks === 1 || acks === -1;
      // Kafka refuses the whole request when the transactional id may not be written, else each unwritable topic.
      const txnDenied = request.transactionalId !== null && !authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
      const topics: ProduceResponseTopicProduceResponse[] = await Promise.all(
        request.topicData.map(async (topic) => ({
          name: topic.name,
          partitionResponses: await Promise.all(
            topic.partitionData.map(async (p) => {
              if (txnDenied) return partitionResponse(p.index, failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
              if (!authorized(services, context, AclOperation.WRITE, ResourceType.TOPIC, topic.name)) return partitionResponse(p.index, failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
              if (!validAcks) return partitionResponse(p.index, failed(ErrorCode.INVALID_REQUIRED_ACKS));
              // timeout_ms bounds the acks=all wait for the in-sync replicas (Kafka's delayed produce).
              const outcome = await services.replicas.produce(topic.name, p.index, p.records, { acks, produceVersion: context.apiVersion, timeoutMs: request.timeoutMs, transactionalId: request.transactionalId });
              return partitionResponse(p.index, outcome);
            }),
          ),
        })),
      );
      if (acks === 0) {
        // With no response to carry an error, Kafka closes the connection so the producer refreshes metadata.
        const anyError = topics.some((t) => t.partitionResponses.some((p) => p.errorCode !== 0));
        return anyError ? CLOSE_CONNECTION : NO_RESPONSE;
      }
      const response = ProduceResponse.defaults();
      response.responses = topics;
      return response;
    },
  };
}
