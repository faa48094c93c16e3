import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { temporalConnectionOptions, temporalTarget } from '../../src/temporal/connection';
import { makeCertificates, type CertificateFiles } from '../helpers/certificates';

/** TEMPORAL_TLS_* and TEMPORAL_API_KEY: read and checked at start-up, mapped to the SDK's connection options. */
describe('Temporal connection security settings', () => {
  let dir: string;
  let certs: CertificateFiles;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'intercom-crm-sync-certs-'));
    certs = await makeCertificates(dir);
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const problem = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('is off by default: plain TCP to a local dev server', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(config.temporal.tls).toBeUndefined();
    expect(temporalConnectionOptions(temporalTarget(config))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('reads mTLS files into the SDK options, and names whose certificate it is', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    const options = temporalConnectionOptions(temporalTarget(config));
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal',
      serverRootCACertificate: readFileSync(certs.ca),
      clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
    });
    expect(config.temporal.tls?.clientCertDescription).toBe(
      `CN=intercom-crm-sync worker from TEMPORAL_TLS_CLIENT_CERT_PATH=${certs.clientCert}`,
    );
  });

  it('takes inline PEM too, with real or escaped newlines', () => {
    const cert = readFileSync(certs.clientCert, 'utf8');
    const key = readFileSync(certs.clientKey, 'utf8').replace(/\n/g, '\\n');
    const config = loadConfig({ TEMPORAL_TLS_CLIENT_CERT_DATA: cert, TEMPORAL_TLS_CLIENT_KEY_DATA: key });
    expect(config.temporal.tls?.clientCert?.toString()).toBe(cert);
    expect(config.temporal.tls?.clientKey?.toString()).toBe(readFileSync(certs.clientKey, 'utf8'));
    expect(config.temporal.tls?.serverCa).toBeUndefined(); // the system's CAs
  });

  it('uses a Temporal Cloud API key, which turns TLS on with the system CAs', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'k-1' });
    expect(temporalConnectionOptions(temporalTarget(config))).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'k-1',
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual(
      expect.objectContaining({ clientCert: undefined }),
    );
    // A self-hosted cluster may take API keys over plain TCP when told so explicitly.
    const plain = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_API_KEY: 'k-2', TEMPORAL_TLS: 'false' });
    expect(temporalConnectionOptions(temporalTarget(plain))).toEqual({
      address: 'temporal:7233',
      tls: false,
      apiKey: 'k-2',
    });
  });

  it.each([
    [
      'a certificate without its key',
      () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert }),
      'TEMPORAL_TLS_CLIENT_KEY_PATH: the client certificate needs its private key',
    ],
    [
      'the key of another certificate',
      () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.rogueClientKey }),
      () => `TEMPORAL_TLS_CLIENT_KEY_PATH=${certs.rogueClientKey}: is not the private key of the certificate`,
    ],
    [
      'a file that is not a certificate',
      () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.clientKey }),
      () => `TEMPORAL_TLS_SERVER_CA_CERT_PATH=${certs.clientKey}: not a PEM certificate`,
    ],
    [
      'a missing file',
      () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'nope.pem') }),
      () => `TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${path.join(dir, 'nope.pem')} (ENOENT)`,
    ],
    [
      'both a file and inline data',
      () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca, TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'x' }),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_CA_CERT_DATA: give one of them, not both',
    ],
    [
      'TLS settings with TLS turned off',
      () => ({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }),
      'TEMPORAL_TLS: is false, but TEMPORAL_TLS_* settings are given',
    ],
    ['a bad TEMPORAL_TLS', () => ({ TEMPORAL_TLS: 'yes' }), 'TEMPORAL_TLS'],
  ])('stops at start-up on %s, naming the variable', (_, env, message) => {
    expect(problem(env())).toContain(typeof message === 'function' ? message() : message);
  });

  it('never shows key material in its messages', () => {
    const key = readFileSync(certs.clientKey, 'utf8');
    const message = problem({ TEMPORAL_TLS_CLIENT_KEY_DATA: key, TEMPORAL_TLS_CLIENT_CERT_DATA: 'not a cert' });
    expect(message).toContain('TEMPORAL_TLS_CLIENT_CERT_DATA: not a PEM certificate');
    expect(message).not.toContain(key.split('\n')[1]);
  });
});
