import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { AlterUserScramCredentialsRequest } from '../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../../protocol/generated/message/alter-user-scram-credentials-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * Upserts and deletes SCRAM credentials through the controller (forwarded to the active one on
 * a cluster), so they are committed to the metadata log, replicated and kept across restarts.
 * The request carries salted passwords only; the log keeps StoredKey and ServerKey.
 */
export function createAlterUserScramCredentialsHandler(services: BrokerServices): ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> {
  return {
    apiKey: ApiKey.AlterUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    async handle(request) {
      const response = AlterUserScramCredentialsResponse.defaults();
      response.results = await services.controller.alterUserScramCredentials(request);
      return response;
    },
  };
}
