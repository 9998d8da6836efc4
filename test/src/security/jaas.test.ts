import { describe, expect, it } from 'vitest';
import { JaasConfigError, parseJaasConfig, plainUsersFromJaas, quoteJaasValue } from '../../../src/security/jaas.js';

describe('parseJaasConfig', () => {
  it('reads a PlainLoginModule line as Kafka documents it', () => {
    const modules = parseJaasConfig(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";',
    );
    expect(modules).toHaveLength(1);
    expect(modules[0]!.controlFlag).toBe('required');
    expect(plainUsersFromJaas(modules)).toEqual(new Map([['admin', 'admin-secret'], ['alice', 'alice-secret']]));
  });

  it('handles comments, unquoted values, escapes and several modules', () => {
    const modules = parseJaasConfig(`/* users */ org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED
      user_bob=bob-pw // trailing comment
      user_carol="with \\"quote\\" and \\\\";
      org.apache.kafka.common.security.scram.ScramLoginModule optional;`);
    expect(modules.map((m) => m.controlFlag)).toEqual(['required', 'optional']);
    expect(plainUsersFromJaas(modules)).toEqual(new Map([['bob', 'bob-pw'], ['carol', 'with "quote" and \\']]));
  });

  it('round-trips any password through quoteJaasValue', () => {
    const password = 'p"a\\ss; w=rd';
    const modules = parseJaasConfig(`org.apache.kafka.common.security.plain.PlainLoginModule required user_x=${quoteJaasValue(password)};`);
    expect(plainUsersFromJaas(modules).get('x')).toBe(password);
  });

  it.each([
    ['an empty config', ''],
    ['no control flag', 'org.Module user_a="b";'],
    ['a bad control flag', 'org.Module mandatory user_a="b";'],
    ['no semicolon', 'org.Module required user_a="b"'],
    ['an unterminated quote', 'org.Module required user_a="b;'],
    ['an option without a value', 'org.Module required user_a=;'],
  ])('refuses %s without echoing values', (_why, text) => {
    expect(() => parseJaasConfig(text)).toThrow(JaasConfigError);
    try {
      parseJaasConfig(text);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/"b/);
    }
  });
});
