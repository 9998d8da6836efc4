import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { scramUpsertion } from '../../../src/security/scram.js';
import { alter, describeUsers, useBrokerAndClient } from './scram-requests.js';

describe('DescribeUserScramCredentials v0', () => {
  const running = useBrokerAndClient();

  it('with no users, or null, lists every user that has a credential, sorted; empty before any', async () => {
    expect((await describeUsers(running.client, null)).results).toEqual([]);
    await alter(running.client, [], [scramUpsertion('zed', 'SCRAM-SHA-512', 'pw'), scramUpsertion('amy', 'SCRAM-SHA-256', 'pw')]);
    for (const users of [null, []]) {
      const response = await describeUsers(running.client, users);
      expect(response.errorCode).toBe(0);
      expect(response.results.map((r) => [r.user, r.credentialInfos])).toEqual([
        ['amy', [{ mechanism: 1, iterations: 4096 }]],
        ['zed', [{ mechanism: 2, iterations: 4096 }]],
      ]);
    }
  });

  it('answers RESOURCE_NOT_FOUND for a user without credentials and DUPLICATE_RESOURCE for a user asked twice', async () => {
    const response = await describeUsers(running.client, ['amy', 'nobody', 'zed', 'zed']);
    expect(response.results).toEqual([
      { user: 'amy', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] },
      { user: 'zed', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] },
    ]);
  });
});
