import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/acl.js';
import { createAcls, creation, deleteAcls, deleteFilter, describeAcls, useAclBroker, WITH_AUTHORIZER } from './acl-requests.js';

describe('DeleteAcls with StandardAuthorizer', () => {
  const running = useAclBroker(WITH_AUTHORIZER);

  it.each([0, 1, 2, 3])('v%i removes what each filter matches and answers the matched ACLs per filter', async (version) => {
    const topic = `del-v${version}`;
    await createAcls(running.client, 3, [creation({ resourceName: topic }), creation({ resourceName: topic, operation: Op.WRITE }), creation({ resourceName: `${topic}-kept` })]);
    const response = await deleteAcls(running.client, version, [
      deleteFilter({ resourceTypeFilter: Res.TOPIC, resourceNameFilter: topic, patternTypeFilter: Pat.LITERAL, operation: Op.READ }),
      deleteFilter({ resourceTypeFilter: Res.TOPIC, resourceNameFilter: topic, patternTypeFilter: Pat.LITERAL }),
      deleteFilter({ resourceTypeFilter: Res.TOPIC, resourceNameFilter: 'nothing-here', patternTypeFilter: Pat.LITERAL }),
    ]);
    const acl = (operation: number) => ({ errorCode: 0, errorMessage: null, resourceType: Res.TOPIC, resourceName: topic, patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: Perm.ALLOW });
    expect(response.filterResults).toEqual([
      { errorCode: 0, errorMessage: null, matchingAcls: [acl(Op.READ)] },
      { errorCode: 0, errorMessage: null, matchingAcls: [acl(Op.READ), acl(Op.WRITE)] },
      { errorCode: 0, errorMessage: null, matchingAcls: [] },
    ]);
    const left = await describeAcls(running.client, 3, { resourceTypeFilter: Res.TOPIC, resourceNameFilter: null });
    expect(left.resources.map((r) => r.resourceName)).toContain(`${topic}-kept`);
    expect(left.resources.map((r) => r.resourceName)).not.toContain(topic);
  });

  it('a MATCH filter removes the prefixed and wildcard ACLs covering a name; ANY removes everything', async () => {
    await createAcls(running.client, 3, [creation({ resourceName: 'pay', resourcePatternType: Pat.PREFIXED }), creation({ resourceName: '*', operation: Op.DESCRIBE }), creation({ resourceName: 'other' })]);
    const matched = await deleteAcls(running.client, 3, [deleteFilter({ resourceTypeFilter: Res.TOPIC, resourceNameFilter: 'payments', patternTypeFilter: Pat.MATCH })]);
    expect(matched.filterResults[0]!.matchingAcls.map((a) => a.resourceName).sort()).toEqual(['*', 'pay']);
    await deleteAcls(running.client, 3, [deleteFilter()]);
    expect((await describeAcls(running.client, 3)).resources).toEqual([]);
  });

  it('a filter with UNKNOWN parts fails alone with INVALID_REQUEST', async () => {
    const response = await deleteAcls(running.client, 3, [deleteFilter({ permissionType: Perm.UNKNOWN }), deleteFilter({ resourceTypeFilter: Res.GROUP })]);
    expect(response.filterResults[0]).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown entryFilter.', matchingAcls: [] });
    expect(response.filterResults[1]!.errorCode).toBe(0);
  });
});

describe('DeleteAcls without an authorizer', () => {
  const running = useAclBroker({});
  it.each([0, 1, 2, 3])('v%i answers SECURITY_DISABLED per filter', async (version) => {
    const response = await deleteAcls(running.client, version, [deleteFilter({ patternTypeFilter: Pat.LITERAL })]);
    expect(response.filterResults).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', matchingAcls: [] }]);
  });
});
