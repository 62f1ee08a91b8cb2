// DescribeAlarms under its quota, for the alarm storm (bench and chaos test), until the gate applies every quota.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_QUOTAS } from '../../tools/aws-gate/quota-table';
import type { Quota } from '../../tools/aws-gate/quotas';

/**
 * A token bucket as AWS describes its throttling: `burst` tokens at most, `rate` added a second, one taken per
 * request. TEMPORARY local copy: at merge, tools/aws-gate/quotas.ts's TokenBuckets (applied by the gate's proxy
 * to every caller of the account, the one that counts) replaces it and this file goes.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly quota: Quota,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = quota.burst;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.quota.burst, this.tokens + ((now - this.last) / 1000) * this.quota.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface DescribeAlarmsMeter {
  /** Requests that got through to CloudWatch (the emulator). */
  calls: number;
  /** Requests answered with CloudWatch's throttling error instead. */
  throttled: number;
}

/**
 * Counts the DescribeAlarms requests `client` sends and holds them to the quota: a request that finds the
 * bucket empty gets CloudWatch's answer (`Throttling`, HTTP 400) without reaching the emulator. It sits inside
 * the SDK's retry loop (below the retry middleware), so each attempt takes a token, as each would from AWS.
 */
export function meterDescribeAlarms(
  client: CloudWatchClient,
  quota: Quota = DEFAULT_QUOTAS['cloudwatch:DescribeAlarms'],
): DescribeAlarmsMeter {
  const meter: DescribeAlarmsMeter = { calls: 0, throttled: 0 };
  const bucket = new TokenBucket(quota);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DescribeAlarmsCommand') return next(args);
      if (!bucket.take()) {
        meter.throttled++;
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'Throttling',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      meter.calls++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'describeAlarmsQuota' },
  );
  return meter;
}
