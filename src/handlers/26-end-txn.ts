import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { EndTxnRequest } from '../../protocol/generated/message/end-txn-request.js';
import { EndTxnResponse } from '../../protocol/generated/message/end-txn-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createEndTxnHandler(services: BrokerServices): ApiHandler<EndTxnRequest, EndTxnResponse> {
  return {
    apiKey: ApiKey.EndTxn,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const errorCode = !authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
        ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : await services.txnCoordinator.endTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
      const response = EndTxnResponse.defaults();
      response.errorCode = fencedForVersion(errorCode, context.apiVersion, 2);
      return response;
    },
  };
}
