// BeginQuorumEpoch (53): a newly elected metadata quorum leader announces its epoch.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BeginQuorumEpochRequest } from '../../protocol/generated/message/begin-quorum-epoch-request.js';
import { createBeginQuorumEpochResponse, type BeginQuorumEpochResponse } from '../../protocol/generated/message/begin-quorum-epoch-response.js';
import { beginEpochFromWire } from '../metadata/raft-driver/raft-codec.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createBeginQuorumEpochHandler(services: BrokerServices): ApiHandler<BeginQuorumEpochRequest, BeginQuorumEpochResponse> {
  return {
    apiKey: ApiKey.BeginQuorumEpoch,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const inbound = beginEpochFromWire(request);
      if (services.raft === undefined || inbound === undefined) return createBeginQuorumEpochResponse({ errorCode: ErrorCode.INVALID_REQUEST });
      return (await services.raft.serve(inbound, request.clusterId, context.apiVersion)) as BeginQuorumEpochResponse;
    },
  };
}
