import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { CreateTopicsRequest } from '../../protocol/generated/message/create-topics-request.js';
import { CreateTopicsResponse, type CreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/message/create-topics-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { describeTopicConfigs } from '../config/describe.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createCreateTopicsHandler(services: BrokerServices): ApiHandler<CreateTopicsRequest, CreateTopicsResponse> {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    async handle(request, context) {
      const outcomes = await services.controller.createTopics(
        request.topics.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          assignments: new Map(t.assignments.map((a) => [a.partitionIndex, a.brokerIds])),
          configs: new Map(t.configs.map((c) => [c.name, c.value])),
        })),
        request.validateOnly,
      );
      const response = CreateTopicsResponse.defaults();
      response.topics = outcomes.map((o, i): CreateTopicsResponseCreatableTopicResult => {
        const result: CreateTopicsResponseCreatableTopicResult = {
          name: o.name,
          topicId: context.apiVersion >= 7 && o.errorCode === 0 && !request.validateOnly ? o.topicId : ZERO_UUID,
          errorCode: o.errorCode,
          errorMessage: context.apiVersion >= 1 ? o.errorMessage : null,
          topicConfigErrorCode: 0,
          numPartitions: o.numPartitions,
          replicationFactor: o.replicationFactor,
          configs: null,
        };
        if (o.errorCode === 0 && context.apiVersion >= 5) {
          const requested = request.topics[i]!;
          const overrides = new Map(requested.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!]));
          result.configs = describeTopicConfigs(overrides, services.config.sources).map((entry) => ({
            name: entry.name,
            value: entry.value,
            readOnly: entry.readOnly,
            configSource: entry.configSource,
            isSensitive: entry.isSensitive,
          }));
        }
        return result;
      });
      return response;
    },
  };
}
