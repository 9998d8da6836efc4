// What the handlers ask an authorizer (Kafka's Authorizer.authorize for one action).

/** Who is asking, from where: the parts of a request context authorization looks at. */
export interface AuthorizationRequest {
  /** `User:<name>`, `User:ANONYMOUS` when unauthenticated. */
  readonly principal: string;
  readonly connection: {
    /** The client's IP address (ACL hosts are addresses, not names). */
    readonly remoteAddress: string;
    readonly listenerName: string;
  };
}

export interface Authorizer {
  /** Whether `operation` (AclOperation code) on the named resource (ResourceType code) is allowed. */
  authorize(request: AuthorizationRequest, operation: number, resourceType: number, resourceName: string): boolean;
  /** Whether the request's principal is allowed `operation` on at least one resource of the type (Kafka's authorizeByResourceType). */
  authorizeAny(request: AuthorizationRequest, operation: number, resourceType: number): boolean;
}
