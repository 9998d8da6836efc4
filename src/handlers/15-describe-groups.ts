import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeGroupsRequest } from '../../protocol/generated/message/describe-groups-request.js';
import { DescribeGroupsResponse } from '../../protocol/generated/message/describe-groups-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** What Kafka answers when authorized operations were not asked for. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** READ (3), DELETE (6) and DESCRIBE (8): every group operation, as there is no authorizer. */
export const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export function createDescribeGroupsHandler(services: BrokerServices): ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> {
  return {
    apiKey: ApiKey.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const v = context.apiVersion;
      const response = DescribeGroupsResponse.defaults();
      response.groups = await Promise.all(
        request.groups.map(async (groupId) => {
          if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
          }
          const g = await services.groups.describeGroup(groupId);
          return {
            ...g,
            members: g.members.map((m) => ({ ...m, groupInstanceId: v >= 4 ? m.groupInstanceId : null })),
            authorizedOperations: v >= 3 && request.includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
          };
        }),
      );
      return response;
    },
  };
}
