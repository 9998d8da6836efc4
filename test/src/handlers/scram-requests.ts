// AlterUserScramCredentials and DescribeUserScramCredentials over a RawClient, for the handler tests.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { AlterUserScramCredentialsRequest } from '../../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../../../protocol/generated/message/alter-user-scram-credentials-response.js';
import { DescribeUserScramCredentialsRequest } from '../../../protocol/generated/message/describe-user-scram-credentials-request.js';
import { DescribeUserScramCredentialsResponse } from '../../../protocol/generated/message/describe-user-scram-credentials-response.js';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { RawClient } from '../broker/raw-client.js';

export function alter(client: RawClient, deletions: AlterUserScramCredentialsRequest['deletions'], upsertions: AlterUserScramCredentialsRequest['upsertions']) {
  return client.request(ApiKey.AlterUserScramCredentials, 0, AlterUserScramCredentialsRequest, { deletions, upsertions }, AlterUserScramCredentialsResponse);
}

export function describeUsers(client: RawClient, users: string[] | null) {
  return client.request(ApiKey.DescribeUserScramCredentials, 0, DescribeUserScramCredentialsRequest, { users: users?.map((name) => ({ name })) ?? null }, DescribeUserScramCredentialsResponse);
}

/** An in-memory broker and a RawClient on it for the file's tests; read the fields inside tests. */
export function useBrokerAndClient(): { broker: RunningBroker; client: RawClient } {
  const holder = {} as { broker: RunningBroker; client: RawClient };
  beforeAll(async () => {
    holder.broker = await startBroker();
    holder.client = await RawClient.connect(holder.broker.port);
  });
  afterAll(async () => {
    holder.client?.close();
    await holder.broker?.stop();
  });
  return holder;
}
