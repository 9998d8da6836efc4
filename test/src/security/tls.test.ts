// TLS listeners with Node's own TLS client: server verification, mTLS with a PKCS12 key store
// and trust store, and garbage in place of a handshake.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { encodeRequestFrame, decodeResponseFrame } from '../../../protocol/frames.js';
import { ApiVersionsRequest } from '../../../protocol/generated/message/api-versions-request.js';
import { ApiVersionsResponse } from '../../../protocol/generated/message/api-versions-response.js';
import { CA_PEM, useSecureBroker, tlsFile } from './secure-broker.js';
import { metadata, rawClientOn } from './sasl-raw.js';

const broker = useSecureBroker();

/** Opens a TLS connection and asks ApiVersions; resolves the error code, or rejects with the TLS or socket error. */
function apiVersionsOverTls(listener: string, options: ConnectionOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: 'localhost', port: broker.current.broker.broker.endpoint(listener).port, ca: [CA_PEM], ...options }, () => {
      socket.write(encodeRequestFrame(ApiKey.ApiVersions, 3, 1, 'tls-test', ApiVersionsRequest, { clientSoftwareName: 'tls', clientSoftwareVersion: '1' }));
    });
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        resolve(decodeResponseFrame(buffered.subarray(4), ApiKey.ApiVersions, 3, ApiVersionsResponse).body.errorCode);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without an answer')));
  });
}

describe('TLS listeners', () => {
  it('serve a client that verifies the server certificate (SAN localhost) against the CA', async () => {
    expect(await apiVersionsOverTls('SSL', {})).toBe(0);
  });

  it('are refused by a client that does not trust the CA', async () => {
    await expect(apiVersionsOverTls('SSL', { ca: [] })).rejects.toThrow(/self.signed|unable to (get|verify)/i);
  });

  it('with ssl.client.auth=required serve a client presenting a certificate the CA signed', async () => {
    expect(await apiVersionsOverTls('MTLS', { cert: readFileSync(tlsFile('client.pem')), key: readFileSync(tlsFile('client.key')) })).toBe(0);
  });

  it('with ssl.client.auth=required drop a client without a certificate', async () => {
    await expect(apiVersionsOverTls('MTLS', {})).rejects.toThrow();
  });

  it('with ssl.client.auth=required drop a client whose certificate the CA did not sign', async () => {
    await expect(apiVersionsOverTls('MTLS', { cert: readFileSync(tlsFile('untrusted-client.pem')), key: readFileSync(tlsFile('untrusted-client.key')) })).rejects.toThrow();
  });

  it('with ssl.client.auth=requested serve clients with a trusted certificate or none, and drop an untrusted one', async () => {
    expect(await apiVersionsOverTls('REQUESTED', {})).toBe(0);
    expect(await apiVersionsOverTls('REQUESTED', { cert: readFileSync(tlsFile('client.pem')), key: readFileSync(tlsFile('client.key')) })).toBe(0);
    await expect(apiVersionsOverTls('REQUESTED', { cert: readFileSync(tlsFile('untrusted-client.pem')), key: readFileSync(tlsFile('untrusted-client.key')) })).rejects.toThrow();
  });

  it('log and close a connection that sends garbage instead of a handshake; the broker keeps serving', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port: broker.current.broker.broker.endpoint('SSL').port }, () => {
        // A PLAINTEXT client's ApiVersions request on the TLS port.
        socket.write(encodeRequestFrame(ApiKey.ApiVersions, 0, 1, 'wrong-port', ApiVersionsRequest, ApiVersionsRequest.defaults()));
        socket.write(Buffer.alloc(64, 0xab));
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
    expect(await apiVersionsOverTls('SSL', {})).toBe(0);
    const plain = await rawClientOn(broker.current, 'PLAINTEXT');
    expect((await metadata(plain)).brokers).toHaveLength(1);
    plain.close();
  });
});
