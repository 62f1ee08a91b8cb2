/** As EventBridge delivers it (from the CloudWatch documentation's example, trimmed). */
export function alarmEvent(overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-01-02T03:04:05Z',
    region: 'us-east-1',
    resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-5xx-rate'],
    detail: {
      alarmName: 'web-5xx-rate',
      state: {
        value: 'ALARM',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [12.0 (02/01/26 03:03:00)] was greater than the threshold (5.0).',
        reasonData: '{"version":"1.0"}',
        timestamp: '2026-01-02T03:04:05.123+0000',
      },
      previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-01-02T02:00:00.000+0000' },
      configuration: { metrics: [], description: 'ALB 5xx rate' },
    },
    ...overrides,
  };
}
