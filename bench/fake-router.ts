import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeIntercom } from '../src/fake-intercom';

/**
 * Many fake Intercom workspaces behind one base URL, as Intercom serves every workspace from one host: each request
 * goes to the fake whose access token it carries (the service has one INTERCOM_API_BASE for all sources).
 */
export interface FakeRouter {
  url: string;
  close(): Promise<void>;
}

export async function startFakeRouter(fakes: FakeIntercom[]): Promise<FakeRouter> {
  const byToken = new Map(fakes.map((f) => [f.accessToken, new URL(f.url)]));
  const server: Server = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const target = token === undefined ? undefined : byToken.get(token);
    if (!target) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          type: 'error.list',
          errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
        }),
      );
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
