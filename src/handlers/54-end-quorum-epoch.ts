// EndQuorumEpoch (54): the metadata quorum leader resigns and names preferred successors.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { EndQuorumEpochRequest } from '../../protocol/generated/message/end-quorum-epoch-request.js';
import { createEndQuorumEpochResponse, type EndQuorumEpochResponse } from '../../protocol/generated/message/end-quorum-epoch-response.js';
import { endEpochFromWire } from '../metadata/raft-driver/raft-codec.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createEndQuorumEpochHandler(services: BrokerServices): ApiHandler<EndQuorumEpochRequest, EndQuorumEpochResponse> {
  return {
    apiKey: ApiKey.EndQuorumEpoch,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const inbound = endEpochFromWire(request);
      if (services.raft === undefined || inbound === undefined) return createEndQuorumEpochResponse({ errorCode: ErrorCode.INVALID_REQUEST });
      return (await services.raft.serve(inbound, request.clusterId, context.apiVersion)) as EndQuorumEpochResponse;
    },
  };
}
