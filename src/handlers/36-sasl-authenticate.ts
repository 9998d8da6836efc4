import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { SaslAuthenticateRequest } from '../../protocol/generated/message/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../../protocol/generated/message/sasl-authenticate-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * SaslAuthenticate carries one token of the exchange chosen by SaslHandshake v1. A failure
 * answers SASL_AUTHENTICATION_FAILED with the reason (never a secret), and the SaslGate closes
 * the connection after the answer. v1 adds session_lifetime_ms (connections.max.reauth.ms).
 */
export function createSaslAuthenticateHandler(services: BrokerServices): ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse> {
  return {
    apiKey: ApiKey.SaslAuthenticate,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      const response = SaslAuthenticateResponse.defaults();
      const outcome = services.sasl?.authenticate(context.connection, request.authBytes, context.apiVersion) ?? {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received on a listener without SASL',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      };
      response.errorCode = outcome.errorCode;
      response.errorMessage = outcome.errorMessage;
      response.authBytes = outcome.authBytes;
      response.sessionLifetimeMs = outcome.sessionLifetimeMs;
      if (outcome.errorCode !== ErrorCode.NONE) context.log.info({ errorCode: outcome.errorCode, reason: outcome.errorMessage }, 'SASL authentication failed');
      else if (services.sasl?.principal(context.connection)) context.log.debug({ principal: services.sasl.principal(context.connection) }, 'SASL authenticated');
      return response;
    },
  };
}
