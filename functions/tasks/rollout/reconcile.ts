import { reconcileRollout } from '../../../core/rollouts/steps/reconcile-rollout';
import { task } from '../task';

export const main = task('reconcileRollout', reconcileRollout);
