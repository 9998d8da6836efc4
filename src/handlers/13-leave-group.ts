import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { LeaveGroupRequest } from '../../protocol/generated/message/leave-group-request.js';
import { LeaveGroupResponse } from '../../protocol/generated/message/leave-group-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createLeaveGroupHandler(services: BrokerServices): ApiHandler<LeaveGroupRequest, LeaveGroupResponse> {
  return {
    apiKey: ApiKey.LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const batched = context.apiVersion >= 3;
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const refused = LeaveGroupResponse.defaults();
        refused.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return refused;
      }
      const members = batched
        ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: request.memberId, groupInstanceId: null }];
      const outcome = await services.groups.leaveGroup(request.groupId, members);
      const response = LeaveGroupResponse.defaults();
      if (batched) {
        response.errorCode = outcome.errorCode;
        response.members = outcome.members;
      } else {
        // One member, one error: before v3 the member's error is the response's.
        response.errorCode = outcome.errorCode !== ErrorCode.NONE ? outcome.errorCode : outcome.members[0]?.errorCode ?? ErrorCode.NONE;
      }
      return response;
    },
  };
}
