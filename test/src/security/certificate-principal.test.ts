// On an SSL listener a verified client certificate names the principal, as Kafka's default
// principal builder does: `User:` + the subject DN in RFC 2253 form (test/fixtures/tls/client.pem
// is CN=sluice-client). Without a certificate the client is User:ANONYMOUS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { rfc2253 } from '../../../src/server/socket-server.js';
import { CA_PEM, tlsFile, useSecureBroker } from './secure-broker.js';

const broker = useSecureBroker({ 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, 'super.users': 'User:CN=sluice-client' });

function adminOn(listener: 'MTLS' | 'SSL', withCertificate: boolean) {
  return new Kafka({
    clientId: `cert-${listener}`,
    brokers: [broker.current.address(listener)],
    ssl: { ca: [CA_PEM], ...(withCertificate ? { cert: readFileSync(tlsFile('client.pem'), 'utf8'), key: readFileSync(tlsFile('client.key'), 'utf8') } : {}) },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
}

const acl = (topic: string) => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:bob',
  host: '*',
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
});

describe('certificate principals', () => {
  it('writes the subject as Java does: most specific attribute first, escapes kept', () => {
    expect(rfc2253('C=US\nO=Example\\, Inc.\nCN=writer')).toBe('CN=writer,O=Example\\, Inc.,C=US');
    expect(rfc2253('CN=sluice-client')).toBe('CN=sluice-client');
  });

  it('a client certificate names a super user; without one the client is ANONYMOUS', async () => {
    const certified = adminOn('MTLS', true);
    await certified.connect();
    try {
      await certified.createAcls({ acl: [acl('by-certificate')] });
    } finally {
      await certified.disconnect();
    }
    const anonymous = adminOn('SSL', false);
    await anonymous.connect();
    try {
      await expect(anonymous.createAcls({ acl: [acl('anonymous')] })).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    } finally {
      await anonymous.disconnect();
    }
  }, 30_000);
});
