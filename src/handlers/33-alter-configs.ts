import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { AlterConfigsRequest } from '../../protocol/generated/message/alter-configs-request.js';
import { AlterConfigsResponse } from '../../protocol/generated/message/alter-configs-response.js';
import { BROKER_CONFIGS } from '../config/definitions.js';
import { validateTopicConfigs } from '../config/describe.js';
import { parseConfigValue } from '../config/values.js';
import type { ConfigAlteration } from '../metadata/controller/controller.js';
import { ConfigResourceType } from '../metadata/image/types.js';
import { brokerIdOf, checkTopicName, ResourceError } from './32-describe-configs.js';
import type { BrokerServices } from './services.js';
import { AclOperation } from '../security/acl.js';
import { configRefusal } from './authorization.js';
import type { ApiHandler, RequestContext } from './types.js';

/** ConfigResource.Type ids Kafka knows; any other id is an unknown type. */
const KNOWN_RESOURCE_TYPES = new Set([2, 4, 8, 16, 32]);

export interface ResourceResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/**
 * The explicit overrides a resource has now, after checking the resource can be altered here:
 * an existing topic, this broker (or '' for the cluster-wide default). A request forwarded by
 * another node (it arrived on a CONTROLLER listener) was checked there, as Kafka's controller
 * takes any broker id from a forwarding broker.
 */
export function currentOverrides(services: BrokerServices, resourceType: number, resourceName: string, forwarded = false): ReadonlyMap<string, string> {
  switch (resourceType) {
    case ConfigResourceType.TOPIC:
      checkTopicName(resourceName);
      if (services.metadata.topic(resourceName) === undefined) {
        throw new ResourceError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${resourceName}' does not exist.`);
      }
      return services.metadata.configs(ConfigResourceType.TOPIC, resourceName);
    case ConfigResourceType.BROKER:
      if (resourceName !== '' && brokerIdOf(resourceName) !== services.nodeId && !forwarded) {
        throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${services.nodeId} or empty string, but received ${resourceName}`);
      }
      return services.metadata.configs(ConfigResourceType.BROKER, resourceName);
    default:
      if (!KNOWN_RESOURCE_TYPES.has(resourceType)) throw new ResourceError(ErrorCode.UNSUPPORTED_VERSION, `Unknown resource type ${resourceType}.`);
      throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceType}`);
  }
}

/**
 * Checks a resource's complete new override set. Topic problems are INVALID_CONFIG (Kafka's
 * topic config validator); broker ones INVALID_REQUEST, which is what Kafka's dynamic broker
 * config check answers (KAFKA-13609 keeps it that way for compatibility).
 */
export function validateOverrides(services: BrokerServices, resourceType: number, next: ReadonlyMap<string, string>): void {
  if (resourceType === ConfigResourceType.TOPIC) {
    const check = validateTopicConfigs(next, services.config.sources);
    if (check.errorCode !== 0) throw new ResourceError(check.errorCode, check.errorMessage);
    return;
  }
  const notDynamic: string[] = [];
  for (const [name, value] of next) {
    const definition = BROKER_CONFIGS.get(name);
    if (definition === undefined || !definition.dynamic) {
      notDynamic.push(name);
      continue;
    }
    const parsed = parseConfigValue(definition, value);
    if (!parsed.ok) throw new ResourceError(ErrorCode.INVALID_REQUEST, parsed.message);
  }
  if (notDynamic.length > 0) throw new ResourceError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${notDynamic.join(', ')}`);
}

/** The ConfigRecords that turn `current` into `next`: changed keys set, vanished keys removed. */
export function diffOverrides(current: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  for (const [name, value] of next) if (current.get(name) !== value) changes.set(name, value);
  for (const name of current.keys()) if (!next.has(name)) changes.set(name, null);
  return changes;
}

/** Whether a request came from another node forwarding it to this (the active) controller. */
export function isForwarded(services: BrokerServices, context: RequestContext): boolean {
  return services.config.controllerListenerNames.includes(context.connection.listenerName);
}

/**
 * Runs the per-resource planning of both AlterConfigs APIs: duplicate resources fail, each
 * resource is planned (or fails with its own error), and the valid ones go to the active
 * controller together (forwarded when that is another node), which answers per resource.
 */
export async function alterResources<R extends { resourceType: number; resourceName: string }>(
  services: BrokerServices,
  resources: readonly R[],
  validateOnly: boolean,
  plan: (resource: R, current: ReadonlyMap<string, string>) => Map<string, string>,
  forwarded = false,
  /** 0, or the authorization error of a resource (configRefusal with ALTER_CONFIGS). */
  refusal: (resource: R) => number = () => 0,
): Promise<ResourceResult[]> {
  const keyOf = (r: R) => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1);
  const alterations: ConfigAlteration[] = [];
  const alteredResults: ResourceResult[] = [];
  const reported = new Set<string>();
  const results: ResourceResult[] = [];
  for (const resource of resources) {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    if (counts.get(keyOf(resource))! > 1) {
      if (!reported.has(keyOf(resource))) results.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate resource.' });
      reported.add(keyOf(resource));
      continue;
    }
    const refused = refusal(resource);
    if (refused !== 0) {
      results.push({ ...base, errorCode: refused, errorMessage: null });
      continue;
    }
    try {
      const current = currentOverrides(services, resource.resourceType, resource.resourceName, forwarded);
      const next = plan(resource, current);
      validateOverrides(services, resource.resourceType, next);
      alterations.push({ ...base, changes: diffOverrides(current, next) });
      const pending: ResourceResult = { ...base, errorCode: 0, errorMessage: null };
      alteredResults.push(pending);
      results.push(pending);
    } catch (error) {
      if (!(error instanceof ResourceError)) throw error;
      results.push({ ...base, errorCode: error.errorCode, errorMessage: error.message });
    }
  }
  const outcomes = alterations.length > 0 ? await services.controller.alterConfigs(alterations, validateOnly) : [];
  outcomes.forEach((o, i) => {
    const r = alteredResults[i]!;
    r.errorCode = o.errorCode;
    r.errorMessage = o.errorCode === 0 ? null : o.errorMessage;
  });
  // A changed broker default reaches every topic that has no override of its own.
  if (!validateOnly && alterations.some((a, i) => a.resourceType === ConfigResourceType.BROKER && a.changes.size > 0 && outcomes[i]?.errorCode === 0)) {
    await services.replicas.refreshTopicConfigs();
  }
  return results;
}

/**
 * AlterConfigs v0-2 (the legacy API): the request's configs replace the resource's overrides
 * entirely; keys left out lose their override, and a null value means no override.
 */
export function createAlterConfigsHandler(services: BrokerServices): ApiHandler<AlterConfigsRequest, AlterConfigsResponse> {
  return {
    apiKey: ApiKey.AlterConfigs,
    minVersion: 0,
    maxVersion: 2,
    async handle(request, context) {
      const response = AlterConfigsResponse.defaults();
      response.responses = await alterResources(services, request.resources, request.validateOnly, (resource) => {
        const next = new Map<string, string>();
        for (const config of resource.configs) {
          if (config.value !== null) next.set(config.name, config.value);
          else next.delete(config.name);
        }
        return next;
      }, isForwarded(services, context), (r) => configRefusal(services, context, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName));
      return response;
    },
  };
}
