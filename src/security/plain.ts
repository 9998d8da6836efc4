// SASL/PLAIN, server side (RFC 4616) with Kafka's PlainSaslServer messages: one token
// `authzid NUL user NUL password`, checked against the listener's JAAS users.
import { createHash, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer } from './types.js';

/** Compares through fixed-length digests, so neither length nor content leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN' as const;
  private user: string | null = null;
  private done = false;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get complete(): boolean {
    return this.user !== null;
  }

  get authorizationId(): string | null {
    return this.user;
  }

  evaluate(token: Buffer): Buffer {
    if (this.done) throw new SaslAuthenticationError('PLAIN authentication has already been attempted on this exchange');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users.get(user);
    // An unknown user is compared against itself so it costs the same as a wrong password.
    const matches = sameSecret(password, expected ?? password) && expected !== undefined;
    if (!matches) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.user = user;
    return Buffer.alloc(0);
  }
}
