import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refusalKind, type SigningIdentity, sigV4Verifier, type VerifiedCaller } from '../../local/sigv4-verifier';
import { CALLS_PATH, CallCounts } from './call-counts';
import { type Authorization, type Protocol, SERVICES, type ServiceEntry } from './catalogue';
import { EmulatorState } from './emulator-state';
import { type Decision, evaluate, type PolicyDocument, usesResourceTags } from './evaluate';
import { REGISTER_PATH } from './function-identities';
import { AUTHORIZE_PATH, authorizeHere, type ServiceAuthorization } from './invocations';
import { callerIdentityAnswer, type ErrorAnswer, type ErrorKind, errorAnswer, recognise } from './protocol';
import { DEFAULT_QUOTAS } from './quota-table';
import { type Quota, TokenBuckets } from './quotas';

/**
 * The sandbox's AWS endpoint: in front of the emulator, it does what AWS does before a call reaches a
 * service — checks the SigV4 signature, finds the caller by access key, applies the API's rate quota, and
 * evaluates the caller's IAM policies — then forwards what passes to moto unchanged. See README.md.
 */

/** A non-admin caller: its keys, the ARN GetCallerIdentity names, and the policies IAM evaluates for it. */
export interface GateIdentity extends SigningIdentity {
  policies: { name: string; document: PolicyDocument }[];
}

export interface AwsGate {
  endpoint: string;
  /** Makes these callers known (a runtime registers its functions' roles when it starts). */
  register(identities: GateIdentity[]): void;
  close(): Promise<void>;
}

export interface AwsGateOptions {
  emulatorEndpoint: string;
  region: string;
  /** Keys with full access (`.sandbox/env`): verified, throttled, never evaluated. */
  admins: SigningIdentity[];
  identities?: GateIdentity[];
  quotas?: Record<string, Quota>;
  host?: string;
  port?: number;
  now?: () => number;
  /** Told of every refusal (denied, throttled, unknown key, bad signature): the sandbox writes them to a log. */
  onRefusal?: (refusal: { kind: ErrorKind; caller?: string; action?: string; message: string }) => void;
}

export async function startAwsGate(options: AwsGateOptions): Promise<AwsGate> {
  const callers = new Map<string, SigningIdentity | GateIdentity>();
  const admins = new Set(options.admins.map((a) => a.accessKeyId));
  const register = (identities: (SigningIdentity | GateIdentity)[]) => {
    for (const identity of identities) callers.set(identity.accessKeyId, identity);
  };
  register(options.admins);
  register(options.identities ?? []);
  const now = options.now ?? Date.now;
  const verify = sigV4Verifier({
    region: options.region,
    identities: (key) => callers.get(key),
    service: '*',
    now: () => new Date(now()),
    presignedStsHosts: [`sts.${options.region}.amazonaws.com`, 'sts.amazonaws.com'],
  });
  const [admin] = options.admins;
  if (!admin) throw new Error('the gate needs an admin identity: it reads the emulator with its keys');
  const emulator = new EmulatorState({
    endpoint: options.emulatorEndpoint,
    region: options.region,
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
  });
  const buckets = new TokenBuckets(now);
  // Every call of a verified caller, by caller, action and answer (call-counts.ts; read at CALLS_PATH).
  const calls = new CallCounts();
  const decisions = new Map<string, Decision>();
  const quotas = options.quotas ?? DEFAULT_QUOTAS;
  const upstream = new URL(options.emulatorEndpoint);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://gate');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const [rawPath = '/'] = (req.url ?? '/').split('?');
    const signed = { method: req.method ?? 'GET', path: rawPath, query: url.searchParams, headers, body };
    // Until the signature names its service, answer in the shape its headers suggest.
    let protocol: Protocol = guessProtocol(headers, body, url.searchParams);
    let service: ServiceEntry | undefined;
    try {
      let caller: VerifiedCaller;
      try {
        caller = await verify(signed);
      } catch (error) {
        const kind: ErrorKind = refusalKind(error) === 'unknown-key' ? 'UnknownKey' : 'BadSignature';
        const reason = (error as Error).message;
        const message =
          kind === 'UnknownKey'
            ? 'The security token included in the request is invalid.'
            : `The request signature we calculated does not match the signature you provided. (${reason})`;
        options.onRefusal?.({ kind, message: reason });
        return send(res, errorAnswer(kind, message, protocol));
      }
      if (rawPath === REGISTER_PATH && req.method === 'POST') {
        if (!admins.has(caller.accessKeyId)) return send(res, { status: 403, headers: {}, body: 'admin keys only' });
        register(JSON.parse(body.toString('utf8')).identities as GateIdentity[]);
        return send(res, { status: 204, headers: {}, body: '' });
      }
      if (rawPath === CALLS_PATH && req.method === 'POST') {
        if (!admins.has(caller.accessKeyId)) return send(res, { status: 403, headers: {}, body: 'admin keys only' });
        return send(res, calls.answer(body.toString('utf8')));
      }
      if (rawPath === AUTHORIZE_PATH && req.method === 'POST') {
        // A service's invocation (Step Functions, Scheduler, an EventBridge rule) that the sandbox runs in process.
        if (!admins.has(caller.accessKeyId)) return send(res, { status: 403, headers: {}, body: 'admin keys only' });
        const request = JSON.parse(body.toString('utf8')) as ServiceAuthorization;
        const decision = await authorizeHere(request);
        if (!decision.allowed)
          options.onRefusal?.({
            kind: 'AccessDenied',
            caller: request.principal,
            action: decision.action,
            message: decision.message,
          });
        return send(res, {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(decision),
        });
      }
      service = SERVICES[caller.service];
      if (service) protocol = service.protocol;
      const recognised = service ? recognise(service, signed) : { input: {}, path: {} };
      const action = `${service?.iamPrefix ?? caller.service}:${recognised.operation ?? 'unknown'}`;

      const quota = quotas[action];
      if (quota && !buckets.take(action, quota)) {
        options.onRefusal?.({ kind: 'Throttling', caller: caller.principalArn, action, message: quota.source });
        calls.record(caller.principalArn, action, 'throttled');
        return send(
          res,
          errorAnswer('Throttling', 'Rate exceeded', protocol, { queryCompatible: service?.queryCompatible }),
        );
      }

      if (service?.signingName === 'sts' && recognised.operation === 'GetCallerIdentity') {
        calls.record(caller.principalArn, action, 'answered');
        return send(res, callerIdentityAnswer(caller.principalArn, caller.accessKeyId, headers.accept));
      }

      if (!admins.has(caller.accessKeyId)) {
        const identity = callers.get(caller.accessKeyId) as GateIdentity;
        const denial = await authorize(identity, recognised, options.region, emulator, action, decisions);
        if (denial) {
          options.onRefusal?.({ kind: 'AccessDenied', caller: caller.principalArn, action, message: denial });
          calls.record(caller.principalArn, action, 'denied');
          return send(
            res,
            errorAnswer('AccessDenied', denial, protocol, { queryCompatible: service?.queryCompatible }),
          );
        }
      }
      calls.record(caller.principalArn, action, 'answered');
      forward(upstream, req, body, res);
    } catch (error) {
      send(res, {
        status: 500,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
        body: JSON.stringify({ __type: 'InternalFailure', message: `aws gate: ${(error as Error).message}` }),
      });
    }
  };

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host ?? '127.0.0.1'}:${port}`,
    register,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Undefined when IAM allows every authorization the request needs; else AWS's message for the first denial. */
async function authorize(
  identity: GateIdentity,
  recognised: ReturnType<typeof recognise>,
  region: string,
  emulator: EmulatorState,
  action: string,
  /** Decisions by caller key, authorization and tags (keys are new at each start, their policies fixed). */
  decisions: Map<string, Decision>,
): Promise<string | undefined> {
  if (!recognised.entry)
    // Fail closed: an operation the catalogue does not map cannot be evaluated, so it is not allowed.
    return `User: ${identity.principalArn} is not authorized to perform: ${action} because the sandbox's AWS gate does not map this operation (tools/aws-gate/catalogue.ts)`;
  const authorizations: Authorization[] = await recognised.entry.authorize({
    input: recognised.input,
    path: recognised.path,
    region,
    account: identity.principalArn.split(':')[4] ?? '',
    lookups: emulator,
  });
  const readTags = usesResourceTags(identity.policies);
  for (const authorization of authorizations) {
    const tags = readTags && authorization.resource !== '*' ? await emulator.tagsOf(authorization.resource) : {};
    // The same caller, request and tags always get the same decision: evaluate each once (polling repeats them).
    const key = JSON.stringify([identity.accessKeyId, authorization, tags]);
    let decision = decisions.get(key);
    if (!decision) {
      decision = await evaluate(identity.principalArn, identity.policies, authorization, tags);
      if (decisions.size >= MAX_CACHED_DECISIONS) decisions.clear();
      decisions.set(key, decision);
    }
    if (!decision.allowed) return decision.message;
  }
  return undefined;
}

const MAX_CACHED_DECISIONS = 10000;

function guessProtocol(headers: Record<string, string>, body: Buffer, query: URLSearchParams): Protocol {
  if (headers['x-amz-target']) return headers['content-type']?.includes('1.1') ? 'json-1.1' : 'json-1.0';
  if (
    query.has('Action') ||
    headers['content-type']?.includes('x-www-form-urlencoded') ||
    /^Action=/.test(body.toString('utf8', 0, 7))
  )
    return 'query';
  return 'rest-json';
}

/** Sends the request to the emulator as it came, and streams the answer back. */
function forward(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const proxied = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  proxied.on('error', (error) =>
    send(res, {
      status: 502,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: `aws gate: the emulator did not answer: ${error.message}` }),
    }),
  );
  proxied.end(body);
}

function send(res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
