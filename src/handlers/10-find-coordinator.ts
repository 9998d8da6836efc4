import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FindCoordinatorRequest } from '../../protocol/generated/message/find-coordinator-request.js';
import { FindCoordinatorResponse, type FindCoordinatorResponseCoordinator } from '../../protocol/generated/message/find-coordinator-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import { OFFSETS_TOPIC } from '../coordinator/group/partition-for.js';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/txn/txn-metadata.js';
import type { ApiHandler, RequestContext } from './types.js';

/** FindCoordinator key types (v1+). */
const KeyType = { GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const;

const MESSAGES: Partial<Record<number, string>> = {
  [ErrorCode.COORDINATOR_NOT_AVAILABLE]: 'The coordinator is not available.',
  [ErrorCode.INVALID_REQUEST]: 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker.',
};

export function createFindCoordinatorHandler(services: BrokerServices): ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> {
  function lookup(key: string, keyType: number, context: RequestContext): FindCoordinatorResponseCoordinator {
    const answer = (errorCode: number, errorMessage: string | null = MESSAGES[errorCode] ?? null): FindCoordinatorResponseCoordinator => ({
      key, nodeId: -1, host: '', port: -1, errorCode, errorMessage,
    });
    let errorCode: number;
    // The coordinator is the leader of the key's internal partition (it moves with that leader).
    let coordinatorId = services.nodeId;
    // DESCRIBE on the group or transactional id the client asks about.
    if (keyType === KeyType.GROUP && !authorized(services, context, AclOperation.DESCRIBE, ResourceType.GROUP, key)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (keyType === KeyType.TRANSACTION && !authorized(services, context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (keyType === KeyType.GROUP) {
      errorCode = services.groups.coordinatorError(key);
      coordinatorId = services.metadata.topic(OFFSETS_TOPIC)?.partitions.get(services.groups.partitionFor(key))?.leader ?? -1;
    } else if (keyType === KeyType.TRANSACTION) {
      // Until __transaction_state exists this node answers: the transaction coordinator creates it on first need.
      errorCode = ErrorCode.NONE;
      const topic = services.metadata.topic(TRANSACTION_STATE_TOPIC);
      if (topic !== undefined) coordinatorId = topic.partitions.get(services.txnCoordinator.partitionFor(key))?.leader ?? -1;
    } else if (keyType === KeyType.SHARE) return answer(ErrorCode.INVALID_REQUEST, 'Share groups are not enabled on this broker.');
    else return answer(ErrorCode.INVALID_REQUEST, `Unknown coordinator type ${keyType}`);
    if (errorCode !== ErrorCode.NONE) return answer(errorCode);
    const coordinator = services.brokerEndpoints(context.connection.listenerName).find((e) => e.nodeId === coordinatorId);
    if (coordinator === undefined) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { key, nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port, errorCode: ErrorCode.NONE, errorMessage: null };
  }

  return {
    apiKey: ApiKey.FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    handle(request, context) {
      const response = FindCoordinatorResponse.defaults();
      if (context.apiVersion >= 4) {
        response.coordinators = request.coordinatorKeys.map((key) => lookup(key, request.keyType, context));
        return response;
      }
      const one = lookup(request.key, context.apiVersion >= 1 ? request.keyType : KeyType.GROUP, context);
      response.errorCode = one.errorCode;
      response.errorMessage = context.apiVersion >= 1 ? one.errorMessage : null;
      response.nodeId = one.nodeId;
      response.host = one.host;
      response.port = one.port;
      return response;
    },
  };
}
