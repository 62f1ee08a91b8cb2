import { failRollout as fail } from '../../core/rollouts/commands/fail-rollout';
import { reconcileRollout } from '../../core/rollouts/steps/reconcile-rollout';
import { task } from './task';

export const reconcile = task('reconcileRollout', reconcileRollout);
export const failRollout = task('failRollout', fail);
