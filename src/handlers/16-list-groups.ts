import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ListGroupsRequest } from '../../protocol/generated/message/list-groups-request.js';
import { ListGroupsResponse } from '../../protocol/generated/message/list-groups-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createListGroupsHandler(services: BrokerServices): ApiHandler<ListGroupsRequest, ListGroupsResponse> {
  return {
    apiKey: ApiKey.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const v = context.apiVersion;
      const outcome = await services.groups.listGroups(v >= 4 ? request.statesFilter : [], v >= 5 ? request.typesFilter : []);
      const response = ListGroupsResponse.defaults();
      response.errorCode = outcome.errorCode;
      // DESCRIBE on the cluster lists every group, else only the groups the client may DESCRIBE.
      const everyGroup = authorized(services, context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
      const visible = everyGroup ? outcome.groups : outcome.groups.filter((g) => authorized(services, context, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
      response.groups = visible.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: v >= 4 ? g.groupState : '',
        groupType: v >= 5 ? g.groupType : '',
      }));
      return response;
    },
  };
}
