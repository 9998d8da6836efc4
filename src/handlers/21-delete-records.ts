import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DeleteRecordsRequest } from '../../protocol/generated/message/delete-records-request.js';
import { DeleteRecordsResponse } from '../../protocol/generated/message/delete-records-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/**
 * DeleteRecords v0-2: advances each partition's log start offset. A single node is its own
 * in-sync set, so the new low watermark is final when the log answers (no purgatory wait).
 */
export function createDeleteRecordsHandler(services: BrokerServices): ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> {
  return {
    apiKey: ApiKey.DeleteRecords,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const response = DeleteRecordsResponse.defaults();
      for (const topic of request.topics) {
        const partitions = [];
        const mayDelete = authorized(services, context, AclOperation.DELETE, ResourceType.TOPIC, topic.name);
        for (const p of topic.partitions) {
          if (!mayDelete) {
            partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
            continue;
          }
          const outcome = await services.replicas.deleteRecords(topic.name, p.partitionIndex, p.offset);
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: outcome.lowWatermark, errorCode: outcome.errorCode });
        }
        response.topics.push({ name: topic.name, partitions });
      }
      return response;
    },
  };
}
