// BrokerHeartbeat (63): keeps a broker's session with the active controller alive and
// carries its metadata offset, which decides when the controller unfences it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BrokerHeartbeatRequest } from '../../protocol/generated/message/broker-heartbeat-request.js';
import { createBrokerHeartbeatResponse, type BrokerHeartbeatResponse } from '../../protocol/generated/message/broker-heartbeat-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createBrokerHeartbeatHandler(services: BrokerServices): ApiHandler<BrokerHeartbeatRequest, BrokerHeartbeatResponse> {
  return {
    apiKey: ApiKey.BrokerHeartbeat,
    minVersion: 0,
    maxVersion: 1,
    handle(request) {
      if (services.brokerHeartbeats === undefined) return createBrokerHeartbeatResponse({ errorCode: ErrorCode.NOT_CONTROLLER, isFenced: true });
      return services.brokerHeartbeats.handleHeartbeat(request);
    },
  };
}
