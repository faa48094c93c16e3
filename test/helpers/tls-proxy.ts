import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A TLS-terminating proxy that requires a client certificate signed by `ca`, in front of a plain TCP server (the
 * Temporal dev server has no TLS of its own): what a secured Temporal cluster looks like to its clients.
 */
export type TlsProxy = { address: string; port: number; close(): Promise<void> };

export function startTlsProxy(opts: {
  target: { host: string; port: number };
  ca: string;
  cert: string;
  key: string;
}): Promise<TlsProxy> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      ca: readFileSync(opts.ca),
      cert: readFileSync(opts.cert),
      key: readFileSync(opts.key),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'], // gRPC clients insist on HTTP/2 being negotiated
    },
    (client) => {
      const upstream = net.connect(opts.target.port, opts.target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  // A rejected handshake is the point of the wrong-certificate test, not an error of the proxy.
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        address: `127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
