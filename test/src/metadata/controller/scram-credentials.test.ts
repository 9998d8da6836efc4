// SCRAM credentials through the controller: the records AlterUserScramCredentials becomes, and on
// a cluster the request forwarded from any node to the active controller and replicated to all.
import { afterEach, describe, expect, it } from 'vitest';
import { MetadataRecordType } from '../../../../protocol/generated/metadata-records.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import type { LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import { planScramAlterations } from '../../../../src/metadata/controller/scram-credentials.js';
import { MemoryScramCredentialStore } from '../../../../src/security/credential-store.js';
import { scramCredential, scramUpsertion } from '../../../../src/security/scram.js';
import { eventually } from '../../../helpers/eventually.js';
import { startFastCluster } from '../../replication/fast-cluster.js';
import { RawClient } from '../../broker/raw-client.js';
import { alter, describeUsers } from '../../handlers/scram-requests.js';

describe('planScramAlterations', () => {
  it('stores StoredKey and ServerKey derived from the salted password, never the salted password itself', () => {
    const upsertion = scramUpsertion('ann', 'SCRAM-SHA-256', 'pw');
    const { records, results } = planScramAlterations({ deletions: [], upsertions: [upsertion] }, new MemoryScramCredentialStore());
    expect(results).toEqual([{ user: 'ann', errorCode: 0, errorMessage: null }]);
    expect(records).toHaveLength(1);
    expect(records[0]!.type).toBe(MetadataRecordType.UserScramCredential);
    const expected = scramCredential('SCRAM-SHA-256', 'pw', 4096, upsertion.salt);
    expect(records[0]!.data).toEqual({ name: 'ann', mechanism: 1, salt: upsertion.salt, storedKey: expected.storedKey, serverKey: expected.serverKey, iterations: 4096 });
  });

  it('deletes an existing credential with a RemoveUserScramCredentialRecord', () => {
    const store = new MemoryScramCredentialStore();
    store.set('ann', 'SCRAM-SHA-512', scramCredential('SCRAM-SHA-512', 'pw'));
    const { records } = planScramAlterations({ deletions: [{ name: 'ann', mechanism: 2 }], upsertions: [] }, store);
    expect(records).toEqual([{ type: MetadataRecordType.RemoveUserScramCredential, version: 0, data: { name: 'ann', mechanism: 2 } }]);
  });
});

describe('AlterUserScramCredentials on a cluster', () => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('sent to a node that is not the active controller, is forwarded, committed and replicated to every node', async () => {
    cluster = await startFastCluster();
    const follower = cluster.brokers.find((b) => !b.quorum.isLeader)!;
    const client = await RawClient.connect(follower.endpoint().port);
    try {
      const response = await alter(client, [], [scramUpsertion('zoe', 'SCRAM-SHA-512', 'pw')]);
      expect(response.results).toEqual([{ user: 'zoe', errorCode: 0, errorMessage: null }]);
      for (const b of cluster.brokers) await eventually(`node ${b.config.nodeId} has zoe`, () => b.image.scramCredentials.scramCredential('zoe', 'SCRAM-SHA-512'));
      // The controller's own checks answer through the forwarding node.
      expect((await alter(client, [{ name: 'nobody', mechanism: 1 }], [])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
      expect((await describeUsers(client, ['zoe'])).results[0]!.credentialInfos).toEqual([{ mechanism: 2, iterations: 4096 }]);
    } finally {
      client.close();
    }
  }, 60_000);
});
