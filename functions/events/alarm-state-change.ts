import { parseAlarmStateChange } from '../../shared/validation/alarm-event';
import { container } from '../container';

/** EventBridge "CloudWatch Alarm State Change" → the alarm use case. */
export async function main(event: unknown) {
  const change = parseAlarmStateChange(event);
  const c = container();
  c.logger.info('alarm state change', { alarm: change.alarmName, from: change.previousState, to: change.state });
  return { alarm: change.alarmName, state: change.state };
}
