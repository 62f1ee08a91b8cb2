import { sweepRollouts } from '../../shared/use-cases/sweep-rollouts';
import { container } from '../container';

/** EventBridge schedule: restart the workflow run of any rollout that should be moving (safety net). */
export async function main() {
  return sweepRollouts(container());
}
