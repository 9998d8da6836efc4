// The one authorization check handlers make: Kafka's authHelper.authorize for a single action.
// Without an authorizer (authorizer.class.name empty) everything is allowed, as in Kafka.
import { ResourceType } from '../security/acl.js';
import type { BrokerServices } from './services.js';
import type { RequestContext } from './types.js';

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
