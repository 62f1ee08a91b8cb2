import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { defined } from './defined';

/** What the server does with one request. */
export type Reply =
  | { status: number; body?: unknown }
  /** Destroys the connection without a response (the client sees `socket hang up`). */
  | 'drop'
  /** Never answers. */
  | 'hang'
  /** Sends 200 headers and part of the body, then neither finishes nor closes. */
  | 'stall-body';

export interface ScriptedServer {
  url: string;
  /** Base64 PEM of its self-signed certificate, to trust it as a cluster CA. */
  caData: string;
  /** Requests received so far (method and path). */
  requests: string[];
  /** TLS connections accepted so far. */
  handshakes(): number;
  close(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1, made fresh for each run (no key lives in the repository).
 * Needs the openssl command, as the developer machines and CI images have.
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An HTTPS server on 127.0.0.1 that answers request n with `script[n]` (the last entry repeats):
 * a stand-in for a kube-apiserver that throttles, fails, drops connections or hangs.
 */
export async function startScriptedServer(script: Reply[]): Promise<ScriptedServer> {
  const { key, cert } = selfSignedCertificate();
  const requests: string[] = [];
  const server = https.createServer({ key, cert }, (request, response) => {
    const reply = defined(script[Math.min(requests.length, script.length - 1)], 'a scripted reply');
    requests.push(`${request.method} ${request.url}`);
    if (reply === 'drop') return request.socket.destroy();
    if (reply === 'hang') return;
    if (reply === 'stall-body') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"kind":"Namespace",');
      return;
    }
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.body ?? { kind: 'Status', code: reply.status }));
  });
  let handshakes = 0;
  server.on('secureConnection', () => {
    handshakes += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caData: Buffer.from(cert).toString('base64'),
    requests,
    handshakes: () => handshakes,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
