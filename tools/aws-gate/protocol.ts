import { randomUUID } from 'node:crypto';
import type { OperationEntry, Protocol, ServiceEntry } from './catalogue';

/**
 * The wire side of the gate: which operation a request is (by its service's protocol), and AWS's error answers
 * in that protocol's shape, so the SDK parses them as it parses AWS's own.
 */

export interface RecognisedRequest {
  /** `GetItem`, `DescribeUpdate`, …; undefined when the request names none the gate can read. */
  operation?: string;
  entry?: OperationEntry;
  input: any;
  path: Record<string, string>;
}

/** Reads the operation out of a request to `service` (protocol as the SDK in node_modules sends it). */
export function recognise(
  service: ServiceEntry,
  request: { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: Buffer },
): RecognisedRequest {
  if (service.protocol === 'rest-json') return recogniseRest(service, request);
  const target = request.headers['x-amz-target'];
  if (target && service.targetPrefix && target.startsWith(`${service.targetPrefix}.`)) {
    const operation = target.slice(service.targetPrefix.length + 1);
    return { operation, entry: service.operations[operation], input: parseJson(request.body), path: {} };
  }
  // The query protocol (STS; CloudWatch from older clients): `Action` in the form body or the query string.
  const form = new URLSearchParams(request.method === 'POST' ? request.body.toString('utf8') : '');
  const params = new URLSearchParams([...request.query, ...form]);
  const operation = params.get('Action') ?? undefined;
  return {
    operation,
    entry: operation ? service.operations[operation] : undefined,
    input: queryInput(params),
    path: {},
  };
}

function recogniseRest(
  service: ServiceEntry,
  request: { method: string; path: string; query: URLSearchParams; body: Buffer },
): RecognisedRequest {
  const [pathOnly = ''] = request.path.split('?');
  const segments = pathOnly.split('/').filter(Boolean);
  for (const [operation, entry] of Object.entries(service.operations)) {
    if (!entry.route) continue;
    const [method, template = ''] = entry.route.split(' ');
    if (method !== request.method) continue;
    const parts = template.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const path: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const label = /^\{(\w+)\}$/.exec(part)?.[1];
      const segment = segments[i] ?? '';
      if (label) path[label] = decodeURIComponent(segment);
      return label !== undefined || part === segment;
    });
    if (!matches) continue;
    return { operation, entry, input: { ...queryInput(request.query), ...parseJson(request.body) }, path };
  }
  return { input: {}, path: {} };
}

function parseJson(body: Buffer): any {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

/** Query parameters as an object; `AlarmNames.member.1` style lists become arrays under their first name. */
function queryInput(params: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const list = /^(\w+)\.member\.\d+$/.exec(key)?.[1];
    if (list) input[list] = [...((input[list] as string[]) ?? []), value];
    else if (key in input) input[key] = [input[key], value].flat();
    else input[key] = value;
  }
  return input;
}

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The codes AWS uses for the same refusal in the query protocol and in the JSON ones. */
const CODES = {
  AccessDenied: { json: 'AccessDeniedException', query: 'AccessDenied', status: { json: 400, rest: 403, query: 403 } },
  Throttling: { json: 'ThrottlingException', query: 'Throttling', status: { json: 400, rest: 400, query: 400 } },
  UnknownKey: {
    json: 'UnrecognizedClientException',
    query: 'InvalidClientTokenId',
    status: { json: 400, rest: 403, query: 403 },
  },
  BadSignature: {
    json: 'InvalidSignatureException',
    query: 'SignatureDoesNotMatch',
    status: { json: 400, rest: 403, query: 403 },
  },
} as const;

export type ErrorKind = keyof typeof CODES;

/** AWS's error answer for `kind` in `protocol`'s shape (JSON `__type`, rest-json `x-amzn-ErrorType`, query XML). */
export function errorAnswer(
  kind: ErrorKind,
  message: string,
  protocol: Protocol,
  options: { queryCompatible?: boolean } = {},
): ErrorAnswer {
  const code = CODES[kind];
  const requestId = randomUUID();
  if (protocol === 'query') {
    return {
      status: code.status.query,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
        `<Code>${code.query}</Code><Message>${escapeXml(message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  if (protocol === 'rest-json') {
    return {
      status: code.status.rest,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': code.json,
        'x-amzn-requestid': requestId,
      },
      body: JSON.stringify({ message }),
    };
  }
  return {
    status: code.status.json,
    headers: {
      'content-type': `application/x-amz-json-${protocol === 'json-1.1' ? '1.1' : '1.0'}`,
      'x-amzn-requestid': requestId,
      // awsQueryCompatible services (CloudWatch) also name the query protocol's code.
      ...(options.queryCompatible ? { 'x-amzn-query-error': `${code.query};Sender` } : {}),
    },
    body: JSON.stringify({ __type: code.json, message }),
  };
}

/** STS GetCallerIdentity's answer: XML, or JSON when the caller asks for it (aws-iam-authenticator does). */
export function callerIdentityAnswer(
  principalArn: string,
  accessKeyId: string,
  accept: string | undefined,
): ErrorAnswer {
  const account = principalArn.split(':')[4] ?? '';
  const requestId = randomUUID();
  const result = { Arn: principalArn, UserId: accessKeyId, Account: account };
  if (accept?.includes('application/json')) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
      body: JSON.stringify({
        GetCallerIdentityResponse: { GetCallerIdentityResult: result, ResponseMetadata: { RequestId: requestId } },
      }),
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
      `<Arn>${escapeXml(result.Arn)}</Arn><UserId>${escapeXml(result.UserId)}</UserId><Account>${account}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
      '</GetCallerIdentityResponse>',
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
