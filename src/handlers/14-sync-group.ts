import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { SyncGroupRequest } from '../../protocol/generated/message/sync-group-request.js';
import { SyncGroupResponse } from '../../protocol/generated/message/sync-group-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createSyncGroupHandler(services: BrokerServices): ApiHandler<SyncGroupRequest, SyncGroupResponse> {
  return {
    apiKey: ApiKey.SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const v = context.apiVersion;
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const refused = SyncGroupResponse.defaults();
        refused.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return refused;
      }
      const outcome = await services.groups.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: v >= 3 ? request.groupInstanceId : null,
        // v5+: the coordinator checks them against the group's (null skips the check).
        protocolType: v >= 5 ? request.protocolType : null,
        protocolName: v >= 5 ? request.protocolName : null,
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      const response = SyncGroupResponse.defaults();
      response.errorCode = outcome.errorCode;
      response.protocolType = v >= 5 ? outcome.protocolType : null;
      response.protocolName = v >= 5 ? outcome.protocolName : null;
      response.assignment = outcome.assignment;
      return response;
    },
  };
}
