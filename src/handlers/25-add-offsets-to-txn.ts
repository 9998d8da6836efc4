import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { AddOffsetsToTxnRequest } from '../../protocol/generated/message/add-offsets-to-txn-request.js';
import { AddOffsetsToTxnResponse } from '../../protocol/generated/message/add-offsets-to-txn-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createAddOffsetsToTxnHandler(services: BrokerServices): ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> {
  return {
    apiKey: ApiKey.AddOffsetsToTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const refused = !authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
        ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : !authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : 0;
      const errorCode = refused !== 0 ? refused : await services.txnCoordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
      const response = AddOffsetsToTxnResponse.defaults();
      response.errorCode = fencedForVersion(errorCode, context.apiVersion, 2);
      return response;
    },
  };
}
