import type { SigningIdentity } from '../../local/sigv4-verifier';
import { postToGate } from './function-identities';

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

/**
 * The gate's admin-only route, a POST like its other own paths: answers the counts (JSON `{calls: CallCount[]}`),
 * and with `{"reset": true}` sets them to zero after answering.
 */
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

  /** The answer of CALLS_PATH to a request with this JSON body (the caller is already known to be an admin). */
  answer(body: string): { status: number; headers: Record<string, string>; body: string } {
    const calls = this.list();
    if ((JSON.parse(body || '{}') as { reset?: boolean }).reset) this.reset();
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ calls }) };
  }
}

/** The counts of the gate at `endpoint` (admin keys), set to zero afterwards when `reset`. */
export async function gateCallCounts(
  endpoint: string,
  region: string,
  admin: SigningIdentity,
  options: { reset?: boolean } = {},
): Promise<CallCount[]> {
  const response = await postToGate(endpoint, region, admin, CALLS_PATH, options);
  if (response.status !== 200) throw new Error(`POST ${CALLS_PATH} → ${response.status} ${await response.text()}`);
  return ((await response.json()) as { calls: CallCount[] }).calls;
}
