// SCRAM-SHA-256 / SCRAM-SHA-512, server side (RFC 5802, RFC 7677), as Kafka's ScramSaslServer
// runs it: client-first → server-first (nonce, salt, iterations) → client-final (proof) →
// server-final (signature). The server holds only StoredKey and ServerKey, never the password.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  SCRAM_MECHANISMS,
  SaslAuthenticationError,
  type SaslServer,
  type ScramCredential,
  type ScramCredentialSource,
  type ScramMechanismName,
} from './types.js';

/** Kafka's bounds for SCRAM iterations (ScramMechanism minIterations, and AlterUserScramCredentials' maximum). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

const HASH: Record<ScramMechanismName, { algorithm: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { algorithm: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { algorithm: 'sha512', bytes: 64 },
};

/** Same text for an unknown user and a wrong password, so a client cannot probe for user names. */
const INVALID_CREDENTIALS = 'Authentication failed: Invalid user credentials';

const hmac = (mechanism: ScramMechanismName, key: Buffer, text: string | Buffer): Buffer =>
  createHmac(HASH[mechanism].algorithm, key).update(text).digest();

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC, one hash-length block. */
export function saltedPassword(mechanism: ScramMechanismName, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH[mechanism].bytes, HASH[mechanism].algorithm);
}

/** StoredKey and ServerKey from a salted password (what AlterUserScramCredentials carries). */
export function credentialFromSaltedPassword(mechanism: ScramMechanismName, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: createHash(HASH[mechanism].algorithm).update(clientKey).digest(),
    serverKey: hmac(mechanism, salted, 'Server Key'),
  };
}

/** A new credential for a password, with a fresh random salt. */
export function scramCredential(mechanism: ScramMechanismName, password: string, iterations = SCRAM_MIN_ITERATIONS, salt: Buffer = randomBytes(32)): ScramCredential {
  return credentialFromSaltedPassword(mechanism, saltedPassword(mechanism, password, salt, iterations), salt, iterations);
}

/** Splits `a=v,b=w` into attributes; a value may itself contain '=' (base64 padding). */
function attributes(text: string): { key: string; value: string }[] {
  return text.split(',').map((part) => {
    if (part.length < 2 || part[1] !== '=') throw new SaslAuthenticationError(`Invalid SCRAM message: malformed attribute "${part.slice(0, 20)}"`);
    return { key: part[0]!, value: part.slice(2) };
  });
}

/** RFC 5802 saslname: '=2C' stands for ',' and '=3D' for '='; any other '=' is invalid. */
function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new SaslAuthenticationError('Invalid SCRAM message: malformed user name');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

export interface ScramServerOptions {
  readonly mechanism: ScramMechanismName;
  readonly credentials: ScramCredentialSource;
  /** The server's part of the nonce; random by default (tests pass RFC 7677's). */
  readonly serverNonce?: () => string;
}

type ScramState = 'client-first' | 'client-final' | 'complete' | 'failed';

export class ScramServer implements SaslServer {
  readonly mechanism: ScramMechanismName;
  private state: ScramState = 'client-first';
  private user: string | null = null;
  private credential: ScramCredential | undefined;
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(private readonly options: ScramServerOptions) {
    this.mechanism = options.mechanism;
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  get authorizationId(): string | null {
    return this.complete ? this.user : null;
  }

  evaluate(token: Buffer): Buffer {
    try {
      switch (this.state) {
        case 'client-first':
          return this.clientFirst(token.toString('utf8'));
        case 'client-final':
          return this.clientFinal(token.toString('utf8'));
        default:
          throw new SaslAuthenticationError(`Unexpected SCRAM message in state ${this.state}`);
      }
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  private clientFirst(message: string): Buffer {
    // gs2-header: cbind flag, optional authzid, then the bare message. Kafka supports no channel binding.
    const match = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(message);
    if (match === null) {
      const reason = message.startsWith('p=') ? 'channel binding is not supported' : 'malformed client-first message';
      throw new SaslAuthenticationError(`Invalid SCRAM client first message: ${reason}`);
    }
    const authzid = match[2] === undefined ? '' : decodeSaslName(match[2].slice(2));
    this.gs2Header = message.slice(0, message.length - match[3]!.length);
    this.clientFirstBare = match[3]!;
    const parts = this.clientFirstBare.split(',');
    if (parts[0]?.startsWith('m=')) throw new SaslAuthenticationError('Invalid SCRAM client first message: mandatory extensions are not supported');
    const attrs = attributes(parts.slice(0, 2).join(','));
    if (attrs[0]?.key !== 'n' || attrs[1]?.key !== 'r') throw new SaslAuthenticationError('Invalid SCRAM client first message: expected n= and r=');
    const user = decodeSaslName(attrs[0].value);
    const clientNonce = attrs[1].value;
    if (user === '' || !PRINTABLE_NONCE.test(clientNonce)) throw new SaslAuthenticationError('Invalid SCRAM client first message: empty user or bad nonce');
    // Kafka's only extension is tokenauth=true (delegation tokens), which Sluice does not issue.
    if (parts.slice(2).some((extension) => extension.toLowerCase() === 'tokenauth=true')) {
      throw new SaslAuthenticationError('Authentication failed: delegation tokens are not supported');
    }
    if (authzid !== '' && authzid !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.credential = this.options.credentials.scramCredential(user, this.mechanism);
    if (this.credential === undefined) throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    this.user = user;
    this.nonce = clientNonce + (this.options.serverNonce?.() ?? randomBytes(24).toString('base64url'));
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'client-final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private clientFinal(message: string): Buffer {
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) throw new SaslAuthenticationError('Invalid SCRAM client final message: no proof');
    const withoutProof = message.slice(0, proofAt);
    const attrs = attributes(withoutProof.split(',').slice(0, 2).join(','));
    if (attrs[0]?.key !== 'c' || attrs[1]?.key !== 'r') throw new SaslAuthenticationError('Invalid SCRAM client final message: expected c= and r=');
    if (Buffer.from(attrs[0].value, 'base64').toString('utf8') !== this.gs2Header) {
      throw new SaslAuthenticationError('Invalid SCRAM client final message: channel binding does not match the first message');
    }
    // Kafka checks only that the nonce ends with the server's (ScramSaslServer): librdkafka up to
    // at least 2.0 sends its own nonce again in front of the combined one. The proof covers the
    // nonce as sent either way.
    if (!attrs[1].value.endsWith(this.nonce)) throw new SaslAuthenticationError('Invalid client nonce in the final client message.');
    const credential = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
    const clientSignature = hmac(this.mechanism, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computedStoredKey = createHash(HASH[this.mechanism].algorithm).update(clientKey).digest();
    if (!timingSafeEqual(computedStoredKey, credential.storedKey)) throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    this.state = 'complete';
    return Buffer.from(`v=${hmac(this.mechanism, credential.serverKey, authMessage).toString('base64')}`, 'utf8');
  }
}

/** An AlterUserScramCredentials upsertion for a password: what an admin client sends (salted password, fresh salt). */
export function scramUpsertion(user: string, mechanism: ScramMechanismName, password: string, iterations = SCRAM_MIN_ITERATIONS): {
  name: string;
  mechanism: number;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
} {
  const salt = randomBytes(32);
  return { name: user, mechanism: SCRAM_MECHANISMS[mechanism], iterations, salt, saltedPassword: saltedPassword(mechanism, password, salt, iterations) };
}
