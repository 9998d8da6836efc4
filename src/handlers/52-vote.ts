// Vote (52): a candidate for the metadata quorum asks this voter for its vote.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { VoteRequest } from '../../protocol/generated/message/vote-request.js';
import { createVoteResponse, type VoteResponse } from '../../protocol/generated/message/vote-response.js';
import { voteFromWire } from '../metadata/raft-driver/raft-codec.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createVoteHandler(services: BrokerServices): ApiHandler<VoteRequest, VoteResponse> {
  return {
    apiKey: ApiKey.Vote,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const inbound = voteFromWire(request);
      if (services.raft === undefined || inbound === undefined) return createVoteResponse({ errorCode: ErrorCode.INVALID_REQUEST });
      return (await services.raft.serve(inbound, request.clusterId, context.apiVersion)) as VoteResponse;
    },
  };
}
