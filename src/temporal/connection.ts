import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config, TemporalSecurity } from '../config';

/**
 * One way to reach Temporal for every process (API, worker, `npm start`): the address from TEMPORAL_ADDRESS with
 * the TLS and API key settings of config.ts. A connection that fails at start-up fails with a message saying why
 * (a TLS handshake is probed directly, as the SDK only reports a missed deadline) and what to check.
 */

export type TemporalTarget = { address: string; namespace: string } & TemporalSecurity;

/** The options Connection.connect and NativeConnection.connect share. */
export function temporalConnectionOptions(t: TemporalTarget): {
  address: string;
  tls?: TLSConfig | false;
  apiKey?: string;
} {
  return {
    address: t.address,
    ...(t.tlsDisabled ? { tls: false as const } : {}), // explicit, as an API key alone turns TLS on
    ...(t.tls
      ? {
          tls: {
            serverNameOverride: t.tls.serverName,
            serverRootCACertificate: t.tls.serverCa,
            clientCertPair:
              t.tls.clientCert && t.tls.clientKey ? { crt: t.tls.clientCert, key: t.tls.clientKey } : undefined,
          },
        }
      : {}),
    ...(t.apiKey ? { apiKey: t.apiKey } : {}),
  };
}

/** The configured Temporal; `fallbackAddress` for processes that may default to a local server. */
export function temporalTarget(config: Config, fallbackAddress?: string): TemporalTarget {
  const address = config.temporal.address ?? fallbackAddress;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set (npm start sets it for the local stack)');
  return { ...config.temporal, address };
}

/** A client connection, checked with a call, or an Error whose message says what to fix. */
export async function connectTemporalClient(t: TemporalTarget): Promise<Connection> {
  try {
    const connection = await Connection.connect({ ...temporalConnectionOptions(t), connectTimeout: 10_000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: t.namespace });
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
    return connection;
  } catch (err) {
    throw await temporalConnectError(t, err);
  }
}

/** Wraps a failed connection attempt in an Error that names the address, the security in use and the likely fix. */
export async function temporalConnectError(t: TemporalTarget, cause: unknown): Promise<Error> {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const handshake = t.tls ? await probeTlsHandshake(t) : undefined;
  const lines = [`Cannot connect to Temporal at ${t.address} (${describeSecurity(t)}): ${handshake ?? reason}`];
  if (handshake) lines.push(`  (the SDK said: ${reason})`);
  lines.push(`  What to check: ${hint(t, reason, handshake)}`);
  return new Error(lines.join('\n'), { cause });
}

function describeSecurity(t: TemporalTarget): string {
  const parts = [!t.tlsDisabled && (t.tls || t.apiKey) ? 'TLS' : 'plain TCP, no TLS'];
  if (t.tls?.clientCertDescription) parts.push(`client certificate ${t.tls.clientCertDescription}`);
  if (t.tls?.serverCa) parts.push('server CA from TEMPORAL_TLS_SERVER_CA_CERT_*');
  if (t.tls?.serverName) parts.push(`server name ${t.tls.serverName}`);
  if (t.apiKey) parts.push('API key from TEMPORAL_API_KEY');
  parts.push(`namespace ${t.namespace}`);
  return parts.join(', ');
}

function hint(t: TemporalTarget, reason: string, handshake: string | undefined): string {
  if (handshake?.includes('rejected our client certificate')) {
    return 'the client certificate must be signed by a CA the server trusts (TEMPORAL_TLS_CLIENT_CERT_* and _KEY_*).';
  }
  if (handshake?.includes('server certificate')) {
    return 'TEMPORAL_TLS_SERVER_CA_CERT_* must hold the CA that signed the server certificate, and TEMPORAL_TLS_SERVER_NAME a name it is issued for.';
  }
  if (handshake?.includes('asked for a client certificate')) {
    return 'set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or _DATA) to a certificate the server trusts.';
  }
  if (/not found|NOT_FOUND/i.test(reason)) return `the namespace ${t.namespace} (TEMPORAL_NAMESPACE) must exist there.`;
  if (/UNAUTHENTICATED|PERMISSION_DENIED|unauthori[sz]ed/i.test(reason)) {
    return 'the API key (TEMPORAL_API_KEY) or client certificate must be allowed in this namespace.';
  }
  if (!t.tls && !t.apiKey) {
    return 'is Temporal running at TEMPORAL_ADDRESS? A secured cluster needs TEMPORAL_TLS_* (or TEMPORAL_API_KEY for Temporal Cloud).';
  }
  return 'is TEMPORAL_ADDRESS right and reachable from here (Temporal Cloud: <namespace>.<account>.tmprl.cloud:7233, or the regional endpoint for API keys)?';
}

/**
 * Opens a TLS connection with the configured certificates, as the SDK would, to say why a handshake fails. The
 * server rejects a client certificate only after the client thinks the handshake is done (TLS 1.3), so success
 * means the server's first HTTP/2 frame arrived. Undefined when the handshake works or the host is unreachable.
 */
export function probeTlsHandshake(t: TemporalTarget, timeoutMs = 3_000): Promise<string | undefined> {
  const [host, port] = splitAddress(t.address);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: t.tls?.serverName ?? (/^[\d.]+$|:/.test(host) ? undefined : host),
      ca: t.tls?.serverCa,
      cert: t.tls?.clientCert,
      key: t.tls?.clientKey,
      ALPNProtocols: ['h2'],
      checkServerIdentity: (hostname, cert) => tls.checkServerIdentity(t.tls?.serverName ?? hostname, cert),
    });
    const done = (result: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    let connected = false;
    socket.once('secureConnect', () => {
      connected = true;
      // An HTTP/2 client preface makes the server answer (or send its certificate alert) at once.
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00');
    });
    socket.once('data', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(describeTlsError(err, connected, Boolean(t.tls?.clientCert))),
    );
    // Some servers (Node's among them) hang up without an alert when they refuse a client certificate.
    socket.once('close', () =>
      done(
        !connected
          ? undefined
          : t.tls?.clientCert
            ? 'the server hung up right after the TLS handshake: it rejected our client certificate'
            : 'the server hung up right after the TLS handshake: it asked for a client certificate and none is configured',
      ),
    );
  });
}

function describeTlsError(err: NodeJS.ErrnoException, handshakeDone: boolean, hasCert: boolean): string | undefined {
  const what = `${err.code ?? ''} ${err.message}`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(what)) return undefined;
  if (!hasCert && /certificate required|alert|handshake failure/i.test(what)) {
    return `the server asked for a client certificate and none is configured (${err.message})`;
  }
  if (/certificate required|alert bad certificate|alert unknown ca|alert certificate unknown/i.test(what)) {
    return `the server rejected our client certificate (${err.message})`;
  }
  if (handshakeDone && /alert/i.test(what)) return `the server rejected our client certificate (${err.message})`;
  if (/CERT|self[- ]signed|unable to (get|verify)|Hostname\/IP does not match/i.test(what)) {
    return `the server certificate is not trusted (${err.message})`;
  }
  return `the TLS handshake failed (${err.message})`;
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(i + 1))];
}
