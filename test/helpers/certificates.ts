import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/**
 * Throwaway certificates for the mTLS proxy of the test stack: a CA that signs the server's and a client's
 * certificate, and a second, untrusted CA with a client certificate of its own — the "wrong certificate". Node can
 * make keys but not certificates, so node-forge signs them (a fresh machine needs no openssl CLI). RSA 2048 keys in
 * PKCS#8, valid for two days.
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

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

function issue(cn: string, role: 'ca' | 'serverAuth' | 'clientAuth', issuer?: Issued): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`; // positive, unique
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 86_400_000);
  const subject = [{ name: 'commonName', value: cn }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: 'subjectKeyIdentifier' }];
  if (issuer) {
    extensions.push({
      name: 'authorityKeyIdentifier',
      keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes(),
    });
  }
  if (role === 'ca') {
    extensions.push(
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    );
  } else {
    extensions.push(
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', [role]: true },
    );
  }
  if (role === 'serverAuth') {
    extensions.push({
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    });
  }
  cert.setExtensions(extensions);
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  cert.sign(issuer?.key ?? key, forge.md.sha256.create());
  return { cert, key, certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem: privateKey };
}

export async function makeCertificates(dir: string): Promise<CertificateFiles> {
  await fs.mkdir(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const save = async (name: string, issued: Issued) => {
    await fs.writeFile(file(`${name}.pem`), issued.certPem);
    await fs.writeFile(file(`${name}.key`), issued.keyPem, { mode: 0o600 });
  };

  const ca = issue('intercom-crm-sync test CA', 'ca');
  const rogueCa = issue('someone else CA', 'ca');
  await save('ca', ca);
  await save('server', issue('localhost', 'serverAuth', ca));
  await save('client', issue('intercom-crm-sync worker', 'clientAuth', ca));
  await save('rogue-client', issue('intercom-crm-sync worker', 'clientAuth', rogueCa));
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
