import { sweepScalingPolicies } from '../../shared/use-cases/scaling/scaling-policies-on-alarm';
import { container } from '../container';

/** EventBridge schedule: an alarm that stays in a policy's state past the cooldown scales again. */
export async function main() {
  return sweepScalingPolicies(container());
}
