// The authorizer on APIs kafkajs does not speak, over a real SASL listener: SCRAM credential
// admin, the ACL APIs at every version, a node-to-node API, and the Metadata listing.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { VoteRequest, createVoteRequest } from '../../../protocol/generated/message/vote-request.js';
import { VoteResponse } from '../../../protocol/generated/message/vote-response.js';
import { STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { scramUpsertion } from '../../../src/security/scram.js';
import { AclOperation, PatternType } from '../../../src/security/acl.js';
import { alter, describeUsers } from '../handlers/scram-requests.js';
import { createAcls, creation, deleteAcls, deleteFilter, describeAcls } from '../handlers/acl-requests.js';
import { ZERO_UUID } from '../../../protocol/runtime/index.js';
import { DescribeTopicPartitionsRequest } from '../../../protocol/generated/message/describe-topic-partitions-request.js';
import { DescribeTopicPartitionsResponse } from '../../../protocol/generated/message/describe-topic-partitions-response.js';
import { DescribeLogDirsRequest } from '../../../protocol/generated/message/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../../../protocol/generated/message/describe-log-dirs-response.js';
import { ListTransactionsRequest } from '../../../protocol/generated/message/list-transactions-request.js';
import { ListTransactionsResponse } from '../../../protocol/generated/message/list-transactions-response.js';
import { Kafka, logLevel } from 'kafkajs';
import { MetadataRequest } from '../../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../../protocol/generated/message/metadata-response.js';
import { authenticate, handshake, plainToken, rawClientOn, type RawClient } from './sasl-raw.js';
import { useSecureBroker, USERS } from './secure-broker.js';

const broker = useSecureBroker({ 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, 'super.users': 'User:alice' });

async function loggedIn(user: keyof typeof USERS): Promise<RawClient> {
  const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
  await handshake(client, 'PLAIN');
  expect((await authenticate(client, plainToken(user, USERS[user]))).errorCode).toBe(0);
  return client;
}

/** Metadata v12 for the named topics (auto-creation allowed), or for all topics. */
function metadata(client: RawClient, names: string[] | null): Promise<MetadataResponse> {
  const topics = names?.map((name) => ({ name, topicId: ZERO_UUID })) ?? null;
  return client.request(ApiKey.Metadata, 12, MetadataRequest, { ...MetadataRequest.defaults(), topics, allowAutoTopicCreation: true }, MetadataResponse);
}

describe('authorization of the admin and node-to-node APIs', () => {
  it('SCRAM credential admin needs ALTER / DESCRIBE on the cluster', async () => {
    const bob = await loggedIn('bob');
    const alice = await loggedIn('alice');
    try {
      expect((await alter(bob, [], [scramUpsertion('carol', 'SCRAM-SHA-256', 'pw')])).results).toEqual([{ user: 'carol', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }]);
      expect((await describeUsers(bob, null)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      expect((await alter(alice, [], [scramUpsertion('carol', 'SCRAM-SHA-256', 'pw')])).results[0]!.errorCode).toBe(0);
      expect((await describeUsers(alice, ['carol'])).results[0]!.errorCode).toBe(0);
    } finally {
      bob.close();
      alice.close();
    }
  });

  it.each([0, 1, 2, 3])('ACL APIs v%i refuse a principal without cluster permissions', async (version) => {
    const bob = await loggedIn('bob');
    try {
      expect((await describeAcls(bob, version, { patternTypeFilter: PatternType.LITERAL })).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      expect((await createAcls(bob, version, [creation()])).results).toEqual([{ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }]);
      expect((await deleteAcls(bob, version, [deleteFilter({ patternTypeFilter: PatternType.LITERAL })])).filterResults[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      bob.close();
    }
  });

  it('a node-to-node API from a client principal is CLUSTER_AUTHORIZATION_FAILED', async () => {
    const bob = await loggedIn('bob');
    try {
      const response = await bob.request(ApiKey.Vote, 0, VoteRequest, createVoteRequest({ clusterId: null, topics: [] }), VoteResponse);
      expect(response.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      bob.close();
    }
  });

  it('a full Metadata listing leaves out topics the principal may not DESCRIBE', async () => {
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');
    try {
      // Named by alice with auto-creation on: the super user creates it.
      expect((await metadata(alice, ['listed-only-for-alice'])).topics[0]!.errorCode).toBe(0);
      expect((await metadata(alice, null)).topics.map((t) => t.name)).toContain('listed-only-for-alice');
      expect((await metadata(bob, null)).topics.map((t) => t.name)).not.toContain('listed-only-for-alice');
      const named = await metadata(bob, ['listed-only-for-alice']);
      expect(named.topics.map((t) => [t.name, t.errorCode])).toEqual([['listed-only-for-alice', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('Metadata auto-creation needs CREATE on the cluster or on the topic', async () => {
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');
    try {
      const allow = (operation: number, resourceName: string) =>
        createAcls(alice, 3, [creation({ resourceName, resourcePatternType: PatternType.PREFIXED, principal: 'User:bob', operation })]);
      await allow(AclOperation.DESCRIBE, 'bob-auto');
      expect((await metadata(bob, ['bob-auto-1'])).topics.map((t) => t.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
      await allow(AclOperation.CREATE, 'bob-auto');
      expect((await metadata(bob, ['bob-auto-1'])).topics.map((t) => t.errorCode)).toEqual([0]);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('DescribeTopicPartitions needs DESCRIBE on each topic, DescribeLogDirs DESCRIBE on the cluster', async () => {
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');
    try {
      await metadata(alice, ['partitions-for-alice']);
      const describe = (client: RawClient, names: string[]) =>
        client.request(ApiKey.DescribeTopicPartitions, 0, DescribeTopicPartitionsRequest, { topics: names.map((name) => ({ name })), responsePartitionLimit: 100, cursor: null }, DescribeTopicPartitionsResponse);
      expect((await describe(bob, ['partitions-for-alice'])).topics.map((t) => t.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
      expect((await describe(bob, [])).topics.map((t) => t.name)).not.toContain('partitions-for-alice');
      expect((await describe(alice, ['partitions-for-alice'])).topics.map((t) => t.errorCode)).toEqual([0]);
      const logDirs = (client: RawClient) => client.request(ApiKey.DescribeLogDirs, 4, DescribeLogDirsRequest, { topics: null }, DescribeLogDirsResponse);
      expect((await logDirs(bob)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      expect((await logDirs(alice)).errorCode).toBe(0);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('ListTransactions lists only the transactional ids the principal may DESCRIBE', async () => {
    const kafka = new Kafka({ brokers: [broker.current.address('SASL_PLAINTEXT')], sasl: { mechanism: 'plain', username: 'alice', password: USERS.alice }, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: 'alice-tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const alice = await loggedIn('alice');
    const bob = await loggedIn('bob');
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'alice-txn-topic', messages: [{ value: 'v' }] });
      const list = async (client: RawClient) =>
        (await client.request(ApiKey.ListTransactions, 1, ListTransactionsRequest, { stateFilters: [], producerIdFilters: [], durationFilter: -1n }, ListTransactionsResponse)).transactionStates.map((t) => t.transactionalId);
      expect(await list(alice)).toContain('alice-tx');
      expect(await list(bob)).not.toContain('alice-tx');
      await txn.abort();
    } finally {
      alice.close();
      bob.close();
      await producer.disconnect();
    }
  }, 30_000);
});
