import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { CreatePartitionsRequest } from '../../protocol/generated/message/create-partitions-request.js';
import { CreatePartitionsResponse, type CreatePartitionsResponseCreatePartitionsTopicResult } from '../../protocol/generated/message/create-partitions-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/**
 * CreatePartitions v0-3: grows topics, with placement by the controller or by the request's
 * assignments, and validateOnly. Duplicate topics in one request fail each, as in Kafka.
 */
export function createCreatePartitionsHandler(services: BrokerServices): ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> {
  return {
    apiKey: ApiKey.CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    async handle(request, context) {
      const counts = new Map<string, number>();
      for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
      const reported = new Set<string>();
      const valid = request.topics.filter((t) => {
        if (counts.get(t.name)! === 1) {
          if (authorized(services, context, AclOperation.ALTER, ResourceType.TOPIC, t.name)) return true;
          results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'The topic authorization is failed.' });
          return false;
        }
        if (!reported.has(t.name)) results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        reported.add(t.name);
        return false;
      });
      const outcomes = await services.controller.createPartitions(
        valid.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds) })),
        request.validateOnly,
      );
      for (const o of outcomes) results.push({ name: o.name ?? '', errorCode: o.errorCode, errorMessage: o.errorMessage });
      const response = CreatePartitionsResponse.defaults();
      response.results = results;
      return response;
    },
  };
}
