import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ConsumerGroupDescribeRequest } from '../../protocol/generated/message/consumer-group-describe-request.js';
import { ConsumerGroupDescribeResponse } from '../../protocol/generated/message/consumer-group-describe-response.js';
import { ALL_GROUP_OPERATIONS, AUTHORIZED_OPERATIONS_OMITTED } from './15-describe-groups.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createConsumerGroupDescribeHandler(services: BrokerServices): ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> {
  return {
    apiKey: ApiKey.ConsumerGroupDescribe,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const response = ConsumerGroupDescribeResponse.defaults();
      response.groups = await Promise.all(
        request.groupIds.map(async (groupId) => ({
          ...(authorized(services, context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)
            ? await services.groups.consumerGroupDescribe(groupId)
            : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] }),
          authorizedOperations: request.includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
        })),
      );
      return response;
    },
  };
}
