import { describe, expect, it } from 'vitest';
import { AclOperation as Op, AclPermissionType as Perm, filterMatches, filterProblem, newAclProblem, PatternType as Pat, ResourceType as Res, type AclBinding, type AclBindingFilter } from '../../../src/security/acl.js';

const acl = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...over,
});
const anyFilter: AclBindingFilter = { resourceType: Res.ANY, resourceName: null, patternType: Pat.ANY, principal: null, host: null, operation: Op.ANY, permissionType: Perm.ANY };
const filter = (over: Partial<AclBindingFilter>): AclBindingFilter => ({ ...anyFilter, ...over });

describe('ACL filters (ResourcePatternFilter / AccessControlEntryFilter)', () => {
  it('ANY everywhere matches every ACL', () => {
    expect(filterMatches(anyFilter, acl())).toBe(true);
    expect(filterMatches(anyFilter, acl({ patternType: Pat.PREFIXED, resourceType: Res.GROUP }))).toBe(true);
  });

  it('resource type and exact pattern type must agree', () => {
    expect(filterMatches(filter({ resourceType: Res.GROUP }), acl())).toBe(false);
    expect(filterMatches(filter({ patternType: Pat.PREFIXED }), acl())).toBe(false);
    expect(filterMatches(filter({ patternType: Pat.LITERAL }), acl())).toBe(true);
  });

  it('LITERAL and ANY filters compare names exactly (the wildcard ACL is its own name)', () => {
    expect(filterMatches(filter({ resourceName: 'orders', patternType: Pat.LITERAL }), acl())).toBe(true);
    expect(filterMatches(filter({ resourceName: 'orders', patternType: Pat.LITERAL }), acl({ resourceName: '*' }))).toBe(false);
    expect(filterMatches(filter({ resourceName: 'orders', patternType: Pat.ANY }), acl({ patternType: Pat.PREFIXED, resourceName: 'ord' }))).toBe(false);
    expect(filterMatches(filter({ resourceName: 'ord', patternType: Pat.ANY }), acl({ patternType: Pat.PREFIXED, resourceName: 'ord' }))).toBe(true);
  });

  it('MATCH finds the literal, wildcard and prefixed ACLs that apply to a name', () => {
    const match = filter({ resourceType: Res.TOPIC, resourceName: 'orders-eu', patternType: Pat.MATCH });
    expect(filterMatches(match, acl({ resourceName: 'orders-eu' }))).toBe(true);
    expect(filterMatches(match, acl({ resourceName: '*' }))).toBe(true);
    expect(filterMatches(match, acl({ patternType: Pat.PREFIXED, resourceName: 'orders-' }))).toBe(true);
    expect(filterMatches(match, acl({ patternType: Pat.PREFIXED, resourceName: 'payments-' }))).toBe(false);
    expect(filterMatches(match, acl({ resourceName: 'orders' }))).toBe(false);
  });

  it('entry filters: principal, host, operation, permission', () => {
    expect(filterMatches(filter({ principal: 'User:bob' }), acl())).toBe(false);
    expect(filterMatches(filter({ principal: 'User:alice' }), acl())).toBe(true);
    expect(filterMatches(filter({ host: '10.0.0.1' }), acl())).toBe(false);
    expect(filterMatches(filter({ host: '*' }), acl())).toBe(true);
    expect(filterMatches(filter({ operation: Op.WRITE }), acl())).toBe(false);
    expect(filterMatches(filter({ operation: Op.READ, permissionType: Perm.DENY }), acl())).toBe(false);
    expect(filterMatches(filter({ operation: Op.READ, permissionType: Perm.ALLOW }), acl())).toBe(true);
  });

  it('unknown halves of a filter are reported', () => {
    expect(filterProblem(anyFilter)).toBeNull();
    expect(filterProblem(filter({ resourceType: Res.UNKNOWN }))).toBe('Unknown patternFilter.');
    expect(filterProblem(filter({ permissionType: Perm.UNKNOWN }))).toBe('Unknown entryFilter.');
  });

  it('new ACLs are validated as the controller does', () => {
    expect(newAclProblem(acl())).toBeNull();
    expect(newAclProblem(acl({ patternType: Pat.MATCH }))).toBe('Invalid patternType MATCH');
    expect(newAclProblem(acl({ resourceType: Res.ANY }))).toBe('Invalid resourceType ANY');
    expect(newAclProblem(acl({ operation: Op.UNKNOWN }))).toBe('Invalid operation UNKNOWN');
    expect(newAclProblem(acl({ permissionType: Perm.ANY }))).toBe('Invalid permissionType ANY');
    expect(newAclProblem(acl({ resourceName: '' }))).toBe('Resource name should not be empty');
    expect(newAclProblem(acl({ resourceType: Res.CLUSTER, resourceName: 'x' }))).toMatch(/kafka-cluster/);
    expect(newAclProblem(acl({ principal: 'alice' }))).toMatch(/no colon/);
  });
});
