import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeConfigsRequest } from '../../protocol/generated/message/describe-configs-request.js';
import {
  DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResourceResult,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/message/describe-configs-response.js';
import { describeBrokerConfigs, describeTopicConfigs, type DescribeConfigsEntry } from '../config/describe.js';
import type { BrokerConfigSources } from '../config/values.js';
import { topicNameProblem } from '../metadata/controller/topic-names.js';
import { ConfigResourceType } from '../metadata/image/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation } from '../security/acl.js';
import { configRefusal } from './authorization.js';
import type { ApiHandler } from './types.js';

/** A request-level problem with one resource, reported in that resource's result (Kafka's ApiError). */
export class ResourceError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The broker's config layers with the dynamic ones committed to the metadata log. */
export function brokerSources(services: BrokerServices): BrokerConfigSources {
  return {
    staticConfig: services.config.sources.staticConfig,
    dynamicBrokerConfig: services.metadata.configs(ConfigResourceType.BROKER, String(services.nodeId)),
    dynamicDefaultConfig: services.metadata.configs(ConfigResourceType.BROKER, ''),
  };
}

/** Kafka's resourceNameToBrokerId: the name must be an integer. */
export function brokerIdOf(resourceName: string): number {
  if (!/^-?\d+$/.test(resourceName)) throw new ResourceError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${resourceName}`);
  return Number(resourceName);
}

/** Throws INVALID_TOPIC_EXCEPTION for a name no topic could have. */
export function checkTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== null) throw new ResourceError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
}

function toWire(entry: DescribeConfigsEntry, version: number): DescribeConfigsResponseDescribeConfigsResourceResult {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    // v0 alone carries isDefault; later versions say the same through configSource.
    isDefault: version === 0 && entry.isDefault,
    configSource: entry.configSource,
    isSensitive: entry.isSensitive,
    synonyms: entry.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
    configType: entry.configType,
    documentation: entry.documentation,
  };
}

/**
 * DescribeConfigs v0-4 for TOPIC and BROKER resources (and BROKER_LOGGER, which has no loggers
 * to report here). v0 clients read isDefault, v1+ configSource and synonyms, v3+ type and docs;
 * the codec writes only what each version carries.
 */
export function createDescribeConfigsHandler(services: BrokerServices): ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> {
  return {
    apiKey: ApiKey.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const options = {
        includeSynonyms: context.apiVersion >= 1 && request.includeSynonyms,
        includeDocumentation: context.apiVersion >= 3 && request.includeDocumentation,
      };
      const response = DescribeConfigsResponse.defaults();
      response.results = request.resources.map((resource): DescribeConfigsResponseDescribeConfigsResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const select = { ...options, keys: resource.configurationKeys };
        const refused = configRefusal(services, context, AclOperation.DESCRIBE_CONFIGS, resource.resourceType, resource.resourceName);
        if (refused !== 0) return { ...base, errorCode: refused, errorMessage: null, configs: [] };
        try {
          let entries: DescribeConfigsEntry[];
          switch (resource.resourceType) {
            case ConfigResourceType.TOPIC: {
              checkTopicName(resource.resourceName);
              if (services.metadata.topic(resource.resourceName) === undefined) {
                return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] };
              }
              const overrides = services.metadata.configs(ConfigResourceType.TOPIC, resource.resourceName);
              // Dynamic broker defaults show up as the synonyms (and values) topics inherit.
              entries = describeTopicConfigs(overrides, brokerSources(services), select);
              break;
            }
            case ConfigResourceType.BROKER: {
              const sources = brokerSources(services);
              if (resource.resourceName === '') {
                entries = describeBrokerConfigs(sources, { ...select, perBroker: false });
              } else if (brokerIdOf(resource.resourceName) === services.nodeId) {
                entries = describeBrokerConfigs(sources, { ...select, perBroker: true });
              } else {
                throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${services.nodeId} or empty string, but received ${resource.resourceName}`);
              }
              break;
            }
            case ConfigResourceType.BROKER_LOGGER: {
              if (resource.resourceName === '') throw new ResourceError(ErrorCode.INVALID_REQUEST, 'Broker id must not be empty');
              if (brokerIdOf(resource.resourceName) !== services.nodeId) {
                throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${services.nodeId} but received ${resource.resourceName}`);
              }
              entries = [];
              break;
            }
            default:
              throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resource.resourceType}`);
          }
          return { ...base, errorCode: 0, errorMessage: null, configs: entries.map((e) => toWire(e, context.apiVersion)) };
        } catch (error) {
          if (!(error instanceof ResourceError)) throw error;
          return { ...base, errorCode: error.errorCode, errorMessage: error.message, configs: [] };
        }
      });
      return response;
    },
  };
}
