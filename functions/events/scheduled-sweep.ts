import { sweepRollouts } from '../../shared/use-cases/sweep-rollouts';
import { container } from '../container';

/** EventBridge schedule: re-judge the alarms of every active rollout and restart runs that ended (safety net). */
export async function main() {
  return sweepRollouts(container());
}
