import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FindCoordinatorRequest } from '../../protocol/generated/message/find-coordinator-request.js';
import { FindCoordinatorResponse, type FindCoordinatorResponseCoordinator } from '../../protocol/generated/message/find-coordinator-response.js';
import type { BrokerServices } from './services.js';
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
    if (keyType === KeyType.GROUP) errorCode = services.groups.coordinatorError(key);
    // This node coordinates every transactional id; the transaction coordinator sets up its own log.
    else if (keyType === KeyType.TRANSACTION) errorCode = ErrorCode.NONE;
    else if (keyType === KeyType.SHARE) return answer(ErrorCode.INVALID_REQUEST, 'Share groups are not enabled on this broker.');
    else return answer(ErrorCode.INVALID_REQUEST, `Unknown coordinator type ${keyType}`);
    if (errorCode !== ErrorCode.NONE) return answer(errorCode);
    const self = services.brokerEndpoints(context.connection.listenerName).find((e) => e.nodeId === services.nodeId);
    if (self === undefined) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { key, nodeId: self.nodeId, host: self.host, port: self.port, errorCode: ErrorCode.NONE, errorMessage: null };
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
