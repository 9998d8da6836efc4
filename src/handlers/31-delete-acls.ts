import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DeleteAclsRequest } from '../../protocol/generated/message/delete-acls-request.js';
import { DeleteAclsResponse } from '../../protocol/generated/message/delete-acls-response.js';
import { AclOperation, CLUSTER_NAME, knownOperation, knownPatternType, knownPermission, knownResourceType, ResourceType } from '../security/acl.js';
import { NO_AUTHORIZER } from './29-describe-acls.js';
import { authorized } from './authorization.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * Deletes the ACLs each filter matches through the controller (forwarded on a cluster) and
 * answers, per filter, the ACLs it removed. Needs ALTER on the cluster.
 */
export function createDeleteAclsHandler(services: BrokerServices): ApiHandler<DeleteAclsRequest, DeleteAclsResponse> {
  return {
    apiKey: ApiKey.DeleteAcls,
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const response = DeleteAclsResponse.defaults();
      const refuse = (errorCode: number, errorMessage: string | null): DeleteAclsResponse => {
        response.filterResults = request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] }));
        return response;
      };
      if (services.authorizer === undefined) return refuse(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
      if (!authorized(services, context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return refuse(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
      if (request.filters.length === 0) return response;
      const results = await services.controller.deleteAcls(
        request.filters.map((f) => ({
          resourceType: knownResourceType(f.resourceTypeFilter),
          resourceName: f.resourceNameFilter,
          patternType: knownPatternType(f.patternTypeFilter),
          principal: f.principalFilter,
          host: f.hostFilter,
          operation: knownOperation(f.operation),
          permissionType: knownPermission(f.permissionType),
        })),
      );
      response.filterResults = results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.matching.map((acl) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...acl })),
      }));
      return response;
    },
  };
}
