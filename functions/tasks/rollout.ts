import { failRollout as fail } from '../../shared/use-cases/fail-rollout';
import { reconcileRollout } from '../../shared/use-cases/reconcile-rollout';
import { task } from './task';

export const reconcile = task('reconcileRollout', reconcileRollout);
export const failRollout = task('failRollout', fail);
