// `sluice start --sasl-user alice:secret`: the built CLI makes its client listener SASL_PLAINTEXT
// and alice can log in with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a restart keeps the SCRAM
// credentials (metadata log); the password never reaches the log.
import { afterAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { startBrokerProcess, tempDataDir, type BrokerProcess } from '../../helpers/broker-process.js';

const PASSWORD = 'dev-pass-4c1b';
let running: BrokerProcess | undefined;
afterAll(async () => {
  await running?.stop();
});

async function login(bootstrap: string, mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', password = PASSWORD): Promise<number> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism, username: 'alice', password } as SASLOptions }).admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect();
  }
}

describe('sluice start --sasl-user', () => {
  it('serves alice over SASL_PLAINTEXT with every mechanism, refuses anyone else, and never logs the password', async () => {
    const dataDir = tempDataDir();
    const args = ['--sasl-user', `alice:${PASSWORD}`, '--log-level', 'info'];
    running = await startBrokerProcess({ dataDir, args });
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) expect(await login(running.bootstrapServers, mechanism)).toBe(1);
    await expect(login(running.bootstrapServers, 'scram-sha-512', 'wrong')).rejects.toThrow(/authentication failed/i);
    expect(running.output()).toContain('development SASL user created');
    expect(await running.stop()).toBe(0);
    expect(running.output()).not.toContain(PASSWORD);

    // The SCRAM credentials are in the metadata log: a restart without the flag still knows them.
    running = await startBrokerProcess({ dataDir, args: ['--override', 'listeners=SASL_PLAINTEXT://localhost:0,CONTROLLER://localhost:0',
      '--override', 'advertised.listeners=SASL_PLAINTEXT://localhost:0', '--override', 'inter.broker.listener.name=SASL_PLAINTEXT',
      '--override', 'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT', '--override', 'sasl.enabled.mechanisms=SCRAM-SHA-512'] });
    expect(await login(running.bootstrapServers, 'scram-sha-512')).toBe(1);
  }, 60_000);
});
