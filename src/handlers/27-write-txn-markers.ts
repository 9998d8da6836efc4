import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { WriteTxnMarkersRequest } from '../../protocol/generated/message/write-txn-markers-request.js';
import { WriteTxnMarkersResponse } from '../../protocol/generated/message/write-txn-markers-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** A transaction coordinator (another broker's, or a tool's) asking this leader to write markers. */
export function createWriteTxnMarkersHandler(services: BrokerServices): ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse> {
  return {
    apiKey: ApiKey.WriteTxnMarkers,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      const response = WriteTxnMarkersResponse.defaults();
      // Sent by transaction coordinators: CLUSTER_ACTION, else every partition is refused.
      const allowed = authorized(services, context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME);
      response.markers = await Promise.all(
        request.markers.map(async (marker) => ({
          producerId: marker.producerId,
          topics: await Promise.all(
            marker.topics.map(async (topic) => ({
              name: topic.name,
              partitions: await Promise.all(
                topic.partitionIndexes.map(async (partitionIndex) => {
                  if (!allowed) return { partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
                  if (services.metadata.topic(topic.name)?.partitions.get(partitionIndex) === undefined) {
                    return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
                  }
                  const errorCode = await services.txnCoordinator.writeMarker(topic.name, partitionIndex, marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, marker.transactionResult);
                  return { partitionIndex, errorCode };
                }),
              ),
            })),
          ),
        })),
      );
      return response;
    },
  };
}
