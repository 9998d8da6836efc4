// A minimal SCRAM client for tests (RFC 5802 client side), independent of the server code.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** `repeatNonce` sends the client nonce again in front of the combined one, as librdkafka 2.0 does. */
export function scramClient(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string, options: { repeatNonce?: boolean } = {}) {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const size = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
  const nonce = randomBytes(16).toString('hex');
  const bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  let expectedServerSignature = '';
  return {
    first: (): Buffer => Buffer.from(`n,,${bare}`),
    final(serverFirst: Buffer): Buffer {
      const text = serverFirst.toString();
      const fields = Object.fromEntries(text.split(',').map((p) => [p[0], p.slice(2)]));
      const salted = pbkdf2Sync(password, Buffer.from(fields.s!, 'base64'), Number(fields.i), size, hash);
      const clientKey = createHmac(hash, salted).update('Client Key').digest();
      const storedKey = createHash(hash).update(clientKey).digest();
      const withoutProof = `c=biws,r=${options.repeatNonce ? nonce : ''}${fields.r}`;
      const authMessage = `${bare},${text},${withoutProof}`;
      const signature = createHmac(hash, storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
      const serverKey = createHmac(hash, salted).update('Server Key').digest();
      expectedServerSignature = createHmac(hash, serverKey).update(authMessage).digest('base64');
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
    },
    verify: (serverFinal: Buffer): boolean => serverFinal.toString() === `v=${expectedServerSignature}`,
  };
}
