import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/acl.js';
import { createAcls, creation, describeAcls, useAclBroker, WITH_AUTHORIZER } from './acl-requests.js';

describe('DescribeAcls with StandardAuthorizer', () => {
  const running = useAclBroker(WITH_AUTHORIZER);
  beforeAll(async () => {
    await createAcls(running.client, 3, [
      creation({ resourceName: 'orders' }),
      creation({ resourceName: 'orders', principal: 'User:bob', operation: Op.WRITE, host: '10.0.0.1' }),
      creation({ resourceName: '*', operation: Op.DESCRIBE }),
      creation({ resourceName: 'ord', resourcePatternType: Pat.PREFIXED, permissionType: Perm.DENY }),
      creation({ resourceType: Res.GROUP, resourceName: 'g1' }),
    ]);
  });

  const names = (r: { resources: { resourceType: number; resourceName: string; patternType: number; acls: unknown[] }[] }) =>
    r.resources.map((x) => `${x.resourceType}/${x.resourceName}/${x.patternType}:${x.acls.length}`).sort();

  it.each([1, 2, 3])('v%i with ANY filters lists every ACL grouped by resource pattern', async (version) => {
    expect(names(await describeAcls(running.client, version))).toEqual(['2/*/3:1', '2/ord/4:1', '2/orders/3:2', '3/g1/3:1']);
  });

  it('v0 has no pattern type: its filter is LITERAL, so PREFIXED ACLs are not listed', async () => {
    const response = await describeAcls(running.client, 0, { resourceTypeFilter: Res.TOPIC, patternTypeFilter: Pat.LITERAL });
    expect(response.errorCode).toBe(0);
    expect(response.resources.map((r) => r.resourceName).sort()).toEqual(['*', 'orders']);
  });

  it('MATCH lists the literal, wildcard and prefixed ACLs that apply to one name', async () => {
    const response = await describeAcls(running.client, 3, { resourceTypeFilter: Res.TOPIC, resourceNameFilter: 'orders', patternTypeFilter: Pat.MATCH });
    expect(names(response)).toEqual(['2/*/3:1', '2/ord/4:1', '2/orders/3:2']);
  });

  it('principal, host, operation and permission filters', async () => {
    const byPrincipal = await describeAcls(running.client, 3, { principalFilter: 'User:bob' });
    expect(byPrincipal.resources).toEqual([{ resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, acls: [{ principal: 'User:bob', host: '10.0.0.1', operation: Op.WRITE, permissionType: Perm.ALLOW }] }]);
    expect(names(await describeAcls(running.client, 3, { hostFilter: '10.0.0.1' }))).toEqual(['2/orders/3:1']);
    expect(names(await describeAcls(running.client, 3, { operation: Op.DESCRIBE }))).toEqual(['2/*/3:1']);
    expect(names(await describeAcls(running.client, 3, { permissionType: Perm.DENY }))).toEqual(['2/ord/4:1']);
    expect(names(await describeAcls(running.client, 3, { resourceTypeFilter: Res.CLUSTER }))).toEqual([]);
  });

  it('a filter with UNKNOWN parts is INVALID_REQUEST', async () => {
    const response = await describeAcls(running.client, 3, { resourceTypeFilter: Res.UNKNOWN });
    expect(response).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown patternFilter.', resources: [] });
    expect((await describeAcls(running.client, 2, { operation: 42 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('DescribeAcls without an authorizer', () => {
  const running = useAclBroker({});
  it.each([0, 1, 2, 3])('v%i answers SECURITY_DISABLED', async (version) => {
    expect(await describeAcls(running.client, version, { patternTypeFilter: Pat.LITERAL })).toMatchObject({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', resources: [] });
  });
});
