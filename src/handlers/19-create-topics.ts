import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { CreateTopicsRequest } from '../../protocol/generated/message/create-topics-request.js';
import { CreateTopicsResponse, type CreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/message/create-topics-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { describeTopicConfigs } from '../config/describe.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createCreateTopicsHandler(services: BrokerServices): ApiHandler<CreateTopicsRequest, CreateTopicsResponse> {
  return {
    apiKey: ApiKey.CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    async handle(request, context) {
      // CREATE on the cluster, else on each topic; refused topics never reach the controller.
      const clusterCreate = authorized(services, context, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME);
      const mayCreate = request.topics.map((t) => clusterCreate || authorized(services, context, AclOperation.CREATE, ResourceType.TOPIC, t.name));
      const creatable = request.topics.filter((_, i) => mayCreate[i]);
      const outcomes = creatable.length === 0 && request.topics.length > 0 ? [] : await services.controller.createTopics(
        creatable.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          assignments: new Map(t.assignments.map((a) => [a.partitionIndex, a.brokerIds])),
          configs: new Map(t.configs.map((c) => [c.name, c.value])),
        })),
        request.validateOnly,
      );
      const response = CreateTopicsResponse.defaults();
      const created = outcomes.map((o, i): CreateTopicsResponseCreatableTopicResult => {
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
          const requested = creatable[i]!;
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
      let next = 0;
      response.topics = request.topics.map((t, i) =>
        mayCreate[i]
          ? created[next++]!
          : { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: context.apiVersion >= 1 ? 'Authorization failed.' : null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null },
      );
      return response;
    },
  };
}
