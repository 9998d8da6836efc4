import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { VoteResponse } from '../../../protocol/generated/message/vote-response.js';
import { requireClusterPermission } from '../../../src/handlers/authorization.js';
import type { BrokerServices } from '../../../src/handlers/services.js';
import type { ApiHandler, RequestContext } from '../../../src/handlers/types.js';
import { AclOperation } from '../../../src/security/acl.js';
import { AclStore } from '../../../src/security/acl-store.js';
import { authorizerSettings, StandardAuthorizer, STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';

const log = pino({ level: 'silent' });
const context = (principal: string, listenerName: string): RequestContext => ({
  apiKey: ApiKey.Vote, apiVersion: 1, correlationId: 1, clientId: null, principal, log,
  connection: { id: 'c', listenerName, securityProtocol: 'PLAINTEXT', remoteAddress: '127.0.0.1', log },
});
const vote: ApiHandler<unknown, VoteResponse> = { apiKey: ApiKey.Vote, minVersion: 0, maxVersion: 1, handle: () => VoteResponse.defaults() };

describe('node-to-node APIs need a cluster permission', () => {
  const settings = authorizerSettings(new Map([['authorizer.class.name', STANDARD_AUTHORIZER_CLASS]]), ['CONTROLLER'])!;
  const secured = { authorizer: new StandardAuthorizer(new AclStore(), settings) } as unknown as BrokerServices;

  it('a client principal without CLUSTER_ACTION gets CLUSTER_AUTHORIZATION_FAILED', async () => {
    const handler = requireClusterPermission(secured, AclOperation.CLUSTER_ACTION, vote);
    expect(handler).toMatchObject({ apiKey: ApiKey.Vote, minVersion: 0, maxVersion: 1 });
    expect(((await handler.handle({}, context('User:bob', 'SASL_PLAINTEXT'))) as VoteResponse).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('nodes on the controller listener, and every caller without an authorizer, reach the handler', async () => {
    expect(((await requireClusterPermission(secured, AclOperation.CLUSTER_ACTION, vote).handle({}, context('User:ANONYMOUS', 'CONTROLLER'))) as VoteResponse).errorCode).toBe(0);
    const open = {} as BrokerServices;
    expect(((await requireClusterPermission(open, AclOperation.CLUSTER_ACTION, vote).handle({}, context('User:bob', 'SASL_PLAINTEXT'))) as VoteResponse).errorCode).toBe(0);
  });
});
