import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { startBroker } from '../../../src/index.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/acl.js';
import { tempDataDir } from '../../helpers/broker-process.js';
import { RawClient } from '../broker/raw-client.js';
import { createAcls, creation, describeAcls, useAclBroker, WITH_AUTHORIZER } from './acl-requests.js';

describe('CreateAcls with StandardAuthorizer', () => {
  const running = useAclBroker(WITH_AUTHORIZER);

  it.each([0, 1, 2, 3])('v%i creates a LITERAL ACL that DescribeAcls then lists', async (version) => {
    const name = `create-v${version}`;
    const response = await createAcls(running.client, version, [creation({ resourceName: name })]);
    expect(response.results).toEqual([{ errorCode: 0, errorMessage: null }]);
    const described = await describeAcls(running.client, 3, { resourceTypeFilter: Res.TOPIC, resourceNameFilter: name, patternTypeFilter: Pat.LITERAL });
    expect(described.resources).toEqual([{ resourceType: Res.TOPIC, resourceName: name, patternType: Pat.LITERAL, acls: [{ principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW }] }]);
  });

  it.each([1, 2, 3])('v%i creates PREFIXED ACLs', async (version) => {
    const name = `prefix-v${version}-`;
    expect((await createAcls(running.client, version, [creation({ resourceName: name, resourcePatternType: Pat.PREFIXED })])).results[0]!.errorCode).toBe(0);
    const described = await describeAcls(running.client, 3, { resourceNameFilter: name, patternTypeFilter: Pat.PREFIXED });
    expect(described.resources.map((r) => [r.resourceName, r.patternType])).toEqual([[name, Pat.PREFIXED]]);
  });

  it('answers each creation on its own: INVALID_REQUEST for what cannot be stored', async () => {
    const response = await createAcls(running.client, 3, [
      creation({ resourceName: 'valid-1' }),
      creation({ resourceType: Res.ANY }),
      creation({ resourceType: Res.UNKNOWN }),
      creation({ resourcePatternType: Pat.MATCH }),
      creation({ resourcePatternType: Pat.ANY }),
      creation({ operation: Op.ANY }),
      creation({ permissionType: Perm.ANY }),
      creation({ resourceName: '' }),
      creation({ resourceType: Res.CLUSTER, resourceName: 'not-the-cluster' }),
      creation({ principal: 'alice' }),
      creation({ resourceType: 99 }),
    ]);
    expect(response.results[0]).toEqual({ errorCode: 0, errorMessage: null });
    expect(response.results.slice(1).map((r) => r.errorCode)).toEqual(Array(10).fill(ErrorCode.INVALID_REQUEST));
    expect(response.results.slice(1, 6).map((r) => r.errorMessage)).toEqual([
      'Invalid resourceType ANY', 'Invalid resourceType UNKNOWN', 'Invalid patternType MATCH', 'Invalid patternType ANY', 'Invalid operation ANY',
    ]);
    const all = await describeAcls(running.client, 3, { resourceTypeFilter: Res.ANY });
    expect(all.resources.some((r) => r.resourceName === 'not-the-cluster' || r.resourceName === '')).toBe(false);
  });

  it('creating an existing ACL succeeds without a second copy', async () => {
    const acl = creation({ resourceName: 'twice', operation: Op.WRITE });
    await createAcls(running.client, 3, [acl]);
    expect((await createAcls(running.client, 3, [acl, acl])).results).toEqual([{ errorCode: 0, errorMessage: null }, { errorCode: 0, errorMessage: null }]);
    const described = await describeAcls(running.client, 3, { resourceNameFilter: 'twice' });
    expect(described.resources[0]!.acls).toHaveLength(1);
  });
});

describe('CreateAcls without an authorizer', () => {
  const running = useAclBroker({});
  it.each([0, 1, 2, 3])('v%i answers SECURITY_DISABLED for every creation', async (version) => {
    const response = await createAcls(running.client, version, [creation(), creation({ resourceName: 'b' })]);
    expect(response.results).toEqual(Array(2).fill({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' }));
  });
});

describe('ACLs in the metadata log', () => {
  it('survive a restart of an on-disk broker', async () => {
    const dataDir = tempDataDir();
    const first = await startBroker({ dataDir, overrides: WITH_AUTHORIZER });
    let client = await RawClient.connect(first.port);
    await createAcls(client, 3, [creation({ resourceName: 'kept', resourcePatternType: Pat.PREFIXED, permissionType: Perm.DENY })]);
    client.close();
    await first.stop();
    const second = await startBroker({ dataDir, overrides: WITH_AUTHORIZER });
    try {
      client = await RawClient.connect(second.port);
      const described = await describeAcls(client, 3, {});
      expect(described.resources).toEqual([{ resourceType: Res.TOPIC, resourceName: 'kept', patternType: Pat.PREFIXED, acls: [{ principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.DENY }] }]);
      client.close();
    } finally {
      await second.stop();
    }
  }, 30_000);
});

describe('CreateAcls on a single node without super users', () => {
  // Kafka exempts no listener: on one node the PLAINTEXT listener is where clients connect, so
  // its User:ANONYMOUS is an ordinary principal (only a cluster's node-to-node traffic is exempt).
  const running = useAclBroker({ 'authorizer.class.name': WITH_AUTHORIZER['authorizer.class.name'] });

  it('refuses an anonymous PLAINTEXT client without ALTER on the cluster', async () => {
    const response = await createAcls(running.client, 3, [creation({ resourceName: 'not-mine' })]);
    expect(response.results.map((r) => r.errorCode)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
  });
});
