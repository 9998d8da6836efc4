import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { AlterUserScramCredentialsRequest } from '../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../../protocol/generated/message/alter-user-scram-credentials-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
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
    async handle(request, context) {
      const response = AlterUserScramCredentialsResponse.defaults();
      // ALTER on the cluster; refused, every user named gets the error once.
      if (!authorized(services, context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) {
        const users = new Set([...request.deletions, ...request.upsertions].map((a) => a.name));
        response.results = [...users].map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }));
        return response;
      }
      response.results = await services.controller.alterUserScramCredentials(request);
      return response;
    },
  };
}
