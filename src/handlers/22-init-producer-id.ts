import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { InitProducerIdRequest } from '../../protocol/generated/message/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/message/init-producer-id-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized, authorizedOnAny } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createInitProducerIdHandler(services: BrokerServices): ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    apiKey: ApiKey.InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      // v3+ may name the id and epoch it holds (KIP-360 epoch bump); -1 means none.
      const expected = context.apiVersion >= 3 && request.producerId >= 0n ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : null;
      // A transactional producer needs WRITE on its id; an idempotent one IDEMPOTENT_WRITE on the cluster or WRITE on some topic.
      const refused = request.transactionalId !== null
        ? (authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
        : (authorized(services, context, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) || authorizedOnAny(services, context, AclOperation.WRITE, ResourceType.TOPIC) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      if (refused !== 0) {
        const response = InitProducerIdResponse.defaults();
        response.errorCode = refused;
        return response;
      }
      const result = await services.txnCoordinator.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
      const response = InitProducerIdResponse.defaults();
      response.errorCode = fencedForVersion(result.errorCode, context.apiVersion, 4);
      response.producerId = result.producerId;
      response.producerEpoch = result.producerEpoch;
      return response;
    },
  };
}
