import type { Quota } from './quotas';

/**
 * The default rate quotas the AWS gate applies, keyed `<iam prefix>:<Operation>`. The quotas work (issue 15,
 * part 3) fills this table; the gate only reads it.
 */
export const DEFAULT_QUOTAS: Record<string, Quota> = {
  'cloudwatch:DescribeAlarms': {
    rate: 9,
    burst: 9,
    source:
      'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html (DescribeAlarms: 9 TPS)',
  },
};
