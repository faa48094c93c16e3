import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Throwaway certificates for the mTLS proxy of the test stack, made with the openssl CLI (Node cannot issue
 * certificates): a CA that signs the server's and a client's certificate, and a second, untrusted CA with a client
 * certificate of its own — the "wrong certificate". EC P-256 keys in PKCS#8, valid for two days.
 */

export type CertificateFiles = {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate and key signed by a CA the proxy does not trust. */
  rogueClientCert: string;
  rogueClientKey: string;
};

export async function makeCertificates(dir: string): Promise<CertificateFiles> {
  await fs.mkdir(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(`${name}.key`));
  const ca = (name: string, cn: string) => {
    key(name);
    openssl(
      ...['req', '-x509', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${cn}`, '-days', '2'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      ...['-out', file(`${name}.pem`)],
    );
  };
  const leaf = (name: string, caName: string, cn: string, extensions: string) => {
    key(name);
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${cn}`, '-out', file(`${name}.csr`));
    const ext = file(`${name}.ext`);
    execFileSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', extensions, ext]);
    openssl(
      ...['x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${caName}.pem`), '-CAkey', file(`${caName}.key`)],
      ...['-CAcreateserial', '-days', '2', '-extfile', ext, '-out', file(`${name}.pem`)],
    );
  };
  const leafExt = (usage: string, san = '') =>
    [`basicConstraints=CA:FALSE`, `keyUsage=critical,digitalSignature`, `extendedKeyUsage=${usage}`, san]
      .filter(Boolean)
      .join('\n');

  ca('ca', 'intercom-crm-sync test CA');
  leaf('server', 'ca', 'localhost', leafExt('serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost'));
  leaf('client', 'ca', 'intercom-crm-sync worker', leafExt('clientAuth'));
  ca('rogue-ca', 'someone else CA');
  leaf('rogue-client', 'rogue-ca', 'intercom-crm-sync worker', leafExt('clientAuth'));
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    rogueClientCert: file('rogue-client.pem'),
    rogueClientKey: file('rogue-client.key'),
  };
}
