// Reads the certificates of a PKCS12 trust store. Node's TLS takes a PKCS12 file only as a key
// store (`pfx` needs a private key), and a Java or openssl trust store holds certificates alone,
// so this walks the PFX structure (RFC 7292) itself: unencrypted and PBES2 (PBKDF2 + AES-CBC,
// what openssl 3 and Java 18+ write) certificate bags. The MAC is not checked: a wrong password
// shows up as a decryption failure instead.
import { createDecipheriv, pbkdf2Sync, X509Certificate } from 'node:crypto';

interface Der {
  readonly tag: number;
  /** The content bytes. */
  readonly value: Buffer;
}

function readDer(buf: Buffer, at: number): Der & { end: number } {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at]!;
  let length = buf[at + 1]!;
  let offset = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || offset + bytes > buf.length) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buf[offset + i]!;
    offset += bytes;
  }
  if (offset + length > buf.length) throw new Error('truncated DER');
  return { tag, value: buf.subarray(offset, offset + length), end: offset + length };
}

function children(node: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < node.value.length; ) {
    const child = readDer(node.value, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

function oid(node: Der | undefined): string {
  if (node?.tag !== 0x06) throw new Error('expected an object identifier');
  const bytes = node.value;
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function integer(node: Der | undefined): number {
  if (node?.tag !== 0x02) throw new Error('expected an integer');
  return node.value.reduce((n, b) => n * 256 + b, 0);
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const PRF: Record<string, string> = { '1.2.840.113549.2.7': 'sha1', '1.2.840.113549.2.9': 'sha256', '1.2.840.113549.2.10': 'sha384', '1.2.840.113549.2.11': 'sha512' };
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
};

/** PBES2 decryption (RFC 8018) of an EncryptedContentInfo's content. */
function decryptPbes2(algorithm: Der, encrypted: Buffer, password: string): Buffer {
  const [algOid, params] = children(algorithm);
  if (oid(algOid) !== OID.pbes2) {
    throw new Error(`encryption ${oid(algOid)} is not supported (legacy PKCS12 algorithms); re-export the store with AES, e.g. openssl pkcs12 -export with its defaults`);
  }
  const [kdf, scheme] = children(params!);
  const [kdfOid, kdfParams] = children(kdf!);
  if (oid(kdfOid) !== OID.pbkdf2) throw new Error('only PBKDF2 key derivation is supported');
  const kdfFields = children(kdfParams!);
  const salt = kdfFields[0]!.value;
  const iterations = integer(kdfFields[1]);
  const prfNode = kdfFields.find((f) => f.tag === 0x30);
  const prf = prfNode === undefined ? 'sha1' : PRF[oid(children(prfNode)[0])];
  const [schemeOid, iv] = children(scheme!);
  const cipher = CIPHERS[oid(schemeOid)];
  if (prf === undefined || cipher === undefined || iv?.tag !== 0x04) throw new Error('unsupported PBES2 parameters');
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyLength, prf);
  try {
    const decipher = createDecipheriv(cipher.name, key, iv.value);
    return Buffer.concat([decipher.update(encrypted), decipher.final()]);
  } catch {
    throw new Error('decryption failed (wrong ssl.truststore.password?)');
  }
}

/** The certificates (PEM) of a PKCS12 file's certificate bags. */
export function readPkcs12Certificates(pfx: Buffer, password: string): string[] {
  const [version, authSafe] = children(readDer(pfx, 0));
  if (integer(version) !== 3 || authSafe === undefined) throw new Error('not a PKCS12 v3 file');
  const [authType, authContent] = children(authSafe);
  if (oid(authType) !== OID.data) throw new Error('public-key integrity mode is not supported');
  const safes = readDer(children(authContent!)[0]!.value, 0);
  const certificates: string[] = [];
  for (const contentInfo of children(safes)) {
    const [type, explicit] = children(contentInfo);
    let safeContents: Buffer;
    if (oid(type) === OID.data) {
      safeContents = children(explicit!)[0]!.value;
    } else if (oid(type) === OID.encryptedData) {
      const [, encryptedContentInfo] = children(children(explicit!)[0]!);
      const [, algorithm, encrypted] = children(encryptedContentInfo!);
      safeContents = decryptPbes2(algorithm!, encrypted!.value, password);
    } else {
      continue;
    }
    for (const bag of children(readDer(safeContents, 0))) {
      const [bagId, bagValue] = children(bag);
      if (oid(bagId) !== OID.certBag) continue;
      const [certType, certValue] = children(children(bagValue!)[0]!);
      if (oid(certType) !== OID.x509Certificate) continue;
      certificates.push(new X509Certificate(children(certValue!)[0]!.value).toString());
    }
  }
  if (certificates.length === 0) throw new Error('no certificate in the store');
  return certificates;
}
