import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { JoinGroupRequest } from '../../protocol/generated/message/join-group-request.js';
import { JoinGroupResponse } from '../../protocol/generated/message/join-group-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler, ClientConnection } from './types.js';

/** Kafka reports a member's host as the InetAddress string, "/" + address. */
export function clientHost(connection: ClientConnection): string {
  return `/${connection.remoteAddress}`;
}

export function createJoinGroupHandler(services: BrokerServices): ApiHandler<JoinGroupRequest, JoinGroupResponse> {
  return {
    apiKey: ApiKey.JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const v = context.apiVersion;
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const refused = JoinGroupResponse.defaults();
        refused.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        refused.memberId = request.memberId;
        refused.protocolName = v >= 7 ? null : '';
        return refused;
      }
      const outcome = await services.groups.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: v >= 5 ? request.groupInstanceId : null,
        clientId: context.clientId ?? '',
        clientHost: clientHost(context.connection),
        sessionTimeoutMs: request.sessionTimeoutMs,
        // v0 has no rebalance timeout: Kafka waits the session timeout for rejoins.
        rebalanceTimeoutMs: v >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        requireKnownMemberId: v >= 4,
        apiVersion: v,
      });
      const response = JoinGroupResponse.defaults();
      response.errorCode = outcome.errorCode;
      response.generationId = outcome.generationId;
      response.protocolType = v >= 7 ? outcome.protocolType : null;
      response.protocolName = v >= 7 ? outcome.protocolName : outcome.protocolName ?? '';
      response.leader = outcome.leader;
      response.skipAssignment = v >= 9 ? outcome.skipAssignment : false;
      response.memberId = outcome.memberId;
      response.members = outcome.members.map((m) => ({ memberId: m.memberId, groupInstanceId: v >= 5 ? m.groupInstanceId : null, metadata: m.metadata }));
      return response;
    },
  };
}
