import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { HeartbeatRequest } from '../../protocol/generated/message/heartbeat-request.js';
import { HeartbeatResponse } from '../../protocol/generated/message/heartbeat-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createHeartbeatHandler(services: BrokerServices): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  return {
    apiKey: ApiKey.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const response = HeartbeatResponse.defaults();
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return response;
      }
      response.errorCode = await services.groups.heartbeat(
        request.groupId,
        request.generationId,
        request.memberId,
        context.apiVersion >= 3 ? request.groupInstanceId : null,
      );
      return response;
    },
  };
}
