import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { HeartbeatRequest } from '../../protocol/generated/message/heartbeat-request.js';
import { HeartbeatResponse } from '../../protocol/generated/message/heartbeat-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createHeartbeatHandler(services: BrokerServices): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  return {
    apiKey: ApiKey.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const response = HeartbeatResponse.defaults();
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
