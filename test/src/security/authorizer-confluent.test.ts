// librdkafka (confluent-kafka-python) against the authorizer: a producer without WRITE gets
// TOPIC_AUTHORIZATION_FAILED as its delivery error, and delivers once an ACL allows it.
// (Debian's confluent-kafka 1.7.0 has no ACL admin API; the ACLs are made with kafkajs.)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { DEBIAN_PYTHON, PROBES, requireClient } from '../../helpers/real-clients.js';
import { STANDARD_AUTHORIZER_CLASS } from '../../../src/security/authorizer.js';
import { useSecureBroker, USERS } from './secure-broker.js';

const hasConfluent = requireClient('confluent-kafka-python', PROBES.confluentPython);
const broker = useSecureBroker({ 'authorizer.class.name': STANDARD_AUTHORIZER_CLASS, 'super.users': 'User:alice' });

const PRODUCE = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'SCRAM-SHA-512',
              'sasl.username': 'bob', 'sasl.password': sys.argv[2], 'message.timeout.ms': 15000})
outcome = []
p.produce(sys.argv[3], b'v', callback=lambda err, msg: outcome.append(err.name() if err else 'ok'))
p.flush(20)
print(outcome[0] if outcome else 'no delivery report')
`;

async function bobProduces(topic: string): Promise<string> {
  // Asynchronous: the broker runs in this process.
  const { stdout } = await promisify(execFile)(DEBIAN_PYTHON, ['-c', PRODUCE, broker.current.address('SASL_PLAINTEXT'), USERS.bob, topic], { timeout: 40_000 });
  return stdout.trim();
}

describe.skipIf(!hasConfluent)('confluent-kafka-python against StandardAuthorizer', () => {
  it('a producer needs WRITE on the topic', async () => {
    const admin = new Kafka({ brokers: [broker.current.address('SASL_PLAINTEXT')], sasl: { mechanism: 'plain', username: 'alice', password: USERS.alice }, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'rdkafka-acl', numPartitions: 1 }] });
      expect(await bobProduces('rdkafka-acl')).toBe('TOPIC_AUTHORIZATION_FAILED');
      await admin.createAcls({
        acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'rdkafka-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }],
      });
      expect(await bobProduces('rdkafka-acl')).toBe('ok');
    } finally {
      await admin.disconnect();
    }
  }, 90_000);
});
