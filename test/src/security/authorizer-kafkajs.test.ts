// The authorizer end to end: kafkajs over a SASL listener, ACLs managed with kafkajs' admin
// client by a super user, enforced on another user's produce and consume.
import { describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type SASLOptions } from 'kafkajs';
import { STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { useSecureBroker, USERS } from './secure-broker.js';

const broker = useSecureBroker({ 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, 'super.users': 'User:alice' });

const as = (user: keyof typeof USERS, retries = 0): Kafka =>
  new Kafka({
    clientId: `acl-${user}`,
    brokers: [broker.current.address('SASL_PLAINTEXT')],
    sasl: { mechanism: 'scram-sha-256', username: user, password: USERS[user] } as SASLOptions,
    logLevel: logLevel.NOTHING,
    retry: { retries },
  });

const bobWrite = (topic: string, permissionType: AclPermissionTypes = AclPermissionTypes.ALLOW, resourcePatternType: ResourcePatternTypes = ResourcePatternTypes.LITERAL) => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType,
  principal: 'User:bob',
  host: '*',
  operation: AclOperationTypes.WRITE,
  permissionType,
});

/** The error type kafkajs reports for one send by bob, or 'ok'. */
async function bobSends(topic: string): Promise<string> {
  const producer = as('bob').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'v' }] });
    return 'ok';
  } catch (error) {
    const e = error as { type?: string; cause?: { type?: string } };
    return e.type ?? e.cause?.type ?? String(error);
  } finally {
    await producer.disconnect();
  }
}

/** The error type that stops bob's group consumer, or 'ok' once it reads a message. */
async function bobConsumes(topic: string, groupId: string): Promise<string> {
  const consumer = as('bob').consumer({ groupId, retry: { retries: 0 } });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string>((resolve) => {
      consumer.on(consumer.events.CRASH, (event) => {
        const error = event.payload.error as { type?: string };
        resolve(error.type ?? String(error));
      });
      consumer.run({ eachMessage: async () => resolve('ok') }).catch((error: { type?: string }) => resolve(error.type ?? String(error)));
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('StandardAuthorizer over SASL with kafkajs', () => {
  it('a super user manages ACLs; WRITE is needed to produce, DENY wins, prefixed ACLs apply', async () => {
    const admin = as('alice').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: ['acl-orders', 'pre-x', 'other'].map((topic) => ({ topic, numPartitions: 1 })) });
      expect(await bobSends('acl-orders')).toBe('TOPIC_AUTHORIZATION_FAILED');

      await admin.createAcls({ acl: [bobWrite('acl-orders')] });
      expect(await bobSends('acl-orders')).toBe('ok');

      await admin.createAcls({ acl: [bobWrite('acl-', AclPermissionTypes.DENY, ResourcePatternTypes.PREFIXED)] });
      expect(await bobSends('acl-orders')).toBe('TOPIC_AUTHORIZATION_FAILED');

      await admin.createAcls({ acl: [bobWrite('pre-', AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED)] });
      expect(await bobSends('pre-x')).toBe('ok');
      expect(await bobSends('other')).toBe('TOPIC_AUTHORIZATION_FAILED');

      const described = await admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
        principal: 'User:bob',
      });
      expect(described.resources.map((r) => `${r.resourceName}/${r.resourcePatternType}`).sort()).toEqual(['acl-/4', 'acl-orders/3', 'pre-/4']);

      const deleted = await admin.deleteAcls({ filters: [{ ...bobWrite('acl-', AclPermissionTypes.DENY, ResourcePatternTypes.PREFIXED) }] });
      expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
      expect(await bobSends('acl-orders')).toBe('ok');
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('consuming in a group needs READ on the topic and on the group', async () => {
    const admin = as('alice').admin();
    await admin.connect();
    const producer = as('alice').producer();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 1 }] });
      await producer.send({ topic: 'grouped', messages: [{ value: 'm' }] });
      // Asked by a super user (with retries) first, the coordinator creates __consumer_offsets.
      const warm = as('alice', 5).admin();
      await warm.connect();
      await warm.describeGroups(['warm-up']);
      await warm.disconnect();
      const bobMay = (operation: AclOperationTypes, resourceType: AclResourceTypes, resourceName: string, resourcePatternType = ResourcePatternTypes.LITERAL) => ({
        resourceType, resourceName, resourcePatternType, principal: 'User:bob', host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
      });
      const bobReads = (resourceType: AclResourceTypes, resourceName: string, pattern?: ResourcePatternTypes) => bobMay(AclOperationTypes.READ, resourceType, resourceName, pattern);
      await admin.createAcls({ acl: [bobReads(AclResourceTypes.TOPIC, 'grouped')] });
      // FindCoordinator refuses without DESCRIBE on the group; kafkajs reports that as no coordinator found.
      expect(await bobConsumes('grouped', 'bob-group')).toBe('KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator');
      // DESCRIBE finds the coordinator; joining needs READ.
      await admin.createAcls({ acl: [bobMay(AclOperationTypes.DESCRIBE, AclResourceTypes.GROUP, 'bob-group')] });
      expect(await bobConsumes('grouped', 'bob-group')).toBe('GROUP_AUTHORIZATION_FAILED');
      await admin.createAcls({ acl: [bobReads(AclResourceTypes.GROUP, 'bob-', ResourcePatternTypes.PREFIXED)] });
      expect(await bobConsumes('grouped', 'bob-group')).toBe('ok');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 60_000);

  it('without ALTER on the cluster, CreateAcls is CLUSTER_AUTHORIZATION_FAILED', async () => {
    const admin = as('bob').admin();
    await admin.connect();
    try {
      await expect(admin.createAcls({ acl: [bobWrite('mine')] })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
      await expect(admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    } finally {
      await admin.disconnect();
    }
  }, 30_000);

  it('topic admin and configs need CREATE, DELETE and ALTER_CONFIGS / DESCRIBE_CONFIGS', async () => {
    const alice = as('alice').admin();
    const bob = as('bob').admin();
    await alice.connect();
    await bob.connect();
    const allowBob = (operation: AclOperationTypes, resourceType: AclResourceTypes, resourceName: string, resourcePatternType = ResourcePatternTypes.LITERAL) =>
      alice.createAcls({ acl: [{ resourceType, resourceName, resourcePatternType, principal: 'User:bob', host: '*', operation, permissionType: AclPermissionTypes.ALLOW }] });
    try {
      await expect(bob.createTopics({ waitForLeaders: false, topics: [{ topic: 'bob-made' }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })] });
      await allowBob(AclOperationTypes.CREATE, AclResourceTypes.TOPIC, 'bob-', ResourcePatternTypes.PREFIXED);
      expect(await bob.createTopics({ waitForLeaders: false, topics: [{ topic: 'bob-made' }] })).toBe(true);

      await expect(bob.deleteTopics({ topics: ['bob-made'] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });

      const resources = [{ type: 2, name: 'bob-made' }];
      await expect(bob.describeConfigs({ resources, includeSynonyms: false })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      // ALTER_CONFIGS implies DESCRIBE_CONFIGS.
      await allowBob(AclOperationTypes.ALTER_CONFIGS, AclResourceTypes.TOPIC, 'bob-made');
      const described = await bob.describeConfigs({ resources, includeSynonyms: false });
      expect(described.resources[0]!.errorCode).toBe(0);
      await bob.alterConfigs({ validateOnly: false, resources: [{ ...resources[0]!, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
      await expect(bob.describeConfigs({ resources: [{ type: 4, name: '1' }], includeSynonyms: false })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });

      await allowBob(AclOperationTypes.DELETE, AclResourceTypes.TOPIC, 'bob-made');
      await bob.deleteTopics({ topics: ['bob-made'] });
    } finally {
      await bob.disconnect();
      await alice.disconnect();
    }
  }, 60_000);

  it('transactional producers need WRITE on their transactional id; idempotent ones WRITE on some topic', async () => {
    const admin = as('alice').admin();
    await admin.connect();
    const allowBob = (operation: AclOperationTypes, resourceType: AclResourceTypes, resourceName: string) =>
      admin.createAcls({ acl: [{ resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob', host: '*', operation, permissionType: AclPermissionTypes.ALLOW }] });
    try {
      await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 1 }] });
      await allowBob(AclOperationTypes.WRITE, AclResourceTypes.TOPIC, 'txn-out');
      const idempotent = as('bob', 3).producer({ idempotent: true, maxInFlightRequests: 1 });
      await idempotent.connect();
      await idempotent.send({ topic: 'txn-out', messages: [{ value: 'idempotent' }] });
      await idempotent.disconnect();

      // DESCRIBE lets FindCoordinator answer; InitProducerId needs WRITE.
      await allowBob(AclOperationTypes.DESCRIBE, AclResourceTypes.TRANSACTIONAL_ID, 'bob-tx');
      const refused = as('bob').producer({ transactionalId: 'bob-tx', maxInFlightRequests: 1, idempotent: true, retry: { retries: 1 } });
      await refused.connect();
      await expect(refused.transaction()).rejects.toMatchObject({ type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
      await refused.disconnect();

      await allowBob(AclOperationTypes.WRITE, AclResourceTypes.TRANSACTIONAL_ID, 'bob-tx');
      const producer = as('bob', 3).producer({ transactionalId: 'bob-tx', maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: 'txn-out', messages: [{ value: 'in-txn' }] });
      await txn.commit();
      await producer.disconnect();
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
