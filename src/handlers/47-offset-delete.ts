import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetDeleteRequest } from '../../protocol/generated/message/offset-delete-request.js';
import { OffsetDeleteResponse } from '../../protocol/generated/message/offset-delete-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized, byTopicAuthorization } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createOffsetDeleteHandler(services: BrokerServices): ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> {
  return {
    apiKey: ApiKey.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      const response = OffsetDeleteResponse.defaults();
      // DELETE on the group, then READ on each topic (refused topics answer per partition).
      if (!authorized(services, context, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) {
        response.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return response;
      }
      const { allowed, denied } = byTopicAuthorization(services, context, AclOperation.READ, request.topics);
      const outcome = await services.groups.deleteOffsets(
        request.groupId,
        allowed.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
      );
      response.errorCode = outcome.errorCode;
      response.topics = [
        ...outcome.topics,
        ...denied.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) })),
      ];
      return response;
    },
  };
}
