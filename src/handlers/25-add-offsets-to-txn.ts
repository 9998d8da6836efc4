import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { AddOffsetsToTxnRequest } from '../../protocol/generated/message/add-offsets-to-txn-request.js';
import { AddOffsetsToTxnResponse } from '../../protocol/generated/message/add-offsets-to-txn-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createAddOffsetsToTxnHandler(services: BrokerServices): ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> {
  return {
    apiKey: ApiKey.AddOffsetsToTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const errorCode = await services.txnCoordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
      const response = AddOffsetsToTxnResponse.defaults();
      response.errorCode = fencedForVersion(errorCode, context.apiVersion, 2);
      return response;
    },
  };
}
