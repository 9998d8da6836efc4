import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { InitProducerIdRequest } from '../../protocol/generated/message/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/message/init-producer-id-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createInitProducerIdHandler(services: BrokerServices): ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    apiKey: ApiKey.InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      // v3+ may name the id and epoch it holds (KIP-360 epoch bump); -1 means none.
      const expected = context.apiVersion >= 3 && request.producerId >= 0n ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : null;
      const result = await services.txnCoordinator.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
      const response = InitProducerIdResponse.defaults();
      response.errorCode = fencedForVersion(result.errorCode, context.apiVersion, 4);
      response.producerId = result.producerId;
      response.producerEpoch = result.producerEpoch;
      return response;
    },
  };
}
