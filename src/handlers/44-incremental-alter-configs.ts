import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterableConfig,
} from '../../protocol/generated/message/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../protocol/generated/message/incremental-alter-configs-response.js';
import { brokerConfigDefinition, TOPIC_CONFIGS, type ConfigDefinition } from '../config/definitions.js';
import { ConfigResourceType } from '../metadata/image/types.js';
import { alterResources, isForwarded } from './33-alter-configs.js';
import { brokerIdOf, ResourceError } from './32-describe-configs.js';
import type { BrokerServices } from './services.js';
import { AclOperation } from '../security/acl.js';
import { configRefusal } from './authorization.js';
import type { ApiHandler } from './types.js';

/** AlterConfigOp.OpType ids. */
export const ConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/** The comma-separated items of a list value; an unset key starts from its default, as in Kafka. */
function listItems(current: string | undefined, definition: ConfigDefinition): string[] {
  const value = current ?? definition.defaultValue ?? '';
  return value.split(',').filter((item) => item !== '');
}

/** Applies one resource's operations, in request order, to its current overrides. */
function applyOperations(resourceType: number, configs: readonly IncrementalAlterConfigsRequestAlterableConfig[], current: ReadonlyMap<string, string>): Map<string, string> {
  const names = new Set<string>();
  for (const config of configs) {
    if (names.has(config.name)) throw new ResourceError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
    names.add(config.name);
    if (config.value === null && config.configOperation !== ConfigOp.DELETE) {
      throw new ResourceError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${config.name}`);
    }
  }
  const next = new Map(current);
  for (const config of configs) {
    switch (config.configOperation) {
      case ConfigOp.SET:
        next.set(config.name, config.value!);
        break;
      case ConfigOp.DELETE:
        next.delete(config.name);
        break;
      case ConfigOp.APPEND:
      case ConfigOp.SUBTRACT: {
        const definition = resourceType === ConfigResourceType.TOPIC ? TOPIC_CONFIGS.get(config.name) : brokerConfigDefinition(config.name);
        if (definition === undefined || definition.type !== 'LIST') {
          throw new ResourceError(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[config.configOperation]} to key ${config.name} because its type is not LIST.`);
        }
        let items = listItems(next.get(config.name), definition);
        const operands = config.value!.split(',');
        if (config.configOperation === ConfigOp.APPEND) {
          for (const item of operands) if (!items.includes(item)) items.push(item);
        } else {
          items = items.filter((item) => !operands.includes(item));
        }
        next.set(config.name, items.join(','));
        break;
      }
      default:
        throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unknown alter config operation type: ${config.configOperation}`);
    }
  }
  return next;
}

/**
 * IncrementalAlterConfigs v0-1: SET / DELETE / APPEND / SUBTRACT per key on top of the current
 * overrides; the result is validated as a whole. Broker loggers cannot be altered here (Node has
 * no log4j loggers to report), so every logger name is unknown, as Kafka answers for one.
 */
export function createIncrementalAlterConfigsHandler(services: BrokerServices): ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
  return {
    apiKey: ApiKey.IncrementalAlterConfigs,
    minVersion: 0,
    maxVersion: 1,
    async handle(request, context) {
      const response = IncrementalAlterConfigsResponse.defaults();
      const loggers = request.resources.filter((r) => r.resourceType === ConfigResourceType.BROKER_LOGGER);
      const others = request.resources.filter((r) => r.resourceType !== ConfigResourceType.BROKER_LOGGER);
      const results = await alterResources(services, others, request.validateOnly, (resource, current) =>
        applyOperations(resource.resourceType, resource.configs, current), isForwarded(services, context),
        (r) => configRefusal(services, context, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName),
      );
      for (const logger of loggers) {
        const base = { resourceType: logger.resourceType, resourceName: logger.resourceName };
        const refused = configRefusal(services, context, AclOperation.ALTER_CONFIGS, logger.resourceType, logger.resourceName);
        if (refused !== 0) {
          results.push({ ...base, errorCode: refused, errorMessage: null });
          continue;
        }
        try {
          if (brokerIdOf(logger.resourceName) !== services.nodeId) {
            throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${services.nodeId} but received ${logger.resourceName}`);
          }
          const first = logger.configs[0];
          if (first !== undefined) throw new ResourceError(ErrorCode.INVALID_CONFIG, `Logger ${first.name} does not exist!`);
          results.push({ ...base, errorCode: 0, errorMessage: null });
        } catch (error) {
          if (!(error instanceof ResourceError)) throw error;
          results.push({ ...base, errorCode: error.errorCode, errorMessage: error.message });
        }
      }
      // Answer in request order.
      const position = (x: { resourceType: number; resourceName: string }) =>
        request.resources.findIndex((r) => r.resourceType === x.resourceType && r.resourceName === x.resourceName);
      response.responses = results.sort((a, b) => position(a) - position(b));
      return response;
    },
  };
}
