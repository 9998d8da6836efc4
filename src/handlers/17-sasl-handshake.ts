import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { SaslHandshakeRequest } from '../../protocol/generated/message/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../../protocol/generated/message/sasl-handshake-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * SaslHandshake picks the mechanism. v0 means the tokens that follow are raw size-prefixed
 * frames (the SaslGate answers them), v1 that they come in SaslAuthenticate requests. A
 * mechanism the listener does not enable gets UNSUPPORTED_SASL_MECHANISM with the enabled ones.
 */
export function createSaslHandshakeHandler(services: BrokerServices): ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse> {
  return {
    apiKey: ApiKey.SaslHandshake,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const response = SaslHandshakeResponse.defaults();
      const outcome = services.sasl?.handshake(context.connection, request.mechanism, context.apiVersion) ?? { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
      response.errorCode = outcome.errorCode;
      response.mechanisms = [...outcome.mechanisms];
      if (outcome.errorCode !== ErrorCode.NONE) {
        context.log.info({ mechanism: request.mechanism, errorCode: outcome.errorCode }, 'SASL handshake refused');
      }
      return response;
    },
  };
}
