// The one authorization check handlers make: Kafka's authHelper.authorize for a single action.
// Without an authorizer (authorizer.class.name empty) everything is allowed, as in Kafka.
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ConfigResourceType } from '../metadata/image/types.js';
import { CLUSTER_NAME, ResourceType } from '../security/acl.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler, RequestContext } from './types.js';
import { API_BY_KEY } from '../../protocol/generated/api-keys.js';

export function authorized(services: BrokerServices, context: RequestContext, operation: number, resourceType: number, resourceName: string): boolean {
  return services.authorizer === undefined || services.authorizer.authorize(context, operation, resourceType, resourceName);
}

/** Whether the operation is allowed on some resource of the type (Kafka's authorizeByResourceType). */
export function authorizedOnAny(services: BrokerServices, context: RequestContext, operation: number, resourceType: number): boolean {
  return services.authorizer === undefined || services.authorizer.authorizeAny(context, operation, resourceType);
}

/** Splits named topics into those the operation is allowed on and the others, in request order (Kafka's partitionSeqByAuthorized). */
export function byTopicAuthorization<T extends { readonly name: string }>(
  services: BrokerServices,
  context: RequestContext,
  operation: number,
  topics: readonly T[],
): { allowed: T[]; denied: T[] } {
  const allowed: T[] = [];
  const denied: T[] = [];
  for (const t of topics) (authorized(services, context, operation, ResourceType.TOPIC, t.name) ? allowed : denied).push(t);
  return { allowed, denied };
}

/**
 * The error for a config resource the operation (DESCRIBE_CONFIGS / ALTER_CONFIGS) is refused
 * on, 0 when allowed: a topic's configs are authorized on the topic, a broker's and the broker
 * loggers' on the cluster, as Kafka maps ConfigResource types.
 */
export function configRefusal(services: BrokerServices, context: RequestContext, operation: number, resourceType: number, resourceName: string): number {
  if (resourceType === ConfigResourceType.TOPIC) return authorized(services, context, operation, ResourceType.TOPIC, resourceName) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (resourceType === ConfigResourceType.BROKER || resourceType === ConfigResourceType.BROKER_LOGGER) {
    return authorized(services, context, operation, ResourceType.CLUSTER, CLUSTER_NAME) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  }
  return 0;
}

/**
 * A handler of an API that brokers and controllers send each other (Raft, registration,
 * heartbeats, ISR changes, producer id blocks): the operation on the cluster (CLUSTER_ACTION,
 * DESCRIBE for DescribeQuorum) is checked first, and refused with the response's top-level
 * CLUSTER_AUTHORIZATION_FAILED. Their callers reach them as ANONYMOUS on the internal
 * listeners, which the authorizer treats as super users.
 */
export function requireClusterPermission<Req, Res extends { errorCode: number }>(
  services: BrokerServices,
  operation: number,
  handler: ApiHandler<Req, Res>,
): ApiHandler<Req, Res> {
  // Every generated response codec has defaults(); ApiDefinition types them only as codecs.
  const codec = API_BY_KEY.get(handler.apiKey)!.response as unknown as { defaults(): Res };
  return {
    apiKey: handler.apiKey,
    minVersion: handler.minVersion,
    maxVersion: handler.maxVersion,
    handle(request, context) {
      if (authorized(services, context, operation, ResourceType.CLUSTER, CLUSTER_NAME)) return handler.handle(request, context);
      const response = codec.defaults();
      response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return response;
    },
  };
}
