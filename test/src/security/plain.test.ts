import { describe, expect, it } from 'vitest';
import { PlainServer } from '../../../src/security/plain.js';

const users = new Map([['alice', 'alice-secret']]);
const token = (...parts: string[]): Buffer => Buffer.from(parts.join('\u0000'));

describe('PlainServer', () => {
  it('accepts a listed user with the right password, with or without an equal authzid', () => {
    for (const authzid of ['', 'alice']) {
      const server = new PlainServer(users);
      expect(server.evaluate(token(authzid, 'alice', 'alice-secret'))).toHaveLength(0);
      expect(server.complete).toBe(true);
      expect(server.authorizationId).toBe('alice');
    }
  });

  it.each([
    ['a wrong password', token('', 'alice', 'wrong'), 'Invalid username or password'],
    ['an unknown user', token('', 'mallory', 'alice-secret'), 'Invalid username or password'],
    ['no user', token('', '', 'x'), 'username not specified'],
    ['no password', token('', 'alice', ''), 'password not specified'],
    ['two fields', token('alice', 'alice-secret'), 'expected 3 tokens, got 2'],
    ['another authzid', token('admin', 'alice', 'alice-secret'), 'authorization id that is different'],
  ])('refuses %s', (_why, bytes, message) => {
    const server = new PlainServer(users);
    expect(() => server.evaluate(bytes)).toThrow(message);
    expect(server.complete).toBe(false);
  });

  it('never puts the password into an error message', () => {
    try {
      new PlainServer(users).evaluate(token('', 'alice', 'guess-123'));
    } catch (error) {
      expect((error as Error).message).not.toContain('guess-123');
    }
  });

  it('takes a single token per exchange', () => {
    const server = new PlainServer(users);
    expect(() => server.evaluate(token('', 'alice', 'wrong'))).toThrow();
    expect(() => server.evaluate(token('', 'alice', 'alice-secret'))).toThrow('already been attempted');
  });
});
