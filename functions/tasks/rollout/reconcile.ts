import { reconcileRollout } from '../../../core/rollouts/steps/reconcile-rollout';
import { task } from '../task';
import { rolloutPorts } from './ports';

export const main = task('reconcileRollout', rolloutPorts, reconcileRollout);
