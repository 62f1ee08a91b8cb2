import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SigningIdentity } from '../../local/sigv4-verifier';

/**
 * What the gate answered, counted by caller and action: the bench's "AWS calls per rollout and per cluster
 * operation" (README "Deploy"). Every request the gate attributes to a verified caller counts once, whatever
 * the answer — passed on to the emulator, throttled by a quota, or denied by IAM — because each one is a request
 * AWS would bill against the account's quotas. Requests with unknown keys or bad signatures name no caller and
 * are not counted.
 */

/** How the gate answered a call. */
export type CallOutcome = 'answered' | 'throttled' | 'denied';

export interface CallCount {
  /** The caller's ARN (a function's `assumed-role/<role>/<function>`, or an admin user). */
  principal: string;
  /** IAM action, e.g. `cloudwatch:DescribeAlarms`. */
  action: string;
  answered: number;
  throttled: number;
  denied: number;
}

/** The gate's admin-only route: GET answers the counts (JSON `{calls: CallCount[]}`), DELETE sets them to zero. */
export const CALLS_PATH = '/_eksflow-gate/calls';

export class CallCounts {
  private readonly counts = new Map<string, CallCount>();

  record(principal: string, action: string, outcome: CallOutcome): void {
    const key = `${principal}\0${action}`;
    let count = this.counts.get(key);
    if (!count) {
      count = { principal, action, answered: 0, throttled: 0, denied: 0 };
      this.counts.set(key, count);
    }
    count[outcome] += 1;
  }

  list(): CallCount[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }

  reset(): void {
    this.counts.clear();
  }

  /** The answer of CALLS_PATH for `method` (the caller is already known to be an admin). */
  answer(method: string): { status: number; headers: Record<string, string>; body: string } {
    if (method === 'DELETE') {
      this.reset();
      return { status: 204, headers: {}, body: '' };
    }
    if (method !== 'GET') return { status: 405, headers: { allow: 'GET, DELETE' }, body: 'GET or DELETE' };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ calls: this.list() }),
    };
  }
}

/** Reads (GET) or clears (DELETE) the counts of the gate at `endpoint`, signed with an admin's keys. */
export async function gateCallCounts(
  endpoint: string,
  region: string,
  admin: SigningIdentity,
  method: 'GET' | 'DELETE' = 'GET',
): Promise<CallCount[]> {
  const url = new URL(CALLS_PATH, endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    region,
    service: 'sts',
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host },
  });
  const response = await fetch(url, { method, headers: signed.headers as Record<string, string> });
  if (method === 'DELETE' && response.status === 204) return [];
  if (response.status !== 200) throw new Error(`${method} ${url} → ${response.status} ${await response.text()}`);
  return ((await response.json()) as { calls: CallCount[] }).calls;
}
