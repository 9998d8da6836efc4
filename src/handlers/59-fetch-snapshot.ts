// FetchSnapshot (59): a lagging metadata replica downloads the leader's snapshot in chunks.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { FetchSnapshotRequest } from '../../protocol/generated/message/fetch-snapshot-request.js';
import { createFetchSnapshotResponse, type FetchSnapshotResponse } from '../../protocol/generated/message/fetch-snapshot-response.js';
import { fetchSnapshotFromWire } from '../metadata/raft-driver/raft-codec.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createFetchSnapshotHandler(services: BrokerServices): ApiHandler<FetchSnapshotRequest, FetchSnapshotResponse> {
  return {
    apiKey: ApiKey.FetchSnapshot,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const inbound = fetchSnapshotFromWire(request);
      if (services.raft === undefined || inbound === undefined) return createFetchSnapshotResponse({ errorCode: ErrorCode.INVALID_REQUEST });
      return (await services.raft.serve(inbound, request.clusterId, context.apiVersion)) as FetchSnapshotResponse;
    },
  };
}
