// Counts eksflow's DescribeAlarms requests during the alarm storm (bench and chaos test). The quota itself is the
// sandbox's AWS gate's (tools/aws-gate/quotas.ts), applied to every caller of the account, as AWS applies it.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export interface DescribeAlarmsMeter {
  /** Requests that got through to CloudWatch (the emulator, behind the gate). */
  calls: number;
  /** Requests the gate answered with CloudWatch's throttling error instead. */
  throttled: number;
}

/** CloudWatch's throttling answer, as the SDK names it (query protocol `Throttling`, JSON `ThrottlingException`). */
const THROTTLED = new Set(['Throttling', 'ThrottlingException']);

/**
 * Counts the DescribeAlarms requests `client` sends, and which of them were throttled. It sits inside the SDK's
 * retry loop (below the retry middleware), so each attempt counts, as each takes a token from AWS's bucket.
 */
export function meterDescribeAlarms(client: CloudWatchClient): DescribeAlarmsMeter {
  const meter: DescribeAlarmsMeter = { calls: 0, throttled: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DescribeAlarmsCommand') return next(args);
      try {
        const output = await next(args);
        meter.calls++;
        return output;
      } catch (error) {
        if (THROTTLED.has((error as Error).name)) meter.throttled++;
        else meter.calls++;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'describeAlarmsMeter' },
  );
  return meter;
}
