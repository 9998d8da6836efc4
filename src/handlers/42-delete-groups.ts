import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DeleteGroupsRequest } from '../../protocol/generated/message/delete-groups-request.js';
import { DeleteGroupsResponse } from '../../protocol/generated/message/delete-groups-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createDeleteGroupsHandler(services: BrokerServices): ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> {
  return {
    apiKey: ApiKey.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    async handle(request) {
      const response = DeleteGroupsResponse.defaults();
      response.results = await Promise.all(
        request.groupsNames.map(async (groupId) => ({ groupId, errorCode: await services.groups.deleteGroup(groupId) })),
      );
      return response;
    },
  };
}
