// Kafka's ACL model: the codes of its ResourceType, PatternType, AclOperation and
// AclPermissionType enums (what the wire and AccessControlEntryRecord carry), ACL bindings, and
// the filter semantics of ResourcePatternFilter / AccessControlEntryFilter that DescribeAcls and
// DeleteAcls use. Pure: no I/O, no state.

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The one name a CLUSTER resource has. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A LITERAL resource name matching every resource of its type. */
export const WILDCARD_RESOURCE = '*';
/** The principal matching every `User:` principal. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host matching every client address. */
export const WILDCARD_HOST = '*';

const HIGHEST = { resourceType: ResourceType.USER, patternType: PatternType.PREFIXED, operation: AclOperation.DESCRIBE_TOKENS, permission: AclPermissionType.ALLOW };

/** Kafka's fromCode: a code it does not know reads as UNKNOWN (0). */
export const knownResourceType = (code: number): number => (code >= 0 && code <= HIGHEST.resourceType ? code : ResourceType.UNKNOWN);
export const knownPatternType = (code: number): number => (code >= 0 && code <= HIGHEST.patternType ? code : PatternType.UNKNOWN);
export const knownOperation = (code: number): number => (code >= 0 && code <= HIGHEST.operation ? code : AclOperation.UNKNOWN);
export const knownPermission = (code: number): number => (code >= 0 && code <= HIGHEST.permission ? code : AclPermissionType.UNKNOWN);

/** One ACL: a resource pattern and an access control entry (Kafka's AclBinding). */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** A stored ACL with the id its AccessControlEntryRecord gave it. */
export interface StoredAcl extends AclBinding {
  readonly id: string;
}

/** Kafka's AclBindingFilter: null strings match anything, ANY codes match any value. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** ResourcePatternFilter.matches: MATCH also finds the wildcard and prefixed ACLs that apply to the named resource. */
export function patternMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== acl.resourceType) return false;
  if (filter.patternType !== PatternType.ANY && filter.patternType !== PatternType.MATCH && filter.patternType !== acl.patternType) return false;
  if (filter.resourceName === null) return true;
  if (filter.patternType === PatternType.ANY || filter.patternType === acl.patternType) return filter.resourceName === acl.resourceName;
  if (acl.patternType === PatternType.LITERAL) return filter.resourceName === acl.resourceName || acl.resourceName === WILDCARD_RESOURCE;
  if (acl.patternType === PatternType.PREFIXED) return filter.resourceName.startsWith(acl.resourceName);
  return false;
}

/** AccessControlEntryFilter.matches. */
export function entryMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== acl.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === acl.permissionType;
}

export function filterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  return patternMatches(filter, acl) && entryMatches(filter, acl);
}

/** Kafka's isUnknown on both halves of a filter: such a filter matches nothing and deletes nothing. */
export function filterProblem(filter: AclBindingFilter): string | null {
  if (filter.resourceType === ResourceType.UNKNOWN || filter.patternType === PatternType.UNKNOWN) return 'Unknown patternFilter.';
  if (filter.operation === AclOperation.UNKNOWN || filter.permissionType === AclPermissionType.UNKNOWN) return 'Unknown entryFilter.';
  return null;
}

/** The controller's validateNewAcl (and the broker's CLUSTER name check): null when the ACL may be created. */
export function newAclProblem(acl: AclBinding): string | null {
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) return `Invalid patternType ${nameOf(PatternType, acl.patternType)}`;
  if (acl.resourceType === ResourceType.UNKNOWN || acl.resourceType === ResourceType.ANY) return `Invalid resourceType ${nameOf(ResourceType, acl.resourceType)}`;
  if (acl.operation === AclOperation.UNKNOWN || acl.operation === AclOperation.ANY) return `Invalid operation ${nameOf(AclOperation, acl.operation)}`;
  if (acl.permissionType !== AclPermissionType.ALLOW && acl.permissionType !== AclPermissionType.DENY) return `Invalid permissionType ${nameOf(AclPermissionType, acl.permissionType)}`;
  if (acl.resourceName === '') return 'Resource name should not be empty';
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (!acl.principal.includes(':')) {
    return `Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`;
  }
  return null;
}

export function nameOf(codes: Readonly<Record<string, number>>, code: number): string {
  for (const [name, value] of Object.entries(codes)) if (value === code) return name;
  return 'UNKNOWN';
}

/** Identity of an ACL regardless of its id: two records with the same binding are one ACL. */
export function aclKey(acl: AclBinding): string {
  return JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType, acl.principal, acl.host, acl.operation, acl.permissionType]);
}
