// Kafka 3.9's StandardAuthorizer over the ACLs of the metadata image: super users may do
// everything; otherwise a matching DENY wins over any ALLOW, an ALLOW of READ, WRITE, DELETE or
// ALTER implies DESCRIBE and one of ALTER_CONFIGS implies DESCRIBE_CONFIGS (DENYs imply nothing),
// the LITERAL name `*` and the principal `User:*` are wildcards, PREFIXED ACLs cover names that
// start with their name, and a resource with no ACLs at all is allowed only with
// allow.everyone.if.no.acl.found.
import { ConfigValueError } from '../config/values.js';
import { AclOperation, AclPermissionType, PatternType, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE, type StoredAcl } from './acl.js';
import type { AclSource } from './acl-store.js';
import type { AuthorizationRequest, Authorizer } from './authorizer-types.js';

/** The one authorizer class Sluice implements (KRaft's). */
export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
export const ANONYMOUS = 'User:ANONYMOUS';

const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

export interface AuthorizerSettings {
  /** Principals allowed everything (super.users). */
  readonly superUsers: ReadonlySet<string>;
  readonly allowEveryoneIfNoAclFound: boolean;
  /**
   * Listeners whose unauthenticated connections are brokers and controllers talking to each
   * other (the controller listeners and the inter-broker listener, PLAINTEXT in Sluice): their
   * `User:ANONYMOUS` is a super user, as Kafka operators make it one with super.users.
   */
  readonly internalListeners: ReadonlySet<string>;
}

/** Reads authorizer.class.name, super.users and allow.everyone.if.no.acl.found; undefined when no authorizer is configured. */
export function authorizerSettings(
  config: ReadonlyMap<string, string>,
  internalListeners: readonly string[],
): AuthorizerSettings | undefined {
  const className = (config.get('authorizer.class.name') ?? '').trim();
  if (className === '') return undefined;
  if (className !== STANDARD_AUTHORIZER_CLASS) {
    throw new ConfigValueError('authorizer.class.name', `authorizer.class.name=${className} is not supported: use ${STANDARD_AUTHORIZER_CLASS}, or leave it empty for no authorization.`);
  }
  const superUsers = (config.get('super.users') ?? '').split(';').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of superUsers) if (!p.includes(':')) throw new ConfigValueError('super.users', `Principal ${p} is not of the form Type:name (e.g. User:admin)`);
  const allowEveryone = (config.get('allow.everyone.if.no.acl.found') ?? 'false').trim().toLowerCase();
  if (allowEveryone !== 'true' && allowEveryone !== 'false') throw new ConfigValueError('allow.everyone.if.no.acl.found', 'Expected true or false');
  return { superUsers: new Set(superUsers), allowEveryoneIfNoAclFound: allowEveryone === 'true', internalListeners: new Set(internalListeners) };
}

/** An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; Java reports a.b.c.d, which is what ACL hosts hold. */
export function clientHost(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

export class StandardAuthorizer implements Authorizer {
  constructor(
    private readonly acls: AclSource,
    private readonly settings: AuthorizerSettings,
  ) {}

  private isSuper(request: AuthorizationRequest): boolean {
    if (this.settings.superUsers.has(request.principal)) return true;
    return request.principal === ANONYMOUS && this.settings.internalListeners.has(request.connection.listenerName);
  }

  authorize(request: AuthorizationRequest, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.isSuper(request)) return true;
    const host = clientHost(request.connection.remoteAddress);
    let foundResourceAcl = false;
    let allowed = false;
    for (const acl of this.acls.ofType(resourceType)) {
      if (!coversName(acl, resourceName)) continue;
      foundResourceAcl = true;
      const result = aclResult(acl, request.principal, host, operation);
      if (result === 'deny') return false;
      if (result === 'allow') allowed = true;
    }
    return allowed || (!foundResourceAcl && this.settings.allowEveryoneIfNoAclFound);
  }

  /**
   * Kafka's default authorizeByResourceType: allowed when the operation is allowed on some name
   * of the type, i.e. some ALLOW applies that no DENY for the same principal fully covers.
   */
  authorizeAny(request: AuthorizationRequest, operation: number, resourceType: number): boolean {
    // A name no ACL mentions: covers super users, `*` ALLOWs and allow.everyone.if.no.acl.found.
    if (this.authorize(request, operation, resourceType, 'hardcode')) return true;
    const host = clientHost(request.connection.remoteAddress);
    const applicable = [...this.acls.ofType(resourceType)].map((acl) => ({ acl, result: aclResult(acl, request.principal, host, operation) }));
    const denies = applicable.filter((a) => a.result === 'deny').map((a) => a.acl);
    return applicable.some(({ acl, result }) => result === 'allow' && !denies.some((deny) => coversPattern(deny, acl)));
  }
}

/** Whether an ACL's resource pattern applies to the named resource. */
function coversName(acl: StoredAcl, name: string): boolean {
  if (acl.patternType === PatternType.LITERAL) return acl.resourceName === name || acl.resourceName === WILDCARD_RESOURCE;
  if (acl.patternType === PatternType.PREFIXED) return name.startsWith(acl.resourceName);
  return false;
}

/** Whether a DENY's pattern covers every name the ALLOW's pattern does. */
function coversPattern(deny: StoredAcl, allow: StoredAcl): boolean {
  if (deny.patternType === PatternType.LITERAL && deny.resourceName === WILDCARD_RESOURCE) return true;
  if (deny.patternType === PatternType.PREFIXED) return allow.resourceName.startsWith(deny.resourceName);
  return allow.patternType === PatternType.LITERAL && deny.resourceName === allow.resourceName;
}

/** StandardAuthorizerData.findResult: what one ACL on the resource says about the action, if anything. */
function aclResult(acl: StoredAcl, principal: string, host: string, operation: number): 'allow' | 'deny' | null {
  if (acl.principal !== principal && acl.principal !== WILDCARD_PRINCIPAL) return null;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return null;
  const allow = acl.permissionType === AclPermissionType.ALLOW;
  if (acl.operation !== AclOperation.ALL) {
    if (!allow) {
      if (acl.operation !== operation) return null;
    } else if (operation === AclOperation.DESCRIBE) {
      if (!IMPLIES_DESCRIBE.has(acl.operation)) return null;
    } else if (operation === AclOperation.DESCRIBE_CONFIGS) {
      if (!IMPLIES_DESCRIBE_CONFIGS.has(acl.operation)) return null;
    } else if (acl.operation !== operation) {
      return null;
    }
  }
  return allow ? 'allow' : 'deny';
}
