import { onAlarmStateChange } from '../../shared/use-cases/on-alarm';
import { parseAlarmStateChange } from '../../shared/validation/alarm-event';
import { container } from '../container';

/** EventBridge "CloudWatch Alarm State Change" → abort the rollouts the alarm guards (or resume them on OK). */
export async function main(event: unknown) {
  return onAlarmStateChange(container(), parseAlarmStateChange(event));
}
