// ACL changes sent to a node that is not the active controller are forwarded (CreateAcls v3,
// DeleteAcls v3) and reach every node's image; a cluster with an authorizer keeps working
// because its nodes talk to each other as ANONYMOUS on the internal listeners.
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import { startFastCluster } from '../../replication/fast-cluster.js';
import { eventually } from '../../../helpers/eventually.js';
import { RawClient } from '../../broker/raw-client.js';
import { createAcls, creation, deleteAcls, deleteFilter, describeAcls, WITH_AUTHORIZER } from '../../handlers/acl-requests.js';
import { planCreateAcls, planDeleteAcls } from '../../../../src/metadata/controller/acls.js';
import { AclStore } from '../../../../src/security/acl-store.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res, type AclBinding } from '../../../../src/security/acl.js';
import { MetadataRecordType } from '../../../../protocol/generated/metadata-records.js';

const binding = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: Res.TOPIC, resourceName: 't', patternType: Pat.LITERAL, principal: 'User:a', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...over,
});

describe('ACL plans', () => {
  it('one record per new ACL; existing and repeated ones succeed without a record', () => {
    const store = new AclStore();
    store.add({ id: 'x', ...binding() });
    const { records, results } = planCreateAcls([binding(), binding({ operation: Op.WRITE }), binding({ operation: Op.WRITE }), binding({ host: '' , resourceName: '' })], store);
    expect(records.map((r) => r.type)).toEqual([MetadataRecordType.AccessControlEntry]);
    expect(results.map((r) => r.errorCode)).toEqual([0, 0, 0, 42]);
  });

  it('an ACL matched by two filters is removed once and reported by both', () => {
    const store = new AclStore();
    store.add({ id: 'x', ...binding() });
    const { records, results } = planDeleteAcls([deleteFilterOf({}), deleteFilterOf({ resourceName: 't' })], store);
    expect(records).toEqual([{ type: MetadataRecordType.RemoveAccessControlEntry, version: 0, data: { id: 'x' } }]);
    expect(results.map((r) => r.matching.length)).toEqual([1, 1]);
  });
});

function deleteFilterOf(over: { resourceName?: string }) {
  return { resourceType: Res.ANY, resourceName: over.resourceName ?? null, patternType: Pat.ANY, principal: null, host: null, operation: Op.ANY, permissionType: Perm.ANY };
}

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('ACLs on a cluster with StandardAuthorizer', () => {
  it('are created and deleted through any node, and inter-node traffic still works', async () => {
    // No super users: replication, forwarding and this PLAINTEXT client ride on the cluster's
    // exemption of unauthenticated node-to-node listeners.
    cluster = await startFastCluster({ 'authorizer.class.name': WITH_AUTHORIZER['authorizer.class.name'] });
    const brokers = cluster.brokers;
    await eventually('a controller is elected', () => brokers.find((b) => b.quorum.isLeader));
    const follower = brokers.find((b) => !b.quorum.isLeader)!;
    const client = await RawClient.connect(follower.endpoint().port);
    try {
      const created = await createAcls(client, 3, [creation({ resourceName: 'shared', resourcePatternType: Pat.PREFIXED }), creation({ resourceType: Res.ANY })]);
      expect(created.results.map((r) => r.errorCode)).toEqual([0, 42]);
      await eventually('every node has the ACL', () => brokers.every((b) => b.image.acls.size === 1) || undefined);
      expect((await describeAcls(client, 3)).resources.map((r) => r.resourceName)).toEqual(['shared']);
      const deleted = await deleteAcls(client, 3, [deleteFilter()]);
      expect(deleted.filterResults[0]!.matchingAcls.map((a) => a.resourceName)).toEqual(['shared']);
      await eventually('every node dropped the ACL', () => brokers.every((b) => b.image.acls.size === 0) || undefined);
    } finally {
      client.close();
    }
    // Replicated acks=all writes need replica fetches and AlterPartition between the nodes.
    const kafka = new Kafka({ clientId: 'acl-cluster', brokers: brokers.map((b) => `${b.endpoint().host}:${b.endpoint().port}`), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'replicated', acks: -1, messages: [{ value: 'v' }] });
    await producer.disconnect();
    expect(sent!.errorCode).toBe(0);
  }, 60_000);
});
