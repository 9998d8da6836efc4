// CreateAcls, DescribeAcls and DeleteAcls over a RawClient, for the ACL handler tests.
import { afterAll, beforeAll } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { CreateAclsRequest, type CreateAclsRequestAclCreation } from '../../../protocol/generated/message/create-acls-request.js';
import { CreateAclsResponse } from '../../../protocol/generated/message/create-acls-response.js';
import { DescribeAclsRequest } from '../../../protocol/generated/message/describe-acls-request.js';
import { DescribeAclsResponse } from '../../../protocol/generated/message/describe-acls-response.js';
import { DeleteAclsRequest, type DeleteAclsRequestDeleteAclsFilter } from '../../../protocol/generated/message/delete-acls-request.js';
import { DeleteAclsResponse } from '../../../protocol/generated/message/delete-acls-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/acl.js';
import { STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { RawClient } from '../broker/raw-client.js';

// The tests administer ACLs over PLAINTEXT: User:ANONYMOUS is made a super user, as a Kafka operator would.
export const WITH_AUTHORIZER = { 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, 'super.users': 'User:ANONYMOUS' };

export function creation(over: Partial<CreateAclsRequestAclCreation> = {}): CreateAclsRequestAclCreation {
  return { resourceType: Res.TOPIC, resourceName: 'orders', resourcePatternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...over };
}

export function deleteFilter(over: Partial<DeleteAclsRequestDeleteAclsFilter> = {}): DeleteAclsRequestDeleteAclsFilter {
  return { resourceTypeFilter: Res.ANY, resourceNameFilter: null, patternTypeFilter: Pat.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: Perm.ANY, ...over };
}

export function createAcls(client: RawClient, version: number, creations: CreateAclsRequestAclCreation[]) {
  return client.request(ApiKey.CreateAcls, version, CreateAclsRequest, { creations }, CreateAclsResponse);
}

export function describeAcls(client: RawClient, version: number, over: Partial<DescribeAclsRequest> = {}) {
  const f = deleteFilter();
  const request: DescribeAclsRequest = {
    resourceTypeFilter: f.resourceTypeFilter,
    resourceNameFilter: null,
    patternTypeFilter: f.patternTypeFilter,
    principalFilter: null,
    hostFilter: null,
    operation: f.operation,
    permissionType: f.permissionType,
    ...over,
  };
  return client.request(ApiKey.DescribeAcls, version, DescribeAclsRequest, request, DescribeAclsResponse);
}

export function deleteAcls(client: RawClient, version: number, filters: DeleteAclsRequestDeleteAclsFilter[]) {
  return client.request(ApiKey.DeleteAcls, version, DeleteAclsRequest, { filters }, DeleteAclsResponse);
}

/** An in-memory broker (with the given overrides) and a RawClient on its PLAINTEXT listener; read the fields inside tests. */
export function useAclBroker(overrides: Record<string, string>): { broker: RunningBroker; client: RawClient } {
  const holder = {} as { broker: RunningBroker; client: RawClient };
  beforeAll(async () => {
    holder.broker = await startBroker({ overrides });
    holder.client = await RawClient.connect(holder.broker.port);
  });
  afterAll(async () => {
    holder.client?.close();
    await holder.broker?.stop();
  });
  return holder;
}
