import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { startBroker } from '../../../src/index.js';
import { scramUpsertion } from '../../../src/security/scram.js';
import { RawClient } from '../broker/raw-client.js';
import { tempDataDir } from '../../helpers/broker-process.js';
import { alter, describeUsers, useBrokerAndClient } from './scram-requests.js';

describe('AlterUserScramCredentials v0', () => {
  const running = useBrokerAndClient();

  it('upserts credentials per user, and DescribeUserScramCredentials sees their mechanisms and iterations', async () => {
    const response = await alter(running.client, [], [scramUpsertion('ann', 'SCRAM-SHA-256', 'pw'), scramUpsertion('ann', 'SCRAM-SHA-512', 'pw', 8192), scramUpsertion('ben', 'SCRAM-SHA-512', 'pw')]);
    expect(response.results).toEqual([
      { user: 'ann', errorCode: 0, errorMessage: null },
      { user: 'ben', errorCode: 0, errorMessage: null },
    ]);
    const described = await describeUsers(running.client, ['ann']);
    expect(described.results).toEqual([{ user: 'ann', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] }]);
  });

  it('deletes a credential; deleting one that does not exist is RESOURCE_NOT_FOUND', async () => {
    await alter(running.client, [], [scramUpsertion('cid', 'SCRAM-SHA-256', 'pw')]);
    expect((await alter(running.client, [{ name: 'cid', mechanism: 1 }], [])).results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await describeUsers(running.client, ['cid'])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
    expect((await alter(running.client, [{ name: 'cid', mechanism: 1 }], [])).results[0]).toEqual({
      user: 'cid',
      errorCode: ErrorCode.RESOURCE_NOT_FOUND,
      errorMessage: 'Attempt to delete a user credential that does not exist',
    });
  });

  it.each([
    ['an unknown mechanism', { ...scramUpsertion('dan', 'SCRAM-SHA-256', 'pw'), mechanism: 7 }, ErrorCode.UNSUPPORTED_SASL_MECHANISM],
    ['too few iterations', { ...scramUpsertion('dan', 'SCRAM-SHA-256', 'pw'), iterations: 1000 }, ErrorCode.UNACCEPTABLE_CREDENTIAL],
    ['too many iterations', { ...scramUpsertion('dan', 'SCRAM-SHA-256', 'pw'), iterations: 20000 }, ErrorCode.UNACCEPTABLE_CREDENTIAL],
    ['an empty user name', scramUpsertion('', 'SCRAM-SHA-256', 'pw'), ErrorCode.UNACCEPTABLE_CREDENTIAL],
    ['an empty salt', { ...scramUpsertion('dan', 'SCRAM-SHA-256', 'pw'), salt: Buffer.alloc(0) }, ErrorCode.UNACCEPTABLE_CREDENTIAL],
  ])('refuses %s and stores nothing for that user', async (_why, upsertion, errorCode) => {
    const response = await alter(running.client, [], [upsertion]);
    expect(response.results[0]!.errorCode).toBe(errorCode);
    expect((await describeUsers(running.client, [upsertion.name || 'dan'])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
  });

  it('refuses the same user and mechanism twice in one request, and applies none of that user', async () => {
    const response = await alter(running.client, [{ name: 'eve', mechanism: 1 }], [scramUpsertion('eve', 'SCRAM-SHA-256', 'pw'), scramUpsertion('fay', 'SCRAM-SHA-256', 'pw')]);
    expect(response.results).toEqual([
      { user: 'eve', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' },
      { user: 'fay', errorCode: 0, errorMessage: null },
    ]);
    expect((await describeUsers(running.client, ['eve'])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
  });
});

describe('SCRAM credentials in the metadata log', () => {
  it('survive a restart of an on-disk broker', async () => {
    const dataDir = tempDataDir();
    const first = await startBroker({ dataDir });
    const client = await RawClient.connect(first.port);
    await alter(client, [], [scramUpsertion('gus', 'SCRAM-SHA-512', 'pw')]);
    client.close();
    await first.stop();
    const second = await startBroker({ dataDir });
    try {
      const again = await RawClient.connect(second.port);
      expect((await describeUsers(again, null)).results).toEqual([{ user: 'gus', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] }]);
      again.close();
    } finally {
      await second.stop();
    }
  }, 30_000);
});
