import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { OffsetDeleteRequest } from '../../protocol/generated/message/offset-delete-request.js';
import { OffsetDeleteResponse } from '../../protocol/generated/message/offset-delete-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createOffsetDeleteHandler(services: BrokerServices): ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> {
  return {
    apiKey: ApiKey.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    async handle(request) {
      const outcome = await services.groups.deleteOffsets(
        request.groupId,
        request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
      );
      const response = OffsetDeleteResponse.defaults();
      response.errorCode = outcome.errorCode;
      response.topics = outcome.topics;
      return response;
    },
  };
}
