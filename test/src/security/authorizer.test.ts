import { describe, expect, it } from 'vitest';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res, type AclBinding } from '../../../src/security/acl.js';
import { AclStore } from '../../../src/security/acl-store.js';
import { authorizerSettings, StandardAuthorizer, STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { startBroker } from '../../../src/index.js';

let ids = 0;
function authorizer(acls: Partial<AclBinding>[], config: Record<string, string> = {}): StandardAuthorizer {
  const store = new AclStore();
  for (const a of acls) {
    store.add({ id: `id-${++ids}`, resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...a });
  }
  const settings = authorizerSettings(new Map(Object.entries({ 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, ...config })), ['CONTROLLER'])!;
  return new StandardAuthorizer(store, settings);
}
const as = (principal: string, remoteAddress = '127.0.0.1', listenerName = 'SASL_PLAINTEXT') => ({ principal, connection: { remoteAddress, listenerName } });
const alice = as('User:alice');

describe('StandardAuthorizer rules', () => {
  it('denies without ACLs, allows with a matching ALLOW', () => {
    expect(authorizer([]).authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
    const a = authorizer([{}]);
    expect(a.authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(true);
    expect(a.authorize(alice, Op.WRITE, Res.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(as('User:bob'), Op.READ, Res.TOPIC, 'orders')).toBe(false);
    expect(a.authorize(alice, Op.READ, Res.TOPIC, 'other')).toBe(false);
    expect(a.authorize(alice, Op.READ, Res.GROUP, 'orders')).toBe(false);
  });

  it('DENY beats ALLOW, including ALL and wildcards', () => {
    expect(authorizer([{}, { permissionType: Perm.DENY }]).authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
    expect(authorizer([{ operation: Op.ALL }, { permissionType: Perm.DENY, resourceName: '*', principal: 'User:*' }]).authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
    expect(authorizer([{}, { permissionType: Perm.DENY, operation: Op.ALL }]).authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
  });

  it('ALLOWs imply DESCRIBE and DESCRIBE_CONFIGS; DENYs imply nothing', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) expect(authorizer([{ operation: op }]).authorize(alice, Op.DESCRIBE, Res.TOPIC, 'orders')).toBe(true);
    expect(authorizer([{ operation: Op.CREATE }]).authorize(alice, Op.DESCRIBE, Res.TOPIC, 'orders')).toBe(false);
    expect(authorizer([{ operation: Op.ALTER_CONFIGS }]).authorize(alice, Op.DESCRIBE_CONFIGS, Res.TOPIC, 'orders')).toBe(true);
    expect(authorizer([{ operation: Op.DESCRIBE }, { operation: Op.READ, permissionType: Perm.DENY }]).authorize(alice, Op.DESCRIBE, Res.TOPIC, 'orders')).toBe(true);
  });

  it('wildcard resource, wildcard principal, prefixed patterns, hosts', () => {
    expect(authorizer([{ resourceName: '*' }]).authorize(alice, Op.READ, Res.TOPIC, 'anything')).toBe(true);
    expect(authorizer([{ principal: 'User:*' }]).authorize(as('User:bob'), Op.READ, Res.TOPIC, 'orders')).toBe(true);
    const prefixed = authorizer([{ patternType: Pat.PREFIXED, resourceName: 'ord' }]);
    expect(prefixed.authorize(alice, Op.READ, Res.TOPIC, 'orders-eu')).toBe(true);
    expect(prefixed.authorize(alice, Op.READ, Res.TOPIC, 'or')).toBe(false);
    const host = authorizer([{ host: '10.1.2.3' }]);
    expect(host.authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
    expect(host.authorize(as('User:alice', '10.1.2.3'), Op.READ, Res.TOPIC, 'orders')).toBe(true);
    expect(host.authorize(as('User:alice', '::ffff:10.1.2.3'), Op.READ, Res.TOPIC, 'orders')).toBe(true);
  });

  it('super users and internal listeners; allow.everyone.if.no.acl.found only where no ACL names the resource', () => {
    const a = authorizer([{ principal: 'User:bob' }], { 'super.users': 'User:admin; User:root', 'allow.everyone.if.no.acl.found': 'true' });
    expect(a.authorize(as('User:root'), Op.ALTER, Res.CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.authorize(as('User:ANONYMOUS', '127.0.0.1', 'CONTROLLER'), Op.CLUSTER_ACTION, Res.CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.authorize(as('User:ANONYMOUS'), Op.CLUSTER_ACTION, Res.CLUSTER, 'kafka-cluster')).toBe(true);
    expect(a.authorize(alice, Op.READ, Res.TOPIC, 'unprotected')).toBe(true);
    expect(a.authorize(alice, Op.READ, Res.TOPIC, 'orders')).toBe(false);
    expect(authorizer([]).authorize(as('User:ANONYMOUS'), Op.READ, Res.TOPIC, 'x')).toBe(false);
  });

  it('authorizeAny: some name of the type allowed and not denied', () => {
    expect(authorizer([]).authorizeAny(alice, Op.WRITE, Res.TOPIC)).toBe(false);
    expect(authorizer([{ operation: Op.WRITE }]).authorizeAny(alice, Op.WRITE, Res.TOPIC)).toBe(true);
    expect(authorizer([{ operation: Op.WRITE }, { operation: Op.WRITE, permissionType: Perm.DENY, patternType: Pat.PREFIXED, resourceName: 'o' }]).authorizeAny(alice, Op.WRITE, Res.TOPIC)).toBe(false);
  });

  it('start-up settings: only StandardAuthorizer, principals need a type', () => {
    expect(authorizerSettings(new Map(), [])).toBeUndefined();
    expect(() => authorizerSettings(new Map([['authorizer.class.name', 'kafka.security.authorizer.AclAuthorizer']]), [])).toThrow(/AclAuthorizer is not supported: use org.apache.kafka.metadata.authorizer.StandardAuthorizer/);
    expect(() => authorizerSettings(new Map([['authorizer.class.name', STANDARD_AUTHORIZER_CLASS], ['super.users', 'admin']]), [])).toThrow(/super.users|Type:name/);
  });

  it('a broker with another authorizer class refuses to start', async () => {
    await expect(startBroker({ overrides: { 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' } })).rejects.toThrow(/authorizer.class.name|StandardAuthorizer/);
  });
});
