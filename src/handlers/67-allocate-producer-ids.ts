// AllocateProducerIds (67): a broker that is not the active controller asks it for a block of
// producer ids (for InitProducerId). Served by the active controller; others say NOT_CONTROLLER.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { AllocateProducerIdsRequest } from '../../protocol/generated/message/allocate-producer-ids-request.js';
import { createAllocateProducerIdsResponse, type AllocateProducerIdsResponse } from '../../protocol/generated/message/allocate-producer-ids-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createAllocateProducerIdsHandler(services: BrokerServices): ApiHandler<AllocateProducerIdsRequest, AllocateProducerIdsResponse> {
  return {
    apiKey: ApiKey.AllocateProducerIds,
    minVersion: 0,
    maxVersion: 0,
    async handle(request) {
      if (!services.controller.isActive) return createAllocateProducerIdsResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
      // ClusterControlManager.checkBrokerEpoch (-1: a broker asking before its registration finished).
      const broker = services.metadata.broker(request.brokerId);
      if (broker === undefined || (request.brokerEpoch !== -1n && request.brokerEpoch !== broker.epoch)) {
        return createAllocateProducerIdsResponse({ errorCode: ErrorCode.STALE_BROKER_EPOCH });
      }
      try {
        const block = await services.controller.allocateProducerIds(request.brokerId, request.brokerEpoch);
        return createAllocateProducerIdsResponse({ errorCode: ErrorCode.NONE, producerIdStart: block.start, producerIdLen: block.length });
      } catch {
        // Leadership lost before the block was committed: the broker asks the next controller.
        return createAllocateProducerIdsResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
      }
    },
  };
}
