import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeAclsRequest } from '../../protocol/generated/message/describe-acls-request.js';
import { DescribeAclsResponse, type DescribeAclsResponseDescribeAclsResource } from '../../protocol/generated/message/describe-acls-response.js';
import { AclOperation, CLUSTER_NAME, filterMatches, filterProblem, knownOperation, knownPatternType, knownPermission, knownResourceType, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export const NO_AUTHORIZER = 'No Authorizer is configured.';

/**
 * Lists the committed ACLs a filter matches, grouped by resource pattern, from this node's
 * metadata image. Needs DESCRIBE on the cluster; without an authorizer Kafka answers SECURITY_DISABLED.
 * A v0 request carries no pattern type: it reads as LITERAL, so v0 answers never hold PREFIXED ACLs.
 */
export function createDescribeAclsHandler(services: BrokerServices): ApiHandler<DescribeAclsRequest, DescribeAclsResponse> {
  return {
    apiKey: ApiKey.DescribeAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const response = DescribeAclsResponse.defaults();
      if (services.authorizer === undefined) return fail(response, ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
      if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) return fail(response, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
      const filter = {
        resourceType: knownResourceType(request.resourceTypeFilter),
        resourceName: request.resourceNameFilter,
        patternType: knownPatternType(request.patternTypeFilter),
        principal: request.principalFilter,
        host: request.hostFilter,
        operation: knownOperation(request.operation),
        permissionType: knownPermission(request.permissionType),
      };
      const problem = filterProblem(filter);
      if (problem !== null) return fail(response, ErrorCode.INVALID_REQUEST, problem);
      const byPattern = new Map<string, DescribeAclsResponseDescribeAclsResource>();
      for (const acl of services.metadata.acls?.all() ?? []) {
        if (!filterMatches(filter, acl)) continue;
        const key = JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType]);
        let resource = byPattern.get(key);
        if (resource === undefined) byPattern.set(key, (resource = { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] }));
        resource.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permissionType });
      }
      response.resources = [...byPattern.values()];
      return response;
    },
  };
}

function fail(response: DescribeAclsResponse, errorCode: number, errorMessage: string | null): DescribeAclsResponse {
  response.errorCode = errorCode;
  response.errorMessage = errorMessage;
  return response;
}
