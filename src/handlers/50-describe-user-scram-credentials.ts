import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeUserScramCredentialsRequest } from '../../protocol/generated/message/describe-user-scram-credentials-request.js';
import {
  DescribeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult as UserResult,
} from '../../protocol/generated/message/describe-user-scram-credentials-response.js';
import { SCRAM_MECHANISMS } from '../security/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/**
 * Which SCRAM mechanisms each user has, and with how many iterations (never salts or keys),
 * from this broker's committed metadata as a KRaft broker answers it. No users, or null, means
 * every user with a credential.
 */
export function createDescribeUserScramCredentialsHandler(services: BrokerServices): ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> {
  return {
    apiKey: ApiKey.DescribeUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const response = DescribeUserScramCredentialsResponse.defaults();
      if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
        response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        return response;
      }
      const store = services.scramCredentials;
      const describe = (user: string): UserResult => {
        const credentials = store?.credentialsOf(user) ?? [];
        if (credentials.length === 0) {
          return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
        }
        return {
          user,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          credentialInfos: credentials.map((c) => ({ mechanism: SCRAM_MECHANISMS[c.mechanism], iterations: c.iterations })).sort((a, b) => a.mechanism - b.mechanism),
        };
      };
      const asked = request.users?.map((u) => u.name) ?? [];
      if (asked.length === 0) {
        response.results = (store?.users() ?? []).map(describe);
        return response;
      }
      const counts = new Map<string, number>();
      for (const user of asked) counts.set(user, (counts.get(user) ?? 0) + 1);
      response.results = [...counts].map(([user, count]) =>
        count > 1
          ? { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] }
          : describe(user),
      );
      return response;
    },
  };
}
