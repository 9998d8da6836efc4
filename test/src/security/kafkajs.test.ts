// kafkajs end to end over every security protocol: produce, then consume in a group, so both
// the metadata (advertised listener per protocol) and the group coordinator path are covered.
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { CA_PEM, useSecureBroker, USERS } from './secure-broker.js';

const broker = useSecureBroker();

async function roundTrip(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length === 2) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

const client = (brokers: string, extra: { ssl?: object; sasl?: SASLOptions }): Kafka =>
  new Kafka({ clientId: 'sasl-test', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 2 }, ...extra });

describe('kafkajs against secured listeners', () => {
  const mechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
  for (const listener of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
    for (const mechanism of mechanisms) {
      it(`${mechanism} over ${listener}`, async () => {
        const kafka = client(broker.current.address(listener), {
          sasl: { mechanism, username: 'alice', password: USERS.alice } as SASLOptions,
          ...(listener === 'SASL_SSL' ? { ssl: { ca: [CA_PEM] } } : {}),
        });
        expect(await roundTrip(kafka, `t-${listener}-${mechanism}`.toLowerCase())).toEqual(['one', 'two']);
      }, 30_000);
    }
  }

  it('plain SSL with server verification', async () => {
    expect(await roundTrip(client(broker.current.address('SSL'), { ssl: { ca: [CA_PEM] } }), 't-ssl')).toEqual(['one', 'two']);
  }, 30_000);

  it('large fetch responses (records written as separate chunks) arrive intact over TLS', async () => {
    const kafka = client(broker.current.address('SASL_SSL'), { ssl: { ca: [CA_PEM] }, sasl: { mechanism: 'scram-sha-512', username: 'bob', password: USERS.bob } });
    const topic = 't-tls-large';
    const values = Array.from({ length: 120 }, (_, i) => Buffer.alloc(20_000, i % 251));
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < values.length; i += 40) await producer.send({ topic, messages: values.slice(i, i + 40).map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'tls-large', maxBytesPerPartition: 1_048_576 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!);
          if (seen.length === values.length) resolve();
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    expect(seen.every((value, i) => value.equals(values[i]!))).toBe(true);
  }, 60_000);

  it.each(mechanisms)('a wrong password with %s fails with an authentication error', async (mechanism) => {
    const admin = client(broker.current.address('SASL_PLAINTEXT'), { sasl: { mechanism, username: 'alice', password: 'wrong' } as SASLOptions }).admin();
    await expect(admin.connect()).rejects.toThrow(/SASL .*authentication failed/i);
    await admin.disconnect();
  }, 30_000);

  it('a mechanism the broker does not enable is refused with the enabled list', async () => {
    const admin = client(broker.current.address('SASL_PLAINTEXT'), { sasl: { mechanism: 'aws', authorizationIdentity: 'x', accessKeyId: 'a', secretAccessKey: 'b' } as SASLOptions }).admin();
    await expect(admin.connect()).rejects.toThrow('The broker does not support the requested SASL mechanism');
    await admin.disconnect();
  }, 30_000);
});
