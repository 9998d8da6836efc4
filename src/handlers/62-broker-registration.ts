// BrokerRegistration (62): a broker joins the cluster through the active controller.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BrokerRegistrationRequest } from '../../protocol/generated/message/broker-registration-request.js';
import { createBrokerRegistrationResponse, type BrokerRegistrationResponse } from '../../protocol/generated/message/broker-registration-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createBrokerRegistrationHandler(services: BrokerServices): ApiHandler<BrokerRegistrationRequest, BrokerRegistrationResponse> {
  return {
    apiKey: ApiKey.BrokerRegistration,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      if (services.brokerHeartbeats === undefined) return createBrokerRegistrationResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
      return services.brokerHeartbeats.handleRegistration(request);
    },
  };
}
