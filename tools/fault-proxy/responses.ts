/**
 * Error answers the fault proxy sends instead of the server's, each in the shape its client parses,
 * so the client classifies the fault as it would a real one (throttling, server error, conflict).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** How long Kubernetes' 429 asks the client to wait: the apiserver's own default for priority-and-fairness. */
const KUBE_RETRY_AFTER_SECONDS = 1;

/** The AWS wire protocols our SDK clients speak, told apart by what the request looks like. */
export type AwsProtocol = 'awsJson' | 'awsQuery' | 'restJson';

export function awsProtocolOf(headers: IncomingHttpHeaders): AwsProtocol {
  if (headers['x-amz-target']) return 'awsJson'; // DynamoDB, EventBridge, SFN, CloudWatch (JSON since 2025)
  if (String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return 'awsQuery'; // STS
  return 'restJson'; // EKS
}

/** The SDK reads the error code after the `#` of `__type` (or from x-amzn-errortype); the namespace is ours. */
function awsError(protocol: AwsProtocol, status: number, code: string, message: string): CannedResponse {
  const requestId = `fault-proxy-${Math.random().toString(16).slice(2, 10)}`;
  if (protocol === 'awsQuery') {
    const type = status >= 500 ? 'Receiver' : 'Sender';
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  const contentType = protocol === 'awsJson' ? 'application/x-amz-json-1.1' : 'application/json';
  return {
    status,
    headers: {
      'content-type': contentType,
      'x-amzn-errortype': code,
      'x-amzn-requestid': requestId,
      // CloudWatch speaks JSON "query-compatible": its SDK takes the query error code from this header.
      'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.faultproxy#${code}`, message }),
  };
}

/** AWS's throttling answer: `ThrottlingException` (`Throttling` in the query protocol), HTTP 429. */
export function awsThrottle(protocol: AwsProtocol): CannedResponse {
  return awsError(protocol, 429, protocol === 'awsQuery' ? 'Throttling' : 'ThrottlingException', 'Rate exceeded');
}

export function awsServerError(protocol: AwsProtocol, status: 500 | 503): CannedResponse {
  return status === 503
    ? awsError(protocol, 503, 'ServiceUnavailable', 'Service unavailable (injected by the fault proxy)')
    : awsError(protocol, 500, 'InternalFailure', 'Internal failure (injected by the fault proxy)');
}

/** A `meta.k8s.io` Status, as every apiserver error is. */
function kubeStatus(code: number, reason: string, message: string, headers: Record<string, string> = {}) {
  return {
    status: code,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }),
  };
}

export function kubeThrottle(): CannedResponse {
  return kubeStatus(429, 'TooManyRequests', 'Too many requests, please try again later.', {
    'retry-after': String(KUBE_RETRY_AFTER_SECONDS),
  });
}

export function kubeServerError(status: 500 | 503): CannedResponse {
  return status === 503
    ? kubeStatus(503, 'ServiceUnavailable', 'the server is currently unable to handle the request')
    : kubeStatus(500, 'InternalError', 'Internal error occurred: injected by the fault proxy');
}

/** What a stale-resourceVersion update gets from the apiserver. */
export function kubeConflict(path: string): CannedResponse {
  const [pathOnly = ''] = path.split('?');
  const name = pathOnly.split('/').filter(Boolean).pop() ?? 'object';
  return kubeStatus(
    409,
    'Conflict',
    `Operation cannot be fulfilled on "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}
