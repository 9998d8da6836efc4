import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DeleteGroupsRequest } from '../../protocol/generated/message/delete-groups-request.js';
import { DeleteGroupsResponse } from '../../protocol/generated/message/delete-groups-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createDeleteGroupsHandler(services: BrokerServices): ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> {
  return {
    apiKey: ApiKey.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const response = DeleteGroupsResponse.defaults();
      response.results = await Promise.all(
        request.groupsNames.map(async (groupId) => ({
          groupId,
          errorCode: authorized(services, context, AclOperation.DELETE, ResourceType.GROUP, groupId) ? await services.groups.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED,
        })),
      );
      return response;
    },
  };
}
