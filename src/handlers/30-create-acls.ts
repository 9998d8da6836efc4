import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { CreateAclsRequest } from '../../protocol/generated/message/create-acls-request.js';
import { CreateAclsResponse } from '../../protocol/generated/message/create-acls-response.js';
import { AclOperation, CLUSTER_NAME, knownOperation, knownPatternType, knownPermission, knownResourceType, ResourceType } from '../security/acl.js';
import { NO_AUTHORIZER } from './29-describe-acls.js';
import { authorized } from './authorization.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * Creates ACLs through the controller (forwarded to the active one on a cluster), so they are
 * AccessControlEntryRecords in the metadata log, replicated and kept across restarts. Needs ALTER
 * on the cluster. Each creation gets its own result: INVALID_REQUEST for an ACL that cannot be
 * stored (UNKNOWN / ANY / MATCH codes, empty names, a principal without a type).
 */
export function createCreateAclsHandler(services: BrokerServices): ApiHandler<CreateAclsRequest, CreateAclsResponse> {
  return {
    apiKey: ApiKey.CreateAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const response = CreateAclsResponse.defaults();
      const refuse = (errorCode: number, errorMessage: string | null): CreateAclsResponse => {
        response.results = request.creations.map(() => ({ errorCode, errorMessage }));
        return response;
      };
      if (services.authorizer === undefined) return refuse(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
      if (!authorized(services, context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
      if (request.creations.length === 0) return response;
      response.results = await services.controller.createAcls(
        request.creations.map((c) => ({
          resourceType: knownResourceType(c.resourceType),
          resourceName: c.resourceName,
          patternType: knownPatternType(c.resourcePatternType),
          principal: c.principal,
          host: c.host,
          operation: knownOperation(c.operation),
          permissionType: knownPermission(c.permissionType),
        })),
      );
      return response;
    },
  };
}
